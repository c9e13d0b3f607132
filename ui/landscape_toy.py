"""The Loss surface page's toy view: optimizers racing on two-parameter surfaces known exactly."""

from __future__ import annotations

import streamlit as st

from core import toy_surfaces as toys
from core.errors import CoreError
from ui.charts import landscape as lc
from ui.formulas import OPTIMIZER, OPTIMIZER_NAMES

MAX_STEPS = toys.MAX_STEPS


def toy_view():
    """Controls, the race on the map, the steps chart, the table and the update rules."""
    name = st.selectbox("Surface", list(toys.TOYS), format_func=lambda n: toys.TOYS[n].name, key="toy_name")
    toy = toys.TOYS[name]
    # a click on the map picks the start point: read it before the start widgets are drawn
    event = st.session_state.get(f"toy_chart_{name}")
    picked = (event or {}).get("selection", {}).get("start") if isinstance(event, dict) or hasattr(event, "get") else None
    if picked and st.session_state.get("toy_last_pick") != picked:
        st.session_state["toy_last_pick"] = picked
        st.session_state[f"toy_x_{name}"] = float(picked[0]["x"])
        st.session_state[f"toy_y_{name}"] = float(picked[0]["y"])
    st.latex(toy.formula)
    c = st.columns(5)
    x0 = c[0].number_input(f"start {toy.axes[0]}", value=float(toy.start[0]), step=0.1, key=f"toy_x_{name}")
    y0 = c[1].number_input(f"start {toy.axes[1]}", value=float(toy.start[1]), step=0.1, key=f"toy_y_{name}")
    lr = c[2].number_input("learning rate α (0 to 100)", 0.0, 100.0, toy.lr, format="%.4f", key=f"toy_lr_{name}")
    steps = c[3].number_input(f"steps (1 to {MAX_STEPS})", 1, MAX_STEPS, 200, key="toy_steps")
    log = c[4].checkbox("log colour scale", True, key="toy_log")
    chosen = st.multiselect("Optimizers", toys.OPTIMIZERS, default=["sgd", "momentum", "adam"], format_func=OPTIMIZER_NAMES.get,
                            key="toy_opts")
    if not chosen:
        st.warning("Pick at least one optimizer.")
    elif lr <= 0:
        st.error("The learning rate must be above 0.")
    else:
        try:
            paths = [toys.path(name, o, (x0, y0), float(lr), int(steps)) for o in chosen]
        except CoreError as e:
            st.error(str(e))
            paths = []
    if chosen and lr > 0 and paths:
        upto = st.slider("Show the race up to step", 0, int(steps), int(steps), key="toy_upto")
        xs, ys, Z = toys.grid(name, 70)
        m, s = st.columns([3, 2])
        m.altair_chart(lc.toy_map(xs, ys, Z, paths, upto, log, True, toy.axes, f"{toy.name}: click the map to start there"),
                       width="stretch", on_select="rerun", key=f"toy_chart_{name}")
        s.altair_chart(lc.steps_chart(paths, upto), width="stretch")
        for p in paths:
            if p["diverged"] is not None:
                st.warning(f"{OPTIMIZER_NAMES[p['optimizer']]} diverged at step {p['diverged']}: the learning rate "
                           f"{lr:g} is too large for it here (marked ✕ on the map). Try {lr / 10:g}.")
        rows = [{"optimizer": OPTIMIZER_NAMES[p["optimizer"]], "steps run": len(p["loss"]) - 1,
                 "final loss": float(p["loss"][-1]), "final point": f"({p['points'][-1][0]:.4f}, {p['points'][-1][1]:.4f})",
                 "diverged": "yes" if p["diverged"] is not None else "no"} for p in paths]
        st.dataframe(rows, hide_index=True)
        if name == "regression":
            w, b = toys.regression_minimum()
            st.caption(f"The least-squares minimum (closed form): w = {w:.4f}, b = {b:.4f}.")
        st.markdown("**Update rules** ($g_t = \\nabla L(\\theta_t)$, β = 0.9 for momentum and Nesterov; PyTorch's defaults otherwise)")
        for o in chosen:
            st.latex(r"\text{" + OPTIMIZER_NAMES[o] + r":}\quad " + OPTIMIZER[o])
