"""Heavy work (training, loss surfaces) through a bounded, first-come-first-served queue shared by all sessions.

Streamlit runs every session's script in a thread of one process: ten sessions training at once share
the same cores (and the GIL), so each waits ten times longer and a page that computes nothing stalls
too. A few slots keep heavy work bounded; the rest wait in arrival order and see how many are ahead.

On a page (the message disappears once the slot is held):

    with work_queue.heavy_slot("training"):
        result = pg.run_training(...)
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator

from ui.i18n import _


def default_slots() -> int:
    """NN_EXPLORER_SLOTS, else one slot per core but one, so one core stays free to render pages."""
    env = os.environ.get("NN_EXPLORER_SLOTS", "")
    return int(env) if env.isdigit() and int(env) > 0 else max(1, (os.cpu_count() or 2) - 1)


class FairQueue:
    """At most `slots` holders at a time; waiters are served strictly in arrival order."""

    def __init__(self, slots: int):
        self.slots = slots
        self._cond = threading.Condition()
        self._busy = 0
        self._waiting: deque[object] = deque()

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @contextlib.contextmanager
    def slot(self, on_wait: Callable[[int], None] | None = None, poll: float = 0.5) -> Iterator[None]:
        """Hold a slot for the `with` block; while waiting, `on_wait(k)` is told how many are ahead (on change)."""
        ticket, told = object(), None
        with self._cond:
            self._waiting.append(ticket)
            try:
                while not (self._busy < self.slots and self._waiting[0] is ticket):
                    ahead = self._waiting.index(ticket)
                    if on_wait and ahead != told:
                        told = ahead
                        self._cond.release()  # the callback may draw on a page: never while holding the lock
                        try:
                            on_wait(ahead)
                        finally:
                            self._cond.acquire()
                    self._cond.wait(poll)
            finally:
                self._waiting.remove(ticket)  # also when the waiting session is stopped (an exception here)
                self._cond.notify_all()
            self._busy += 1
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()


_shared: FairQueue | None = None
_shared_lock = threading.Lock()


def shared_queue() -> FairQueue:
    """The one queue of this server process (all sessions, all pages)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FairQueue(default_slots())
        return _shared


@contextlib.contextmanager
def heavy_slot(what: str | None = None) -> Iterator[None]:
    """Run the block in a slot of the shared queue, with a message on the page while it waits."""
    import streamlit as st

    note = st.empty()

    what = what or _("this computation")

    def waiting(ahead: int) -> None:
        others = _("the others") if ahead == 0 else _("{n} ahead of you").format(n=ahead)
        note.info(
            _("⏳ Waiting for a free slot for {what} ({others}): the server is busy with other visitors.").format(
                what=what, others=others
            )
        )

    try:
        with shared_queue().slot(on_wait=waiting):
            note.empty()
            yield
    finally:
        note.empty()
