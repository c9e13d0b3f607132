"""ui.work_queue: bounded, first come first served, tells waiters how many are ahead, frees slots on errors."""

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from ui import work_queue
from ui.work_queue import FairQueue, default_slots


def _run_all(q, n, hold=0.05, stagger=0.01):
    state = {"now": 0, "peak": 0, "order": [], "told": {}}
    lock = threading.Lock()

    def work(i):
        told = []
        with q.slot(on_wait=told.append, poll=0.01):
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
                state["order"].append(i)
            time.sleep(hold)
            with lock:
                state["now"] -= 1
        state["told"][i] = told

    threads = []
    for i in range(n):
        threads.append(threading.Thread(target=work, args=(i,)))
        threads[-1].start()
        time.sleep(stagger)  # arrivals in order 0, 1, 2, ...
    for t in threads:
        t.join(10)
    return state


def test_at_most_n_at_once_and_served_in_arrival_order():
    q = FairQueue(2)
    s = _run_all(q, 9)
    assert s["peak"] == 2 and s["order"] == list(range(9))
    assert q.busy == 0 and q.waiting == 0


def test_waiters_are_told_how_many_are_ahead_counting_down():
    s = _run_all(FairQueue(1), 5, hold=0.1)
    assert s["told"][0] == []  # a free slot: no waiting message at all
    assert s["told"][4][0] == 3 and s["told"][4] == sorted(s["told"][4], reverse=True)


def test_a_failing_job_frees_its_slot():
    q = FairQueue(1)
    with pytest.raises(ZeroDivisionError), q.slot():
        raise ZeroDivisionError
    with q.slot():
        assert q.busy == 1
    assert q.busy == 0


def test_light_work_is_not_held_up_while_every_slot_is_busy():
    q = FairQueue(2)
    release = threading.Event()

    def hold():
        with q.slot():
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for t in holders:
        t.start()
    time.sleep(0.05)
    start = time.perf_counter()
    assert sum(x * x for x in range(1000)) > 0  # a page that computes nothing needs no slot
    assert time.perf_counter() - start < 0.5 and q.busy == 2
    release.set()
    for t in holders:
        t.join(5)


def test_slot_count_from_the_environment(monkeypatch):
    monkeypatch.setenv("NN_EXPLORER_SLOTS", "3")
    assert default_slots() == 3
    monkeypatch.setenv("NN_EXPLORER_SLOTS", "zero")
    assert default_slots() >= 1


def test_page_shows_the_queue_position_while_waiting():
    script = """
import threading, streamlit as st
from ui import work_queue
q = work_queue.shared_queue()
q.slots = 1
gate = threading.Event()
def hold():
    with q.slot():
        gate.wait(2)
threading.Thread(target=hold).start()
import time; time.sleep(0.1)
threading.Timer(0.8, gate.set).start()
with work_queue.heavy_slot("training"):
    st.success("trained")
"""
    try:
        at = AppTest.from_string(script, default_timeout=10).run()
    finally:
        work_queue._shared = None  # the next user of the process queue gets a fresh one
    assert not at.exception and at.success[0].value == "trained" and not at.info  # the wait note is gone
