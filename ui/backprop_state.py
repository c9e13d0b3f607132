"""The Backprop page's settings in its URL: one schema (ui.url_state), fields for layer sizes and numbers.

`?sizes=1-1&activation=linear&x=2&y=2&w=1&b=0` opens the articles' worked example. Layer sizes and number
lists are clamped to the page's limits, then x and y are fitted to the network (zeros added, extras dropped).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import streamlit as st

from core import backprop as bp
from ui import url_fields, url_state
from ui.i18n import N_, _

OUTPUT_ACTIVATIONS = ("linear", "sigmoid", "tanh")
INITS = {"random": N_("Random (seeded)"), "xor": N_("XOR, hand-set (2-2-1 only)")}
LIMIT = 100.0  # inputs, targets and the 1-1 network's w and b stay within +-LIMIT


@dataclass(frozen=True)
class Sizes(url_state.Field):
    """Units per layer as `2-3-1`: 1 to 4 inputs, up to two hidden layers of 1 to 4 units, 1 to 3 outputs."""

    def read(self, raw):
        parts = raw.replace(" ", "").split("-")
        xs = [url_fields.number(p) for p in parts] if 2 <= len(parts) <= 4 else None
        if not xs or any(v is None or not math.isfinite(v) for v in xs):
            return self.default, _("`{name}`: not 2 to 4 layer sizes such as 2-3-1; using {value}.").format(
                name=self.name, value=self.default
            )
        highs = [4] * (len(xs) - 1) + [3]
        v = "-".join(str(min(max(round(x), 1), h)) for x, h in zip(xs, highs))
        if v != raw:
            return v, _("`{name}`: layer sizes kept within the page's limits; using {value}.").format(
                name=self.name, value=v
            )
        return v, None


@dataclass(frozen=True)
class Numbers(url_state.Field):
    """1 to 4 comma-separated finite numbers within +-LIMIT, held as the text `2, 0.5`."""

    def read(self, raw):
        xs = [url_fields.number(p) for p in raw.split(",")] if raw.strip() else []
        if not 1 <= len(xs) <= 4 or any(v is None or not math.isfinite(v) for v in xs):
            return self.default, _("`{name}`: not 1 to 4 numbers separated by commas; using {value}.").format(
                name=self.name, value=self.default
            )
        v = ", ".join(format(min(max(x, -LIMIT), LIMIT), "g") for x in xs)
        return v, None if [float(p) for p in v.split(",")] == xs else _(
            "`{name}`: numbers kept within -{limit:g} to {limit:g}; using {value}."
        ).format(name=self.name, limit=LIMIT, value=v)


SCHEMA = url_state.Schema(
    "backprop",
    (
        Sizes("sizes", "1-1", key="bp_sizes"),
        url_state.Choice("activation", "sigmoid", key="bp_act", choices=bp.ACTIVATIONS),
        url_state.Choice("output", "linear", key="bp_out", choices=OUTPUT_ACTIVATIONS),
        url_state.Choice("loss", "mse", key="bp_loss", choices=bp.LOSSES),
        url_state.Float("lr", 0.1, key="bp_lr", low=0.0, high=100.0),
        Numbers("x", "2", key="bp_x"),
        Numbers("y", "2", key="bp_y"),
        url_state.Float("w", 0.5, key="bp_w", low=-LIMIT, high=LIMIT),
        url_state.Float("b", 0.0, key="bp_b", low=-LIMIT, high=LIMIT),
        url_state.Choice("init", "random", key="bp_init", choices=tuple(INITS)),
        url_state.Int("seed", 0, key="bp_seed", low=0, high=9999),
        url_state.Int("stage", 1, key="bp_stage", low=1, high=8),
        url_state.Int("steps", 100, key="bp_steps", low=1, high=2000),
        url_state.Int("depth", 8, key="bp_depth", low=2, high=12),
        url_state.Choice("deep_activation", "sigmoid", key="bp_deep_act", choices=("sigmoid", "tanh", "relu")),
    ),
)


def _fit(text: str, n: int, classes: bool) -> str:
    """The numbers of `text` fitted to n values (zeros added, extras dropped), or one class index below n."""
    xs = [float(v) for v in text.split(",")]
    if classes:
        return str(int(min(max(round(xs[0]), 0), n - 1)))
    return ", ".join(format(v, "g") for v in (xs + [0.0] * n)[:n])


def bind() -> dict:
    """The page's settings from the link (with its notice) and the widgets, x and y fitted to the network."""
    state = url_state.bind(SCHEMA)
    ss, sizes = st.session_state, [int(v) for v in state["sizes"].split("-")]
    want = {
        "bp_sizes": state["sizes"],
        "bp_x": _fit(state["x"], sizes[0], False),
        "bp_y": _fit(state["y"], sizes[-1], state["loss"] == "cross_entropy"),
    }
    if any(ss[k] != v for k, v in want.items()):  # shown canonical, before the widgets are drawn
        ss.update(want)
        state = url_state.bind(SCHEMA, show_notices=False)
    return state
