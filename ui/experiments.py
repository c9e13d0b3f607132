"""Controls, the engine, streaming results and charts of the experiments page (views/11_Experiments.py)."""

from __future__ import annotations

import os

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core import experiments as ex
from core.errors import ConfigError
from ui import url_state
from ui.charts.palette import ACCENT, MUTED, TRAIN
from ui.i18n import N_, _

DATASETS = {"moons": N_("Two moons"), "circles": N_("Circles"), "spirals": N_("Spirals"), "xor": N_("XOR")}
SETTINGS = {
    "lr": N_("Learning rate"),
    "optimizer": N_("Optimizer"),
    "width": N_("Neurons per layer"),
    "depth": N_("Hidden layers"),
    "batch_size": N_("Batch size"),
    "l2": N_("L2 strength λ₂"),
    "seed": N_("Seed"),
}
DEFAULT = {
    "lr": (2, 3, 4),
    "optimizer": (6,),
    "width": (3,),
    "depth": (2,),
    "batch_size": (2,),
    "l2": (0,),
    "seed": (0, 1),
}  # indices into core.experiments.SPACE: 3 x 2 = 6 runs
SCHEMA = url_state.Schema(
    "experiments",
    (
        url_state.Choice("data", "moons", key="ex_data", choices=("moons", "circles", "spirals", "xor")),
        url_state.Int("n", 300, low=40, high=2000, key="ex_n"),
        url_state.Float("noise", 0.15, low=0.0, high=1.0, key="ex_noise"),
        url_state.Int("epochs", 20, low=1, high=200, key="ex_epochs"),
        url_state.Choice("act", "relu", key="ex_act", choices=("relu", "tanh", "sigmoid", "gelu")),
        url_state.Choice("mode", "grid", key="ex_mode", choices=("grid", "random")),
        url_state.Int("runs", 12, low=1, high=ex.MAX_RUNS, key="ex_runs"),
        *(
            url_state.IntList(k, DEFAULT[k], low=0, high=len(v) - 1, min_len=0, max_len=len(v), key=f"ex_{k}")
            for k, v in ex.SPACE.items()
        ),
        url_state.Bool("ray", True, key="ex_ray"),
    ),
)


def controls(state: dict) -> tuple[dict, dict, str, int]:
    """Sidebar: the data and epochs every run shares, the values to search, grid or random. Returns
    (base settings, space {setting: values}, mode, runs for random search)."""
    sb = st.sidebar
    sb.header(_("Every run"))
    sb.selectbox(_("Dataset"), tuple(DATASETS), format_func=lambda d: _(DATASETS[d]), key="ex_data")
    sb.slider(_("Samples"), 40, 2000, step=20, key="ex_n")
    sb.slider(_("Noise"), 0.0, 1.0, step=0.05, key="ex_noise")
    sb.number_input(_("Epochs per run"), 1, 200, key="ex_epochs")
    sb.selectbox(_("Activation"), ("relu", "tanh", "sigmoid", "gelu"), key="ex_act")
    sb.header(_("Search"))
    sb.radio(
        _("Search"),
        ("grid", "random"),
        key="ex_mode",
        horizontal=True,
        format_func=lambda m: _("Grid: every combination") if m == "grid" else _("Random draws"),
    )
    if state["mode"] == "random":
        sb.number_input(_("Runs"), 1, ex.MAX_RUNS, key="ex_runs")
    for k, values in ex.SPACE.items():
        sb.multiselect(
            _(SETTINGS[k]),
            list(range(len(values))),
            format_func=lambda i, v=values: str(v[i]),
            key=f"ex_{k}",
            help=_("Leave empty to keep the default ({v}).").format(v=ex.BASE[k]),
        )
    base = {
        "dataset": state["data"],
        "n_samples": state["n"],
        "noise": state["noise"],
        "epochs": state["epochs"],
        "activation": state["act"],
    }
    space = {k: tuple(ex.SPACE[k][i] for i in sorted(set(state[k]))) for k in ex.SPACE if state[k]}
    return base, space, state["mode"], state["runs"]


@st.cache_resource(show_spinner=False)
def _engine(address: str, use_ray: bool) -> ex.Engine:
    return ex.connect(address or None, use_ray=use_ray)


def engine(use_ray: bool) -> ex.Engine:
    """Ray at RAY_ADDRESS (or the address typed, where the server allows it), else a local Ray, else in-process."""
    address = os.environ.get("RAY_ADDRESS", "")
    if os.environ.get("NN_EXPLORER_RAY_ADDRESS_SETTING") == "1":  # a public server must not dial any address
        address = st.sidebar.text_input(_("Ray cluster address (empty: this machine)"), address, key="ex_address")
    try:
        engine = _engine(address.strip(), use_ray)
        if engine.kind != "in-process" and not ex.alive():
            _engine.clear()  # the Ray this server started has gone away (stopped from outside): start another
            engine = _engine(address.strip(), use_ray)
        return engine
    except ConfigError as e:
        st.error(str(e))
        st.caption(_("Using this machine instead."))
        return _engine("", use_ray)


def table(results: list, runs: list[dict], varied: list[str]) -> pd.DataFrame:
    rows = []
    for i, (s, r) in enumerate(zip(runs, results), 1):
        row = {_("run"): i, **{_(SETTINGS[k]): str(s[k]) for k in varied}}
        row[_("status")] = _("waiting") if r is None else _(STATUS[r.status])
        row[_("validation accuracy")] = None if r is None or not np.isfinite(r.val_acc) else round(float(r.val_acc), 4)
        row[_("seconds")] = None if r is None else round(r.seconds, 2)
        rows.append(row)
    return pd.DataFrame(rows)


STATUS = {"ok": N_("finished"), "diverged": N_("diverged"), "failed": N_("failed")}


def scatter(results: list, setting: str) -> alt.Chart:
    df = pd.DataFrame(
        [
            {
                "value": str(r.settings[setting]),
                "run": i,
                "acc": float(r.val_acc) if np.isfinite(r.val_acc) else 0.0,
                "status": _(STATUS[r.status]),
            }
            for i, r in enumerate(results, 1)
            if r is not None
        ]
    )
    return (
        alt.Chart(df, title=_("Validation accuracy against {s}").format(s=_(SETTINGS[setting])))
        .mark_circle(size=90)
        .encode(
            alt.X("value:N", title=_(SETTINGS[setting]), sort=None),
            alt.Y("acc:Q", title=_("validation accuracy"), scale=alt.Scale(domain=[0, 1])),
            alt.Color(
                "status:N",
                title=_("status"),
                scale=alt.Scale(domain=[_(v) for v in STATUS.values()], range=[TRAIN, ACCENT, MUTED]),
            ),
            tooltip=["run:Q", "value:N", alt.Tooltip("acc:Q", format=".3f"), "status:N"],
        )
        .properties(height=280, width="container")
    )


def overlaid_curves(results: list) -> alt.Chart:
    df = pd.DataFrame(
        [
            {"run": str(i), "epoch": e + 1, "loss": v}
            for i, r in enumerate(results, 1)
            if r is not None
            for e, v in enumerate(r.history.get("val_loss", []))
        ],
        columns=["run", "epoch", "loss"],
    )
    return (
        alt.Chart(df, title=_("Validation loss per epoch, every run"))
        .mark_line()
        .encode(
            alt.X("epoch:Q", title=_("epoch")),
            alt.Y("loss:Q", title=_("validation loss"), scale=alt.Scale(zero=False)),
            alt.Color("run:N", title=_("run"), sort=None),
            tooltip=["run:N", "epoch:Q", alt.Tooltip("loss:Q", format=".4f")],
        )
        .properties(height=280, width="container")
    )


def disagreement_map(a, b) -> alt.Chart:
    d = ex.disagreement(a, b)
    gx, gy = np.meshgrid(ex.PLANE, ex.PLANE)
    df = pd.DataFrame(
        {"x1": gx.ravel(), "x2": gy.ravel(), "where": [_("disagree") if v else _("agree") for v in d.ravel()]}
    )
    return (
        alt.Chart(df, title=_("Where the two decision boundaries disagree"))
        .mark_square(size=90)
        .encode(
            alt.X("x1:Q", title="x1"),
            alt.Y("x2:Q", title="x2"),
            alt.Color(
                "where:N", title=None, scale=alt.Scale(domain=[_("agree"), _("disagree")], range=["#eeeeee", ACCENT])
            ),
        )
        .properties(height=300, width="container")
    )


def run_diff(results: list) -> None:
    """Two runs side by side: settings changed, metric deltas, where their boundaries disagree."""
    done = [i for i, r in enumerate(results) if r is not None and r.status == "ok"]
    if len(done) < 2:
        st.info(_("Two finished runs are needed to compare."))
        return
    c = st.columns(2)
    a = c[0].selectbox(_("Run A"), done, format_func=lambda i: _("run {n}").format(n=i + 1), key="ex_diff_a")
    b = c[1].selectbox(_("Run B"), done, index=1, format_func=lambda i: _("run {n}").format(n=i + 1), key="ex_diff_b")
    d = ex.diff(results[a], results[b])
    rows = [
        {_("setting"): _(SETTINGS.get(k, k)), _("run A"): str(va), _("run B"): str(vb)}
        for k, (va, vb) in d["changed"].items()
    ]
    m = st.columns(3)
    m[0].metric(_("Validation accuracy, B − A"), f"{results[b].val_acc:.3f}", f"{d['val_acc']:+.3f}")
    m[1].metric(
        _("Validation loss, B − A"), f"{results[b].val_loss:.4f}", f"{d['val_loss']:+.4f}", delta_color="inverse"
    )
    m[2].metric(_("Plane where they disagree"), f"{d['disagree']:.1%}")
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, key="ex_diff_table")
    else:
        st.caption(_("The two runs have the same settings."))
    st.altair_chart(disagreement_map(results[a], results[b]), width="stretch")
