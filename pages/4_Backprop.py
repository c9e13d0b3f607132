"""Backpropagation, one number at a time: forward, loss, deltas, gradients, update; checked three ways."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core import backprop as bp
from core.errors import CoreError
from ui import backprop as ui_bp

st.set_page_config(page_title="Backpropagation", page_icon="🔢", layout="wide")
st.title("Backpropagation, one number at a time")
st.caption("A network small enough to see every number. Step through one training step, then check the "
           "hand-derived gradients against PyTorch autograd and finite differences.")

# --- controls
st.sidebar.header("Network")
which = st.sidebar.selectbox("Preset", list(ui_bp.PRESETS), format_func=ui_bp.PRESETS.get, key="bp_preset")
seed = int(st.sidebar.number_input("Seed", 0, 9999, 0, key="bp_seed"))
if which == "random":
    n_in = int(st.sidebar.slider("Inputs", 2, 4, 2, key="bp_in"))
    n_hidden = int(st.sidebar.slider("Hidden layers", 1, 2, 1, key="bp_hidden"))
    width = int(st.sidebar.slider("Units per hidden layer", 1, 4, 3, key="bp_width"))
    n_out = int(st.sidebar.slider("Outputs", 1, 3, 1, key="bp_out"))
    sizes = [n_in] + [width] * n_hidden + [n_out]
else:
    sizes = []
sizes, params0, x0, y0, act0, out_act0, loss0 = ui_bp.preset(which, sizes, seed)
acts = list(bp.ACTIVATIONS)
activation = st.sidebar.selectbox("Hidden activation f", acts, index=acts.index(act0 or "sigmoid"), key=f"bp_act_{which}")
out_choice = st.sidebar.selectbox("Output activation", ["linear", "sigmoid", "tanh"],
                                  index=["linear", "sigmoid", "tanh"].index(out_act0 or "linear"), key=f"bp_oact_{which}")
loss = st.sidebar.selectbox("Loss", list(bp.LOSSES), index=list(bp.LOSSES).index(loss0 or "mse"), key=f"bp_loss_{which}",
                            format_func={"mse": "MSE (mean over outputs)", "cross_entropy": "Softmax cross-entropy"}.get)
lr = float(st.sidebar.number_input("Learning rate α", 0.0, 100.0, 0.1, 0.05, key="bp_lr"))
if y0 is None:
    y0 = np.zeros(sizes[-1]) + 0.5 if loss == "mse" else np.array(0)
elif loss == "cross_entropy":
    y0 = np.array(0)
out_act = None if out_choice == "linear" else out_choice

st.subheader("The network (edit any number)")
key = f"bp_{which}_{seed}_{'-'.join(map(str, sizes))}_{loss}"
params, x, y, problems = ui_bp.edit_network(sizes, params0, x0, y0, loss, key)
for p in problems:
    st.error(p)
if problems:
    st.stop()
try:
    r = bp.step(params, x, y, activation, loss, lr, out_act)
except CoreError as e:
    st.error(str(e))
    st.stop()

# --- step-through
stages = ui_bp.stages(len(params))
idx = st.session_state.get("bp_stage", 0)
idx = min(idx, len(stages) - 1)
c1, c2, c3 = st.columns([1, 1, 4])
if c1.button("◀ Previous", key="bp_prev", disabled=idx == 0):
    idx -= 1
if c2.button("Next ▶", key="bp_next", disabled=idx == len(stages) - 1):
    idx += 1
st.session_state["bp_stage"] = idx
kind, layer = stages[idx]
names = {"forward": f"Forward, layer {layer + 1}", "loss": "Loss", "backward": f"Backward, layer {layer + 1}",
         "update": "Update"}
c3.markdown(f"**Stage {idx + 1} of {len(stages)}: {names[kind]}**")

g, f = st.columns([3, 2])
g.graphviz_chart(ui_bp.graph_dot(sizes, params, r, (kind, layer)))
with f:
    fname = activation if layer < len(params) - 1 else (out_act or "linear")
    if kind == "forward":
        W, b = params[layer]
        st.latex(r"z^{(%d)} = W^{(%d)} a^{(%d)} + b^{(%d)} = %s %s + %s = %s" % (
            layer + 1, layer + 1, layer, layer + 1, ui_bp.mat(W), ui_bp.vec(r["activations"][layer]), ui_bp.vec(b),
            ui_bp.vec(r["zs"][layer])))
        st.latex(r"a^{(%d)} = \mathrm{%s}(z^{(%d)}) = %s" % (layer + 1, fname, layer + 1, ui_bp.vec(r["activations"][layer + 1])))
        st.dataframe(pd.DataFrame({"z": r["zs"][layer], "a": r["activations"][layer + 1]},
                                  index=[f"unit {j + 1}" for j in range(len(r["zs"][layer]))]))
    elif kind == "loss":
        out = r["output"]
        if loss == "mse":
            st.latex(r"L = \frac{1}{%d}\sum_k (\hat y_k - y_k)^2 = \frac{1}{%d}\left\|%s - %s\right\|^2 = %s" % (
                out.size, out.size, ui_bp.vec(out), ui_bp.vec(y), ui_bp._fmt(r["loss"])))
        else:
            st.latex(r"L = -\log \frac{e^{z_{%d}}}{\sum_k e^{z_k}},\; z = %s \Rightarrow L = %s" % (
                int(y), ui_bp.vec(out), ui_bp._fmt(r["loss"])))
        st.latex(r"\frac{\partial L}{\partial \hat y} = %s" % ui_bp.vec(r["dL_da"][-1]))
    elif kind == "backward":
        st.latex(r"\delta^{(%d)} = \frac{\partial L}{\partial a^{(%d)}} \odot %s'(z^{(%d)}) = %s \odot %s = %s" % (
            layer + 1, layer + 1, fname, layer + 1, ui_bp.vec(r["dL_da"][layer]),
            ui_bp.vec(bp.derivative(fname, r["zs"][layer])), ui_bp.vec(r["deltas"][layer])))
        st.latex(r"\frac{\partial L}{\partial W^{(%d)}} = \delta^{(%d)} a^{(%d)\top} = %s,\quad "
                 r"\frac{\partial L}{\partial b^{(%d)}} = \delta^{(%d)}" % (
                     layer + 1, layer + 1, layer, ui_bp.mat(r["grads"][layer][0]), layer + 1, layer + 1))
        if layer > 0:
            st.latex(r"\frac{\partial L}{\partial a^{(%d)}} = W^{(%d)\top} \delta^{(%d)} = %s" % (
                layer, layer + 1, layer + 1, ui_bp.vec(r["dL_da"][layer - 1])))
    else:
        for l, ((W, b), (W2, b2), (dW, _)) in enumerate(zip(params, r["params"], r["grads"])):
            st.latex(r"W^{(%d)} \leftarrow %s - %s \cdot %s = %s" % (l + 1, ui_bp.mat(W), ui_bp._fmt(lr), ui_bp.mat(dW), ui_bp.mat(W2)))
        st.markdown(f"Loss before the step **{r['loss']:.6g}**, after: **{bp.loss_of(r['params'], x, y, activation, loss, out_act):.6g}**")

# --- proof
st.subheader("Are these numbers right? Three ways to the same gradients")
L_auto, auto = bp.autograd_grads(params, x, y, activation, loss, out_act)
numeric = bp.numeric_grads(params, x, y, activation, loss, out_act)
rows = []
for l, ((dW, db), (aW, ab), (nW, nb)) in enumerate(zip(r["grads"], auto, numeric)):
    for (name, h, a, n) in (("W", dW, aW, nW), ("b", db, ab, nb)):
        for ix in np.ndindex(h.shape):
            rows.append({"parameter": f"{name}{l + 1}[{','.join(str(i + 1) for i in ix)}]", "by hand": h[ix],
                         "autograd": a[ix], "finite difference": n[ix]})
df = pd.DataFrame(rows)
st.dataframe(df.style.format({"by hand": "{:.8f}", "autograd": "{:.8f}", "finite difference": "{:.8f}"}), hide_index=True)
a1, a2 = st.columns(2)
a1.metric("Largest |hand - autograd|", f"{bp.max_difference(r['grads'], auto):.1e}")
a2.metric("Largest |hand - finite difference|", f"{bp.max_difference(r['grads'], numeric):.1e}")
st.caption("Autograd: PyTorch in float64 with nn.MSELoss / nn.CrossEntropyLoss. Finite difference: "
           "(L(θ+ε) − L(θ−ε)) / 2ε with ε = 1e-6.")

# --- many steps
st.subheader("Many steps")
n_steps = int(st.number_input("Steps (1 to 2000)", 1, 2000, 100, key="bp_steps"))
with np.errstate(all="ignore"):  # a diverging run overflows; it is reported below, not raised
    run = bp.run_steps(params, x, y, activation, loss, lr, n_steps, out_act)
steps = np.arange(1, n_steps + 1)
losses = np.asarray(run["loss"])
if not np.isfinite(losses).all() or losses[-1] > 10 * max(losses[0], 1e-12):
    st.warning(f"The loss grew from {losses[0]:.4g} to {losses[-1]:.4g}: each step overshoots the minimum, so the "
               f"learning rate {lr:g} is too large for this network. Try {lr / 4:g}.")
ldf = pd.DataFrame({"step": steps, "loss": run["loss"]})
pnames = [f"{nm}{l + 1}[{','.join(str(i + 1) for i in ix)}]" for l, (W, b) in enumerate(params)
          for nm, t in (("W", W), ("b", b)) for ix in np.ndindex(t.shape)]
wdf = pd.DataFrame(run["params"], columns=pnames).assign(step=steps).melt("step", var_name="parameter", value_name="value")
s1, s2 = st.columns(2)
s1.altair_chart(alt.Chart(ldf, title="Loss before each step").mark_line().encode(
    x=alt.X("step:Q", title="step"), y=alt.Y("loss:Q", title="loss"), tooltip=["step", "loss"]).interactive(), width="stretch")
s2.altair_chart(alt.Chart(wdf, title="Every parameter after each step").mark_line().encode(
    x=alt.X("step:Q", title="step"), y=alt.Y("value:Q", title="parameter value"), color=alt.Color("parameter:N"),
    tooltip=["step", "parameter", "value"]).interactive(), width="stretch")

st.subheader("Vanishing gradients in a deep stack")
depth = int(st.slider("Hidden layers in the stack", 2, 12, 8, key="bp_depth"))
rows = []
for a in ("sigmoid", "tanh", "relu"):
    for l, n in enumerate(bp.layer_gradient_norms(depth, 4, a, seed)):
        rows.append({"activation": a, "layer": l + 1, "gradient norm": n})
vdf = pd.DataFrame(rows)
st.altair_chart(alt.Chart(vdf, title="‖∂L/∂W‖ per layer (layer 1 is nearest the input), one sample, 4 units per layer")
                .mark_line(point=True).encode(x=alt.X("layer:O", title="layer"),
                                              y=alt.Y("gradient norm:Q", scale=alt.Scale(type="log"), title="gradient norm (log scale)"),
                                              color="activation:N", tooltip=["activation", "layer", "gradient norm"]),
                width="stretch")
st.caption("σ'(z) is at most 0.25, so each sigmoid layer shrinks the error signal by 4x or more on its way back: "
           "the first layers barely learn.")
