"""Controls, stepping and drawing of the living-network page (views/10_Network.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from core import formula, stepper
from core.errors import CoreError, DivergenceError
from core.train import OPTIMIZERS
from ui import url_state, work_queue
from ui.charts import network as net_charts
from ui.formulas import OPTIMIZER_NAMES
from ui.i18n import N_, _

SOURCES = {
    "moons": N_("Two moons"),
    "circles": N_("Circles"),
    "spirals": N_("Spirals"),
    "xor": N_("XOR"),
    "rule": N_("A rule you type"),
    "drawn": N_("Points you draw"),
}
FEATURE_KEYS = {
    "x1": "f_x1",
    "x2": "f_x2",
    "x1²": "f_x1sq",
    "x2²": "f_x2sq",
    "x1·x2": "f_x1x2",
    "sin x1": "f_sinx1",
    "sin x2": "f_sinx2",
}
LRS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
L2S = (0.0, 0.0001, 0.001, 0.01, 0.1)
MAX_EPOCHS = 500  # play stops here
SCHEMA = url_state.Schema(
    "network",
    (
        url_state.Choice("data", "circles", key="net_data", choices=tuple(SOURCES)),
        url_state.Int("n", 200, low=40, high=1000, key="net_n"),
        url_state.Float("noise", 0.1, low=0.0, high=1.0, key="net_noise"),
        url_state.Int("seed", 0, low=0, high=10_000, key="net_seed"),
        url_state.Text("rule", "y > sin(3*x)", key="net_rule", max_len=formula.MAX_CHARS),
        *(url_state.Bool(k, name in ("x1", "x2"), key=f"net_{k}") for name, k in FEATURE_KEYS.items()),
        url_state.Text("extra", "", key="net_extra", max_len=formula.MAX_CHARS),
        url_state.Int("layers", 2, low=0, high=4, key="net_layers"),
        url_state.Int("width", 4, low=1, high=8, key="net_width"),
        url_state.Choice("act", "tanh", key="net_act", choices=("tanh", "relu", "sigmoid")),
        url_state.Choice("opt", "sgd", key="net_opt", choices=OPTIMIZERS),
        url_state.Choice("lr", 0.03, key="net_lr", choices=LRS),
        url_state.Int("batch", 10, low=1, high=100, key="net_batch"),
        url_state.Choice("l2", 0.0, key="net_l2", choices=L2S),
        url_state.Bool("backward", False, key="net_backward"),
    ),
)


def controls(state: dict) -> dict:
    """Sidebar: data, features, network, training. Returns the settings as plain values."""
    sb = st.sidebar
    sb.header(_("Data"))
    source = sb.selectbox(_("Data"), list(SOURCES), format_func=lambda s: _(SOURCES[s]), key="net_data")
    if source not in ("rule", "drawn"):
        sb.slider(_("Samples"), 40, 1000, step=20, key="net_n")
        sb.slider(_("Noise"), 0.0, 1.0, step=0.05, key="net_noise")
    elif source == "rule":
        sb.slider(_("Samples"), 40, 1000, step=20, key="net_n")
        sb.text_input(
            _("Labelling rule (class 1 where it holds)"),
            key="net_rule",
            help=_(
                "Numbers, x1 and x2 (or x and y), + - * / **, comparisons, and sin cos tan exp log "
                "sqrt abs tanh min max. Example: x1*x2 > 0"
            ),
        )
    sb.number_input(_("Seed"), 0, 10_000, key="net_seed")
    sb.header(_("Features"))
    cols = sb.columns(2)
    for i, (name, k) in enumerate(FEATURE_KEYS.items()):
        cols[i % 2].checkbox(name, key=f"net_{k}")
    sb.text_input(_("Your own feature (a formula, optional)"), key="net_extra", placeholder="x1*x2 + sin(x2)")
    sb.header(_("Network"))
    sb.slider(_("Hidden layers"), 0, 4, key="net_layers")
    sb.slider(_("Neurons per hidden layer"), 1, 8, key="net_width")
    sb.selectbox(_("Activation"), ("tanh", "relu", "sigmoid"), key="net_act")
    sb.header(_("Training"))
    sb.selectbox(_("Optimizer"), OPTIMIZERS, format_func=OPTIMIZER_NAMES.get, key="net_opt")
    sb.select_slider(_("Learning rate"), LRS, key="net_lr")
    sb.number_input(_("Batch size"), 1, 100, key="net_batch")
    sb.select_slider(_("L2 strength λ₂"), L2S, key="net_l2")
    feats = [name for name, k in FEATURE_KEYS.items() if state[k]] + (
        [state["extra"].strip()] if state["extra"].strip() else []
    )
    return {
        "source": state["data"],
        "n": state["n"],
        "noise": state["noise"],
        "seed": state["seed"],
        "rule": state["rule"],
        "features": feats,
        "widths": (state["width"],) * state["layers"],
        "act": state["act"],
        "train": {
            "optimizer": state["opt"],
            "lr": state["lr"],
            "batch_size": state["batch"],
            "l2": state["l2"],
            "epochs": MAX_EPOCHS,
        },
    }


@st.cache_data(show_spinner=False, max_entries=16)
def _plane(source, seed, n, noise, rule, drawn):
    return formula.plane_points(source, seed, n, noise, rule, drawn)


def data(spec: dict):
    """(X, y, Dataset) for the settings and the drawn points; raises CoreError with what to change."""
    drawn = tuple(map(tuple, st.session_state.get("net_drawn", ())))
    X, y = _plane(spec["source"], spec["seed"], spec["n"], spec["noise"], spec["rule"], drawn)
    return X, y, formula.plane_dataset(X, y, spec["features"], spec["seed"])


def arch_key(spec: dict) -> str:
    """Settings a run cannot change midway (everything but learning rate, L2 and batch size)."""
    fixed = {k: v for k, v in spec.items() if k != "train"} | {"optimizer": spec["train"]["optimizer"]}
    return json.dumps(fixed, sort_keys=True, default=str) + json.dumps(st.session_state.get("net_drawn", []))


def drawing_controls() -> int:
    """The class that clicks add, and a button that clears the drawing."""
    c1, c2 = st.columns([3, 1])
    cls = c1.radio(
        _("Clicks on the plane add a point of"),
        (0, 1),
        horizontal=True,
        key="net_draw_class",
        format_func=lambda c: _("class {c}").format(c=c),
    )
    if c2.button(_("Clear points"), key="net_draw_clear"):
        st.session_state["net_drawn"] = []
        st.session_state["net_pick_round"] = st.session_state.get("net_pick_round", 0) + 1
    return cls


def add_clicked_point(event, cls: int) -> None:
    """A click on the plane (the chart's "pick" selection) becomes a drawn point of class ``cls``."""
    picked = (event or {}).get("selection", {}).get("pick") or []
    if picked:
        p = picked[0]
        st.session_state.setdefault("net_drawn", []).append([round(float(p["x1"]), 3), round(float(p["x2"]), 3), cls])
        st.session_state["net_pick_round"] = st.session_state.get("net_pick_round", 0) + 1  # a fresh selection
        st.rerun()


def step(ds, spec: dict, batches: int | None) -> bool:
    """One batch (batches=1) or one epoch (None) of the session's run, started if there is none. False if it diverged."""
    run = st.session_state.get("net_run")
    try:
        if run is None or run["key"] != arch_key(spec):
            if run is not None:
                return True  # settings changed: the page asks for a reset instead of discarding the run
            model_opts = {
                "in_features": ds.n_features,
                "widths": spec["widths"],
                "out_features": 2,
                "activation": spec["act"],
                "dropout": 0.0,
                "batch_norm": False,
            }
            run = {
                "key": arch_key(spec),
                "features": spec["features"],
                "rs": stepper.start(model_opts, spec["train"], spec["seed"]),
            }
        rs = stepper.retune(run["rs"], **{k: spec["train"][k] for k in ("lr", "l2", "batch_size")})
        with work_queue.heavy_slot(_("training")):
            rs = stepper.advance(rs, ds, batches)
        st.session_state["net_run"] = {**run, "rs": rs}
        return True
    except DivergenceError as e:
        st.session_state["net_playing"] = False
        st.error(str(e))
        return False


def reset() -> None:
    for k in ("net_run", "net_playing"):
        st.session_state.pop(k, None)


def curves_frame(rs) -> pd.DataFrame:
    h = rs.history
    rows = [
        {"epoch": i + 1, "split": _(s), "loss": v}
        for s, k in ((N_("train"), "train_loss"), (N_("validation"), "val_loss"))
        for i, v in enumerate(h[k])
    ]
    return pd.DataFrame(rows, columns=["epoch", "split", "loss"])


def neuron_details(pic, spec: dict, X: np.ndarray, backward: bool) -> None:
    """A selected neuron's formula with the current numbers plugged in (at the first data point),
    its incoming edges, and in backward mode the gradients of the last batch."""
    sizes = [m.shape[0] for m in pic.maps]
    names = net_charts.node_names(sizes, spec["features"])
    options = [n for layer in names[1:] for n in layer]
    chosen = st.selectbox(_("Select a neuron"), options, key="net_neuron")
    layer = next(l for l, layer in enumerate(names) if chosen in layer)
    unit = names[layer].index(chosen)
    point = stepper.picture(st.session_state["net_run"]["rs"], spec["features"], X[:1, 0], X[:1, 1])
    inputs = point.maps[layer - 1][:, 0, 0]
    tex_names = [n.replace("·", "\\cdot ").replace("²", "^2").replace("_", "\\_") for n in names[layer - 1]]
    sym, plugged, _value = stepper.neuron_formula(pic, layer, unit, tex_names, inputs)
    label = chosen.replace("_", "\\_")
    st.latex(f"{label} = {sym}")
    st.caption(_("At the point ({a:.2f}, {b:.2f}):").format(a=X[0, 0], b=X[0, 1]))
    st.latex(plugged)
    rows = [
        {
            _("from"): src,
            _("weight"): float(pic.weights[layer - 1][unit, i]),
            _("gradient ∂L/∂w"): float(pic.weight_grads[layer - 1][unit, i]),
        }
        for i, src in enumerate(names[layer - 1])
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="net_edges_table")
    if backward:
        st.metric(
            _("Gradient of the loss with respect to its bias, ∂L/∂b (last batch)"),
            f"{float(pic.bias_grads[layer - 1][unit]):.4g}",
        )


def safely(fn, *args):
    """fn(*args), or None with the core's message shown."""
    try:
        return fn(*args)
    except CoreError as e:
        st.error(str(e))
        return None
