"""The Loss surface page's toy view: optimizers racing on two-parameter surfaces known exactly,
and its settings in the URL (the start point and learning rate belong to the surface shown)."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core import toy_surfaces as toys
from core.errors import CoreError
from ui import url_state
from ui.charts import landscape as lc
from ui.formulas import OPTIMIZER, OPTIMIZER_NAMES
from ui.i18n import N_, _

MAX_STEPS = toys.MAX_STEPS
MAX_START = 100.0  # a start further out only diverges: the maps show at most ±5
TOY_NAMES = {
    "regression": N_("Linear regression (w, b)"),
    "rosenbrock": N_("Rosenbrock valley"),
    "saddle": N_("Saddle"),
    "himmelblau": N_("Several minima (Himmelblau)"),
}
AXES = {"w (weight)": N_("w (weight)"), "b (bias)": N_("b (bias)")}
DEFAULT_OPTIMIZERS = ("sgd", "momentum", "adam")
PER_SURFACE = ("lr", "x0", "y0")  # URL fields whose widgets are kept per surface


@dataclass(frozen=True)
class NameList(url_state.IntList):
    """Comma-separated names from a closed set (`sgd,adam`), held as a tuple. An IntList underneath,
    so that url_state.bind hands the multiselect a list; only ``min_len``/``max_len`` of it apply."""

    choices: tuple = ()

    def read(self, raw):
        asked = [p.strip() for p in raw.split(",") if p.strip()]
        kept = tuple(dict.fromkeys(c for a in asked for c in self.choices if c == a))
        if not self.min_len <= len(kept) <= self.max_len or (asked and not kept):
            return self.default, (
                f"`{self.name}`: not {self.min_len} to {self.max_len} of the choices; using {self.write(self.default)}."
            )
        if len(kept) != len(asked):
            return kept, f"`{self.name}`: names that are not choices or repeat were dropped; using {self.write(kept)}."
        return kept, None

    def write(self, value):
        return ",".join(str(v) for v in value)


def fields(surface: str) -> tuple[url_state.Field, ...]:
    """The toy view's URL fields; start and learning rate reach the widgets of ``surface``."""
    toy = toys.TOYS[surface]
    return (
        url_state.Choice("surface", "regression", key="toy_name", choices=tuple(toys.TOYS)),
        url_state.Float("lr", toy.lr, low=0.0, high=100.0, key=f"toy_lr_{surface}"),
        url_state.Int("steps", 200, low=1, high=MAX_STEPS, key="toy_steps"),
        url_state.Float("x0", float(toy.start[0]), low=-MAX_START, high=MAX_START, key=f"toy_x_{surface}"),
        url_state.Float("y0", float(toy.start[1]), low=-MAX_START, high=MAX_START, key=f"toy_y_{surface}"),
        NameList(
            "optimizers",
            DEFAULT_OPTIMIZERS,
            key="toy_opts",
            choices=toys.OPTIMIZERS,
            min_len=0,
            max_len=len(toys.OPTIMIZERS),
        ),
        url_state.Bool("toy_log", True, key="toy_log"),
    )


def current_surface() -> str:
    """The surface shown (its widget's, else the link's), read before the URL is bound. A surface
    changed by its widget drops the link's start and learning rate, which were the previous one's;
    a click on the map sets the start."""
    url, name = st.query_params.get("surface"), st.session_state.get("toy_name")
    if name not in toys.TOYS:
        return url if url in toys.TOYS else "regression"
    if url != name:
        for k in PER_SURFACE:
            if k in st.query_params:
                del st.query_params[k]
    event = st.session_state.get(f"toy_chart_{name}")
    picked = (event or {}).get("selection", {}).get("start") if hasattr(event, "get") else None
    if picked and st.session_state.get("toy_last_pick") != picked:
        st.session_state["toy_last_pick"] = picked
        st.session_state[f"toy_x_{name}"] = max(-MAX_START, min(MAX_START, float(picked[0]["x"])))
        st.session_state[f"toy_y_{name}"] = max(-MAX_START, min(MAX_START, float(picked[0]["y"])))
    return name


def toy_view():
    """Controls, the race on the map, the steps chart, the table and the update rules."""
    name = st.selectbox(_("Surface"), list(toys.TOYS), format_func=lambda n: _(TOY_NAMES[n]), key="toy_name")
    toy = toys.TOYS[name]
    axes = [_(AXES.get(a, a)) for a in toy.axes]
    st.latex(toy.formula)
    c = st.columns(5)
    x0 = c[0].number_input(_("start {axis}").format(axis=axes[0]), -MAX_START, MAX_START, step=0.1, key=f"toy_x_{name}")
    y0 = c[1].number_input(_("start {axis}").format(axis=axes[1]), -MAX_START, MAX_START, step=0.1, key=f"toy_y_{name}")
    lr = c[2].number_input(_("learning rate α (0 to 100)"), 0.0, 100.0, format="%.4f", key=f"toy_lr_{name}")
    steps = c[3].number_input(_("steps (1 to {n})").format(n=MAX_STEPS), 1, MAX_STEPS, key="toy_steps")
    log = c[4].checkbox(_("log colour scale"), key="toy_log")
    chosen = st.multiselect(
        _("Optimizers"), toys.OPTIMIZERS, format_func=lambda o: _(OPTIMIZER_NAMES[o]), key="toy_opts"
    )
    paths = []
    if not chosen:
        st.warning(_("Pick at least one optimizer."))
    elif lr <= 0:
        st.error(_("The learning rate must be above 0."))
    else:
        try:
            paths = [toys.path(name, o, (x0, y0), float(lr), int(steps)) for o in chosen]
        except CoreError as e:
            st.error(str(e))
    if not paths:
        return
    upto = st.slider(_("Show the race up to step"), 0, int(steps), int(steps), key="toy_upto")
    xs, ys, Z = toys.grid(name, 70)
    m, s = st.columns([3, 2])
    title = _("{surface}: click the map to start there").format(surface=_(TOY_NAMES[name]))
    m.altair_chart(
        lc.toy_map(xs, ys, Z, paths, upto, log, True, axes, title),
        width="stretch",
        on_select="rerun",
        key=f"toy_chart_{name}",
    )
    s.altair_chart(lc.steps_chart(paths, upto), width="stretch")
    for p in paths:
        if p["diverged"] is not None:
            st.warning(
                _(
                    "{optimizer} diverged at step {step}: the learning rate {lr} is too large for it here "
                    "(marked ✕ on the map). Try {smaller}."
                ).format(
                    optimizer=_(OPTIMIZER_NAMES[p["optimizer"]]),
                    step=p["diverged"],
                    lr=f"{lr:g}",
                    smaller=f"{lr / 10:g}",
                )
            )
    rows = [
        {
            _("optimizer"): _(OPTIMIZER_NAMES[p["optimizer"]]),
            _("steps run"): len(p["loss"]) - 1,
            _("final loss"): float(p["loss"][-1]),
            _("final point"): f"({p['points'][-1][0]:.4f}, {p['points'][-1][1]:.4f})",
            _("diverged"): _("yes") if p["diverged"] is not None else _("no"),
        }
        for p in paths
    ]
    st.dataframe(rows, hide_index=True)
    if name == "regression":
        w, b = toys.regression_minimum()
        st.caption(_("The least-squares minimum (closed form): w = {w}, b = {b}.").format(w=f"{w:.4f}", b=f"{b:.4f}"))
    st.markdown(
        _(
            "**Update rules** ($g_t = \\nabla L(\\theta_t)$, β = 0.9 for momentum and Nesterov; PyTorch's "
            "defaults otherwise)"
        )
    )
    for o in chosen:
        st.latex(r"\text{" + _(OPTIMIZER_NAMES[o]) + r":}\quad " + OPTIMIZER[o])
