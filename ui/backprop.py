"""Backprop page pieces: presets and sidebar, the editable network, the stage step-through, the proof
table, many steps (a diverging run is reported, not raised) and vanishing gradients."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core import backprop as bp
from ui.charts import backprop as charts

PRESETS = {
    "linear": "Articles' linear regression: y = w x + b at x = 2, y = 2",
    "xor": "XOR network (2-2-1 sigmoid, hand-set weights)",
    "random": "Random weights (seeded)",
}
LOSS_NAMES = {"mse": "MSE (mean over outputs)", "cross_entropy": "Softmax cross-entropy"}
OUTPUT_ACTIVATIONS = ["linear", "sigmoid", "tanh"]


@dataclass(frozen=True)
class Setup:
    """What the sidebar chose: the network's starting numbers and the training settings."""

    key: str  # widget key prefix of the network tables: new tables when the network changes
    sizes: list  # units per layer, input first
    params: list  # (W, b) per layer before editing
    x: np.ndarray  # the input before editing
    y: np.ndarray  # the target: one value per output (MSE) or a class index (cross-entropy)
    activation: str  # hidden layers' f
    output_activation: str | None  # None: linear
    loss: str  # a key of core.backprop.LOSSES
    lr: float  # the learning rate alpha
    seed: int


def preset(name: str, sizes: list[int], seed: int):
    """(sizes, params, x, y, activation, output_activation, loss) for a preset."""
    if name == "linear":
        return [1, 1], [(np.array([[0.5]]), np.array([0.0]))], np.array([2.0]), np.array([2.0]), "linear", None, "mse"
    if name == "xor":
        params = [(np.array([[6.0, 6.0], [-6.0, -6.0]]), np.array([-3.0, 9.0])), (np.array([[6.0, 6.0]]), np.array([-9.0]))]
        return [2, 2, 1], params, np.array([1.0, 0.0]), np.array([1.0]), "sigmoid", "sigmoid", "mse"
    rng = np.random.default_rng(seed)
    return sizes, bp.random_params(sizes, seed, 1.5), rng.normal(size=sizes[0]).round(2), None, None, None, None


def sidebar() -> Setup:
    sb = st.sidebar
    sb.header("Network")
    which = sb.selectbox("Preset", list(PRESETS), format_func=PRESETS.get, key="bp_preset")
    seed = int(sb.number_input("Seed", 0, 9999, 0, key="bp_seed"))
    sizes = []
    if which == "random":  # at most 4-4-4-3
        n_in, n_hidden = int(sb.slider("Inputs", 2, 4, 2, key="bp_in")), int(sb.slider("Hidden layers", 1, 2, 1, key="bp_hidden"))
        width, n_out = int(sb.slider("Units per hidden layer", 1, 4, 3, key="bp_width")), int(sb.slider("Outputs", 1, 3, 1, key="bp_out"))
        sizes = [n_in] + [width] * n_hidden + [n_out]
    sizes, params, x, y, act0, out_act0, loss0 = preset(which, sizes, seed)
    acts = list(bp.ACTIVATIONS)
    activation = sb.selectbox("Hidden activation f", acts, index=acts.index(act0 or "sigmoid"), key=f"bp_act_{which}")
    out_choice = sb.selectbox("Output activation", OUTPUT_ACTIVATIONS, index=OUTPUT_ACTIVATIONS.index(out_act0 or "linear"),
                              key=f"bp_oact_{which}")
    loss = sb.selectbox("Loss", list(bp.LOSSES), index=list(bp.LOSSES).index(loss0 or "mse"), key=f"bp_loss_{which}",
                        format_func=LOSS_NAMES.get)
    lr = float(sb.number_input("Learning rate α", 0.0, 100.0, 0.1, 0.05, key="bp_lr"))
    if y is None or loss == "cross_entropy":
        y = np.zeros(sizes[-1]) + 0.5 if loss == "mse" else np.array(0)
    key = f"bp_{which}_{seed}_{'-'.join(map(str, sizes))}_{loss}"
    return Setup(key, sizes, params, x, y, activation, None if out_choice == "linear" else out_choice, loss, lr, seed)


def _editor(label: str, arr: np.ndarray, key: str, row_names, col_names) -> tuple[np.ndarray, str | None]:
    df = pd.DataFrame(np.atleast_2d(arr), index=row_names, columns=col_names)
    st.caption(label)
    out = st.data_editor(df, key=key, num_rows="fixed")
    values = out.apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = bad[0]
        return values, f"{label}: the cell at row {row_names[r]}, column {col_names[c]} is not a finite number. Type a number there."
    return values, None


def edit_network(s: Setup):
    """Editable tables for x and y, then W and b of each layer, two blocks a row so that a 4x4 W fits whole.
    Returns (params, x, y, problems)."""
    sizes, key, problems, new = s.sizes, s.key, [], []
    slots = [c for _ in range((len(s.params) + 2) // 2) for c in st.columns(2)]
    with slots[0]:
        xv, p = _editor("input x", s.x[None], f"{key}_x", ["x"], [f"x{i + 1}" for i in range(sizes[0])])
        problems.append(p)
        if s.loss == "mse":
            yv, p = _editor("target y", np.asarray(s.y, float)[None], f"{key}_y", ["y"], [f"y{i + 1}" for i in range(sizes[-1])])
            problems.append(p)
            yv = yv[0]
        else:
            yv = np.array(st.number_input(f"target class (0 to {sizes[-1] - 1})", value=int(np.ravel(s.y)[0]), step=1,
                                          key=f"{key}_cls"))
    for l, (W, b) in enumerate(s.params):
        with slots[l + 1]:
            rows = [f"unit {j + 1}" for j in range(W.shape[0])]
            Wv, p1 = _editor(f"W{l + 1} (layer {l + 1} weights)", W, f"{key}_W{l}", rows, [f"in {i + 1}" for i in range(W.shape[1])])
            bv, p2 = _editor(f"b{l + 1} (layer {l + 1} biases)", b[:, None], f"{key}_b{l}", rows, ["b"])
            problems += [p1, p2]
            new.append((Wv, bv[:, 0]))
    return new, xv[0], yv, [p for p in problems if p]


def stages(n_layers: int) -> list[tuple[str, int]]:
    """(kind, layer) in order: forward 1..L, loss, backward L..1, update."""
    return ([("forward", l) for l in range(n_layers)] + [("loss", n_layers - 1)] +
            [("backward", l) for l in reversed(range(n_layers))] + [("update", -1)])


def stage_name(stage) -> str:
    kind, layer = stage
    return {"forward": f"Forward, layer {layer + 1}", "loss": "Loss", "backward": f"Backward, layer {layer + 1}",
            "update": "Update (weights and biases)"}[kind]


def step_through(s: Setup, params, x, y, r: bp.Step) -> None:
    """Previous / Next over the stages; the graph, then every formula of the stage with its numbers."""
    order = stages(len(params))
    idx = min(st.session_state.get("bp_stage", 0), len(order) - 1)
    c1, c2, c3 = st.columns([1, 1, 4])
    if c1.button("◀ Previous", key="bp_prev", disabled=idx == 0):
        idx -= 1
    if c2.button("Next ▶", key="bp_next", disabled=idx == len(order) - 1):
        idx += 1
    st.session_state["bp_stage"] = idx
    c3.markdown(f"**Stage {idx + 1} of {len(order)}: {stage_name(order[idx])}**")
    st.graphviz_chart(charts.graph_dot([len(x)] + [W.shape[0] for W, _ in params], params, r, order[idx]))
    st.caption("Each unit shows z = W a + b and a = f(z), and δ = ∂L/∂z once the backward pass reaches it. The edges of "
               "the layer in focus show the weight w and, once computed, its gradient g = ∂L/∂w (up to "
               f"{charts.MAX_EDGE_LABELS} labels; hover any edge for its numbers). Edge thickness: |w|.")
    for block in charts.stage_formulas(params, r, order[idx], s.activation, s.output_activation, s.loss, y):
        st.latex(block)
    if order[idx][0] == "update":
        with np.errstate(all="ignore"):
            after = bp.loss_of(r.params, x, y, s.activation, s.loss, s.output_activation)
        st.markdown(f"Loss before the step **{r.loss:.6g}**, after: **{after:.6g}**")


def param_names(params) -> list[str]:
    """W1[1,1], ..., b1[1], W2[...]: the order of core.backprop.Run.params's columns."""
    return [f"{nm}{l + 1}[{','.join(str(i + 1) for i in ix)}]" for l, (W, b) in enumerate(params)
            for nm, t in (("W", W), ("b", b)) for ix in np.ndindex(t.shape)]


def proof(s: Setup, params, x, y, r: bp.Step) -> None:
    """The hand gradients beside PyTorch autograd and central finite differences."""
    _, auto = bp.autograd_grads(params, x, y, s.activation, s.loss, s.output_activation)
    numeric = bp.numeric_grads(params, x, y, s.activation, s.loss, s.output_activation)
    flat = [np.concatenate([np.concatenate([dW.ravel(), db.ravel()]) for dW, db in g]) for g in (r.grads, auto, numeric)]
    df = pd.DataFrame({"parameter": param_names(params), "by hand": flat[0], "autograd": flat[1], "finite difference": flat[2]})
    st.dataframe(df.style.format({c: "{:.8f}" for c in df.columns[1:]}), hide_index=True)
    a1, a2 = st.columns(2)
    a1.metric("Largest |hand - autograd|", f"{bp.max_difference(r.grads, auto):.1e}")
    a2.metric("Largest |hand - finite difference|", f"{bp.max_difference(r.grads, numeric):.1e}")
    st.caption("Autograd: PyTorch in float64 with nn.MSELoss / nn.CrossEntropyLoss. Finite difference: "
               "(L(θ+ε) − L(θ−ε)) / 2ε with ε = 1e-6.")


def divergence_message(run: bp.Run, lr: float) -> str | None:
    """What went wrong and what to do, for a run that diverged or whose loss grew tenfold; else None."""
    if run.diverged:
        kept = f"The charts show the {run.done} steps before it." if run.done else "No step finished."
        return (f"Training diverged at step {run.diverged_at} of {run.requested}: the loss, a gradient or a weight became "
                f"infinite or NaN, so the run stopped there. {kept} The learning rate α = {lr:g} is too large for this "
                f"network: each step overshoots the minimum further than the last. Try a smaller one, α = {lr / 10:g}.")
    if run.done > 1 and run.loss[-1] > 10 * max(run.loss[0], 1e-12):
        return (f"The loss grew from {run.loss[0]:.4g} to {run.loss[-1]:.4g}: each step overshoots the minimum, so the "
                f"learning rate α = {lr:g} is too large for this network. Try α = {lr / 4:g}.")
    return None


def many_steps(s: Setup, params, x, y) -> None:
    n_steps = int(st.number_input("Steps (1 to 2000)", 1, 2000, 100, key="bp_steps"))
    run = bp.run_steps(params, x, y, s.activation, s.loss, s.lr, n_steps, s.output_activation)
    message = divergence_message(run, s.lr)
    if message:
        (st.error if run.diverged else st.warning)(message)
    if run.done:
        c1, c2 = st.columns(2)
        c1.altair_chart(charts.loss_chart(run.loss, run.diverged_at), width="stretch")
        c2.altair_chart(charts.params_chart(run.params, param_names(params)), width="stretch")


def vanishing(seed: int) -> None:
    depth = int(st.slider("Hidden layers in the stack", 2, 12, 8, key="bp_depth"))
    norms = {a: bp.layer_gradient_norms(depth, 4, a, seed) for a in ("sigmoid", "tanh", "relu")}
    st.altair_chart(charts.vanishing_chart(norms), width="stretch")
    st.caption("σ'(z) is at most 0.25, so each sigmoid layer shrinks the error signal by 4x or more on its way back: "
               "the first layers barely learn.")
