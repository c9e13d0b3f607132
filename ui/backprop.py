"""Backprop page pieces: the link's settings (one schema), the editable network, the stage step-through,
the proof table, many steps (a diverging run is reported, not raised) and vanishing gradients."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core import backprop as bp
from ui import work_queue
from ui.backprop_state import INITS, LIMIT, OUTPUT_ACTIVATIONS
from ui.charts import backprop as charts
from ui.i18n import N_, _

LOSS_NAMES = {"mse": N_("MSE (mean over outputs)"), "cross_entropy": N_("Softmax cross-entropy")}
ACT_NAMES = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "linear": N_("linear (none)")}
XOR = [(np.array([[6.0, 6.0], [-6.0, -6.0]]), np.array([-3.0, 9.0])), (np.array([[6.0, 6.0]]), np.array([-9.0]))]


@dataclass(frozen=True)
class Setup:
    """What the settings chose: the network's starting numbers and the training settings."""

    key: str  # widget key prefix of the network tables: new tables when the network changes
    sizes: list  # units per layer, input first
    params: list  # (W, b) per layer before editing
    x: np.ndarray  # the input
    y: np.ndarray  # the target: one value per output (MSE) or a class index (cross-entropy)
    activation: str  # hidden layers' f
    output_activation: str | None  # None: linear
    loss: str  # a key of core.backprop.LOSSES
    lr: float  # the learning rate alpha
    seed: int


def sidebar(state) -> Setup:
    sb = st.sidebar
    sb.header(_("Network"))
    sb.text_input(
        _("Layer sizes"),
        key="bp_sizes",
        help=_(
            "Units per layer joined by -, inputs first: 1 to 4 inputs, "
            "up to two hidden layers of 1 to 4 units, 1 to 3 outputs."
        ),
    )
    sizes = [int(v) for v in state["sizes"].split("-")]
    xor = sizes == [2, 2, 1]
    sb.selectbox(_("Starting weights"), list(INITS), format_func=lambda v: _(INITS[v]), key="bp_init", disabled=not xor)
    sb.number_input(_("Seed"), 0, 9999, key="bp_seed")
    sb.selectbox(
        _("Hidden activation f"),
        bp.ACTIVATIONS,
        format_func=lambda v: _(ACT_NAMES[v]),
        key="bp_act",
        disabled=len(sizes) == 2,
    )
    sb.selectbox(_("Output activation"), OUTPUT_ACTIVATIONS, format_func=lambda v: _(ACT_NAMES[v]), key="bp_out")
    sb.selectbox(_("Loss"), bp.LOSSES, format_func=lambda v: _(LOSS_NAMES[v]), key="bp_loss")
    sb.number_input(_("Learning rate α"), 0.0, 100.0, step=0.05, key="bp_lr")
    if sizes == [1, 1]:
        params = [(np.array([[state["w"]]]), np.array([state["b"]]))]
    elif xor and state["init"] == "xor":
        params = XOR
    else:
        params = bp.random_params(sizes, state["seed"], 1.5)
    x, y = np.array([float(v) for v in state["x"].split(",")]), np.array([float(v) for v in state["y"].split(",")])
    y = np.array(int(y[0])) if state["loss"] == "cross_entropy" else y
    init = "xor" if xor and state["init"] == "xor" else state["seed"]
    key = f"bp_{state['sizes']}_{init}_{state['loss']}"
    return Setup(
        key,
        sizes,
        params,
        x,
        y,
        state["activation"],
        None if state["output"] == "linear" else state["output"],
        state["loss"],
        state["lr"],
        state["seed"],
    )


def _editor(label: str, arr: np.ndarray, key: str, row_names, col_names) -> tuple[np.ndarray, str | None]:
    df = pd.DataFrame(np.atleast_2d(arr), index=row_names, columns=col_names)
    st.caption(label)
    out = st.data_editor(df, key=key, num_rows="fixed")
    values = out.apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = bad[0]
        return values, _(
            "{table}: the cell at row {row}, column {col} is not a finite number. Type a number there."
        ).format(table=label, row=row_names[r], col=col_names[c])
    return values, None


def edit_network(s: Setup):
    """x and y (in the link), then W and b of each layer, two blocks a row so that a 4x4 W fits whole: the
    1-1 network's w and b are in the link too; bigger networks' tables start from the seed.
    Returns (params, x, y, problems)."""
    sizes, key, problems, new = s.sizes, s.key, [], []
    slots = [c for _i in range((len(s.params) + 2) // 2) for c in st.columns(2)]
    with slots[0]:
        st.text_input(_("input x ({n} numbers, separated by commas)").format(n=sizes[0]), key="bp_x")
        if s.loss == "mse":
            st.text_input(_("target y ({n} numbers, separated by commas)").format(n=sizes[-1]), key="bp_y")
        else:
            st.text_input(_("target class (0 to {k})").format(k=sizes[-1] - 1), key="bp_y")
    if sizes == [1, 1]:
        with slots[1]:
            st.number_input(_("weight w"), -LIMIT, LIMIT, step=0.1, key="bp_w")
            st.number_input(_("bias b"), -LIMIT, LIMIT, step=0.1, key="bp_b")
        return s.params, s.x, s.y, []
    for l, (W, b) in enumerate(s.params):
        with slots[l + 1]:
            rows = [_("unit {j}").format(j=j + 1) for j in range(W.shape[0])]
            Wv, p1 = _editor(
                _("W{l} (layer {l} weights)").format(l=l + 1),
                W,
                f"{key}_W{l}",
                rows,
                [_("in {i}").format(i=i + 1) for i in range(W.shape[1])],
            )
            bv, p2 = _editor(_("b{l} (layer {l} biases)").format(l=l + 1), b[:, None], f"{key}_b{l}", rows, ["b"])
            problems += [p1, p2]
            new.append((Wv, bv[:, 0]))
    st.caption(_("Edits to these tables stay on this page; the link keeps the layer sizes and the seed."))
    return new, s.x, s.y, [p for p in problems if p]


def stages(n_layers: int) -> list[tuple[str, int]]:
    """(kind, layer) in order: forward 1..L, loss, backward L..1, update."""
    return (
        [("forward", l) for l in range(n_layers)]
        + [("loss", n_layers - 1)]
        + [("backward", l) for l in reversed(range(n_layers))]
        + [("update", -1)]
    )


def stage_name(stage) -> str:
    kind, layer = stage
    return {
        "forward": _("Forward, layer {l}"),
        "loss": _("Loss"),
        "backward": _("Backward, layer {l}"),
        "update": _("Update (weights and biases)"),
    }[kind].format(l=layer + 1)


def _move(by: int) -> None:
    st.session_state["bp_stage"] += by


def step_through(s: Setup, params, x, y, r: bp.Step) -> None:
    """Previous / Next over the stages (the stage is in the link); the graph, then every formula of the stage."""
    order = stages(len(params))
    st.session_state["bp_stage"] = min(st.session_state["bp_stage"], len(order))  # a smaller network: its last stage
    idx = st.session_state["bp_stage"] - 1
    c1, c2, c3 = st.columns([1, 1, 4])
    c1.button(_("◀ Previous"), key="bp_prev", disabled=idx == 0, on_click=_move, args=(-1,))
    c2.button(_("Next ▶"), key="bp_next", disabled=idx == len(order) - 1, on_click=_move, args=(1,))
    c3.markdown(
        "**" + _("Stage {i} of {n}: {name}").format(i=idx + 1, n=len(order), name=stage_name(order[idx])) + "**"
    )
    st.graphviz_chart(charts.graph_dot([len(x)] + [W.shape[0] for W, _b in params], params, r, order[idx]))
    st.caption(
        _(
            "Each unit shows z = W a + b and a = f(z), and δ = ∂L/∂z once the backward pass reaches it. The edges of "
            "the layer in focus show the weight w and, once computed, its gradient g = ∂L/∂w (up to {n} labels; "
            "hover any edge for its numbers). Edge thickness: |w|."
        ).format(n=charts.MAX_EDGE_LABELS)
    )
    for block in charts.stage_formulas(params, r, order[idx], s.activation, s.output_activation, s.loss, y):
        st.latex(block)
    if order[idx][0] == "update":
        with np.errstate(all="ignore"):
            after = bp.loss_of(r.params, x, y, s.activation, s.loss, s.output_activation)
        st.markdown(
            _("Loss before the step **{before}**, after: **{after}**").format(
                before=f"{r.loss:.6g}", after=f"{after:.6g}"
            )
        )


def param_names(params) -> list[str]:
    """W1[1,1], ..., b1[1], W2[...]: the order of core.backprop.Run.params's columns."""
    return [
        f"{nm}{l + 1}[{','.join(str(i + 1) for i in ix)}]"
        for l, (W, b) in enumerate(params)
        for nm, t in (("W", W), ("b", b))
        for ix in np.ndindex(t.shape)
    ]


def proof(s: Setup, params, x, y, r: bp.Step) -> None:
    """The hand gradients beside PyTorch autograd and central finite differences."""
    auto = bp.autograd_grads(params, x, y, s.activation, s.loss, s.output_activation)[1]
    numeric = bp.numeric_grads(params, x, y, s.activation, s.loss, s.output_activation)
    flat = [
        np.concatenate([np.concatenate([dW.ravel(), db.ravel()]) for dW, db in g]) for g in (r.grads, auto, numeric)
    ]
    cols = [_("parameter"), _("by hand"), _("autograd"), _("finite difference")]
    df = pd.DataFrame(dict(zip(cols, [param_names(params), *flat])))
    st.dataframe(df.style.format({c: "{:.8f}" for c in cols[1:]}), hide_index=True, key="bp_proof")
    a1, a2 = st.columns(2)
    a1.metric(_("Largest |hand - autograd|"), f"{bp.max_difference(r.grads, auto):.1e}")
    a2.metric(_("Largest |hand - finite difference|"), f"{bp.max_difference(r.grads, numeric):.1e}")
    st.caption(
        _(
            "Autograd: PyTorch in float64 with nn.MSELoss / nn.CrossEntropyLoss. Finite difference: "
            "(L(θ+ε) − L(θ−ε)) / 2ε with ε = 1e-6."
        )
    )


def divergence_message(run: bp.Run, lr: float) -> str | None:
    """What went wrong and what to do, for a run that diverged or whose loss grew tenfold; else None."""
    if run.diverged:
        kept = _("The charts show the {n} steps before it.").format(n=run.done) if run.done else _("No step finished.")
        return _(
            "Training diverged at step {k} of {n}: the loss, a gradient or a weight became infinite or NaN, so the "
            "run stopped there. {kept} The learning rate α = {lr} is too large for this network: each step "
            "overshoots the minimum further than the last. Try a smaller one, α = {smaller}."
        ).format(k=run.diverged_at, n=run.requested, kept=kept, lr=f"{lr:g}", smaller=f"{lr / 10:g}")
    if run.done > 1 and run.loss[-1] > 10 * max(run.loss[0], 1e-12):
        return _(
            "The loss grew from {first} to {last}: each step overshoots the minimum, so the learning rate α = {lr} "
            "is too large for this network. Try α = {smaller}."
        ).format(first=f"{run.loss[0]:.4g}", last=f"{run.loss[-1]:.4g}", lr=f"{lr:g}", smaller=f"{lr / 4:g}")
    return None


def many_steps(s: Setup, params, x, y) -> None:
    """Behind a button, in a slot of the shared queue; a result is shown only for the settings it was run with."""
    n_steps = int(st.number_input(_("Steps (1 to 2000)"), 1, 2000, key="bp_steps"))
    asked = (
        s.activation,
        s.output_activation,
        s.loss,
        s.lr,
        n_steps,
        x.tobytes(),
        np.asarray(y).tobytes(),
        tuple((W.tobytes(), b.tobytes()) for W, b in params),
    )
    if st.button(_("Run {n} steps").format(n=n_steps), key="bp_run", type="primary"):
        with work_queue.heavy_slot(_("training")):
            run = bp.run_steps(params, x, y, s.activation, s.loss, s.lr, n_steps, s.output_activation)
        st.session_state["bp_last_run"] = (asked, run)
    last = st.session_state.get("bp_last_run")
    if last is None or last[0] != asked:
        st.info(
            _("The settings changed since the last run: press **Run {n} steps** to run them.").format(n=n_steps)
            if last
            else _("Press **Run {n} steps** to take {n} steps of gradient descent from these numbers.").format(
                n=n_steps
            )
        )
        return
    run = last[1]
    message = divergence_message(run, s.lr)
    if message:
        (st.error if run.diverged else st.warning)(message)
    if run.done:
        c1, c2 = st.columns(2)
        c1.altair_chart(charts.loss_chart(run.loss, run.diverged_at), width="stretch")
        c2.altair_chart(charts.params_chart(run.params, param_names(params)), width="stretch")


DEEP = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU"}


def vanishing(seed: int) -> None:
    c1, c2 = st.columns(2)
    depth = int(c1.slider(_("Hidden layers in the stack"), 2, 12, key="bp_depth"))
    act = c2.selectbox(_("Activation of the deep stack"), list(DEEP), format_func=DEEP.get, key="bp_deep_act")
    norms = {DEEP[act]: bp.layer_gradient_norms(depth, 4, act, seed)}
    st.altair_chart(charts.vanishing_chart(norms), width="stretch")
    first, last = norms[DEEP[act]][0], norms[DEEP[act]][-1]
    st.caption(
        _(
            "With {act}, the first layer's gradient is {ratio} times the last one's. σ'(z) is at most 0.25, so each "
            "sigmoid layer shrinks the error signal by 4x or more on its way back: the first layers barely learn."
        ).format(act=DEEP[act], ratio=f"{first / last:.2g}" if last else "∞")
    )
