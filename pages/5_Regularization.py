"""Regularization side by side: the same data, the same initial weights, one remedy each."""

import json

import pandas as pd
import streamlit as st

from core import boundary, data, regularization as reg
from core.errors import CoreError
from ui import charts

st.set_page_config(page_title="Regularization", page_icon="🛡️", layout="wide")
st.title("Regularization: why models overfit, and what each remedy does")
st.caption("A network big enough to memorise a small noisy dataset, trained again with one remedy at a time, from the "
           "same seed and the same initial weights. Boundaries are drawn by running each variant's exported ONNX model "
           "through onnxruntime.")

st.sidebar.header("The overfitting setting")
name = st.sidebar.selectbox("Dataset", ["moons", "circles", "spirals", "digits"], key="rg_ds")
opts = {}
if name != "digits":
    opts["n_samples"] = int(st.sidebar.slider("Samples (train + validation)", 40, 1000, 80, 20, key="rg_n"))
    opts["noise"] = float(st.sidebar.slider("Noise", 0.0, 1.0, 0.35, 0.05, key="rg_noise"))
seed = int(st.sidebar.number_input("Seed", 0, 9999, 0, key="rg_seed"))
widths = (128, 128)
epochs = int(st.sidebar.number_input("Epochs (10 to 1000)", 10, 1000, 300 if name != "digits" else 60, key="rg_epochs"))
st.sidebar.caption(f"Network: MLP with hidden layers {widths}, ReLU, Adam, learning rate 0.01, batch 32. Variants "
                   "without batch norm train together in one batched loop (stacked weights), on the GPU when there is one.")
try:
    ds = data.load(name, seed=seed, **opts)
except CoreError as e:
    st.error(str(e))
    st.stop()

st.sidebar.header("Variants")
variants = {"none": {}}
labels = {"l1": "L1", "l2": "L2 / weight decay", "dropout": "Dropout", "early_stopping": "Early stopping",
          "batch_norm": "Batch norm", "augmentation": "Data augmentation (input jitter)"}
strengths = {}
for r, (what, (lo, hi), default) in reg.REMEDIES.items():
    if st.sidebar.checkbox(labels[r], r != "batch_norm", key=f"rg_on_{r}"):
        if r == "batch_norm":
            strengths[r] = 1
        elif r == "early_stopping":
            strengths[r] = int(st.sidebar.number_input(f"{what}", int(lo), int(hi), int(default), key=f"rg_s_{r}"))
        else:
            strengths[r] = float(st.sidebar.number_input(f"{what} ({lo:g} to {hi:g})", 0.0, 10.0, float(default),
                                                         format="%.5f" if hi < 1 else "%.3f", key=f"rg_s_{r}"))
        variants[labels[r]] = {r: strengths[r]}
combo = st.sidebar.multiselect("Also train a combination of", list(strengths), format_func=labels.get, key="rg_combo")
if len(combo) >= 2:
    variants[" + ".join(labels[c] for c in combo)] = {c: strengths[c] for c in combo}
elif len(combo) == 1:
    st.sidebar.warning("Pick two or more remedies for a combination.")

with st.expander("The remedies, in formulas"):
    st.latex(r"\text{L1: } L + \lambda_1 \sum_i |w_i| \qquad \text{L2: } L + \lambda_2 \sum_i w_i^2")
    st.latex(r"\text{Dropout (training): } \tilde h = \frac{m \odot h}{1-p},\; m_j \sim \mathrm{Bernoulli}(1-p)"
             r"\qquad \text{(evaluation: } \tilde h = h)")
    st.latex(r"\text{Batch norm: } \hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\; y = \gamma \hat x + \beta")
    st.latex(r"\text{Augmentation: } x' = x + \varepsilon,\ \varepsilon \sim \mathcal N(0, \sigma^2 I)\ \text{each step}"
             r"\qquad \text{Early stopping: keep the weights of the best validation loss}")
    st.caption("L1's gradient λ₁·sign(w) pushes every weight toward zero by the same amount, so small weights land on "
               "zero; L2's 2λ₂w shrinks each weight in proportion, so weights get small but rarely exactly zero.")

config = {"widths": widths, "epochs": epochs, "lr": 0.01, "batch_size": 32, "seed": seed}
key = json.dumps([name, opts, seed, variants, config], sort_keys=True, default=str)
if st.button("Train the variants", type="primary", key="rg_train"):
    bar = st.progress(0.0, text="Training...")

    def progress(i, n, vname, e):
        if e["epoch"] % 10 == 0 or e["epoch"] == e["epochs"]:
            bar.progress((i + e["epoch"] / e["epochs"]) / n, text=f"{vname}: epoch {e['epoch']} of {e['epochs']}")
    try:
        result = reg.run_variants(ds, variants, on_progress=progress, **config)
        st.session_state["rg_result"] = {"key": key, "variants": result}
    except CoreError as e:
        st.error(str(e))
    bar.empty()

stored = st.session_state.get("rg_result")
if not stored:
    st.info(f"Press **Train the variants** to train {len(variants)} variants on {name}.")
elif stored["key"] != key:
    st.warning("The settings changed since the last run: press **Train the variants** again.")
else:
    result = stored["variants"]
    st.subheader("Summary, best validation accuracy first")
    table = pd.DataFrame(reg.rank(result)).rename(columns={
        "val_accuracy": "validation accuracy", "train_accuracy": "train accuracy", "accuracy_gap": "accuracy gap",
        "loss_gap": "loss gap", "weight_norm": "weight norm ‖w‖₂", "near_zero": f"weights near 0 (|w|<{reg.NEAR_ZERO:g})",
        "epochs_run": "epochs run"})
    st.dataframe(table.style.format(precision=4), hide_index=True)
    st.caption("Accuracy gap = train − validation accuracy; loss gap = validation − train loss (the shaded band below). "
               "Metrics are those of the weights each variant ends with (for early stopping, its best epoch).")
    cols = st.columns(3)
    for i, (vname, v) in enumerate(result.items()):
        with cols[i % 3].container(border=True):
            st.markdown(f"**{vname}**")
            if ds.is_2d:
                bd = boundary.decision_boundary(boundary.onnx_logits(v.onnx), ds.X_train, 40)
                st.altair_chart(charts.decision_boundary(bd, ds.X_train, ds.y_train, ds.class_names,
                                                         "Boundary (onnxruntime)"), width="stretch")
            st.altair_chart(charts.gap_curves(v.history, "Loss, gap shaded"), width="stretch")
            st.altair_chart(charts.weight_histogram(v.weights, "Weight histogram"), width="stretch", height=220)
            m = v.metrics
            st.markdown(f"gap **{m['loss_gap']:.3f}** (loss), **{m['accuracy_gap']:.1%}** (accuracy) · "
                        f"‖w‖₂ {m['weight_norm']:.2f} · near zero {m['near_zero']:.1%}" +
                        (f" · stopped at epoch {m['epochs_run']}, kept epoch {m['best_epoch']}" if m["stopped_early"] else ""))

st.subheader("Sweep one remedy's strength")
s1, s2, s3, s4 = st.columns(4)
remedy = s1.selectbox("Remedy", ["l2", "l1", "dropout", "augmentation", "early_stopping"], format_func=labels.get, key="rg_sw")
what, (lo, hi), _ = reg.REMEDIES[remedy]
defaults = {"l2": (1e-5, 1e-1), "l1": (1e-5, 1e-2), "dropout": (0.05, 0.8), "augmentation": (0.02, 1.0), "early_stopping": (2, 100)}
low = s2.number_input(f"from (≥ {lo:g})", value=float(defaults[remedy][0]), format="%.5f", key=f"rg_lo_{remedy}")
high = s3.number_input(f"to (≤ {hi:g})", value=float(defaults[remedy][1]), format="%.5f", key=f"rg_hi_{remedy}")
points = int(s4.number_input(f"points (2 to {reg.MAX_SWEEP_POINTS})", 1, 100, 6, key="rg_pts"))
log = remedy in ("l1", "l2", "early_stopping", "augmentation")
if st.button("Run the sweep", key="rg_sweep"):
    try:
        if not (lo <= low and high <= hi):
            raise CoreError(f"{what} must stay from {lo:g} to {hi:g}.")
        values = reg.sweep_values(low, high, points, log)
        bar = st.progress(0.0, text="Sweeping...")
        rows = reg.sweep(ds, remedy, values, on_progress=lambda i, n, e: bar.progress(
            (i + e["epoch"] / e["epochs"]) / n, text=f"point {i + 1} of {n}"), **config)
        bar.empty()
        st.session_state["rg_sweep_result"] = {"remedy": remedy, "rows": rows, "log": log}
    except CoreError as e:
        st.error(str(e))
sw = st.session_state.get("rg_sweep_result")
if sw and sw["remedy"] == remedy:
    st.altair_chart(charts.sweep_chart(sw["rows"], reg.REMEDIES[remedy][0] + (" (log scale)" if sw["log"] else ""), sw["log"]),
                    width="stretch")
    best = max(sw["rows"], key=lambda r: r["val_accuracy"])
    st.caption(f"Best validation accuracy {best['val_accuracy']:.1%} at {best['strength']:g}. Too little: the gap stays "
               "wide (overfitting); too much: train and validation accuracy fall together (underfitting).")
