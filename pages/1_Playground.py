"""Training playground: data, network, loss, optimizer, regularization; live curves; metrics; export."""

import numpy as np
import onnxruntime as ort
import streamlit as st

from core import boundary, bundle, export, metrics
from core.errors import CoreError, DivergenceError
from core.train import predict
from ui import charts, playground as pg
from ui.formulas import LOSS, LOSS_NOTE, OPTIMIZER, OPTIMIZER_NAMES, PENALTY

st.set_page_config(page_title="Training playground", page_icon="🎛️", layout="wide")
st.title("Training playground")
st.caption("Pick data and a network in the sidebar, press Train, and watch it learn. Everything is trained here "
           "with PyTorch (on the GPU when there is one) and can be exported to ONNX.")

ds, data_desc, problem = pg.dataset_controls()
if problem:
    st.info(problem) if ds is None and "Upload" in problem else st.error(problem)
    st.stop()
try:
    model_opts = pg.network_controls(ds)
except CoreError as e:
    st.error(str(e))
    st.stop()
train_opts = pg.training_controls(ds)

left, right = st.columns([1, 1])
with left:
    st.markdown(f"**{ds.name}**: {len(ds.X_train)} training and {len(ds.X_val)} validation samples, "
                f"{ds.n_features} features, " + (f"{ds.n_classes} classes." if ds.task != "regression" else "regression target."))
with right:
    st.markdown(f"**Loss** ({'softmax cross-entropy' if train_opts['loss'] == 'cross_entropy' else 'mean squared error'})")
    st.latex(LOSS[train_opts["loss"]])
    st.caption(LOSS_NOTE[train_opts["loss"]] if ds.task != "regression" else "squared error of the prediction")
    st.markdown(f"**Optimizer** ({OPTIMIZER_NAMES[train_opts['optimizer']]}), $g_t = \\nabla_\\theta L$, "
                f"$\\alpha = {train_opts['lr']:g}$")
    st.latex(OPTIMIZER[train_opts["optimizer"]])
    for k in ("l1", "l2"):
        if train_opts[k]:
            st.latex(PENALTY[k])

key = pg.settings_key(data_desc, model_opts, train_opts)
stored = st.session_state.get("pg_result")
if st.button("Train", type="primary", key="pg_train"):
    try:
        with left:
            result = pg.run_training(ds, model_opts, train_opts, data_desc.get("seed", 0))
        # the dataset travels with the result: the loss surface page studies this very model on this data
        st.session_state["pg_result"] = stored = {"key": key, **result, "dataset": ds, "data_desc": data_desc}
        st.session_state.pop("pg_export", None)
    except DivergenceError as e:
        st.session_state.pop("pg_result", None)
        st.error(str(e))
        st.stop()
    except CoreError as e:
        st.error(str(e))
        st.stop()

if not stored:
    st.info("Press **Train** to train this network.")
    st.stop()
if stored["key"] != key:
    st.warning("The settings changed since the last run: the results below are for the previous settings. "
               "Press **Train** to train with the new ones.")
    st.stop()

model = pg.rebuild(stored)
report = metrics.report(model, ds)
hist = stored["history"]
stop_note = f", stopped early; weights of epoch {stored['best_epoch']} kept" if stored["stopped_early"] else ""
st.success(f"Trained {stored['epochs_run']} epochs on {stored['device'].upper()} in {stored['train_seconds']:.2f} s{stop_note}.")

st.subheader("Validation metrics")
if ds.task == "regression":
    c = st.columns(3)
    c[0].metric("MSE", f"{report['mse']:.4f}")
    c[1].metric("MAE", f"{report['mae']:.4f}")
    c[2].metric("R²", f"{report['r2']:.4f}")
else:
    c = st.columns(4)
    c[0].metric("Accuracy", f"{report['accuracy']:.1%}")
    c[1].metric("Precision (macro)", f"{report['precision']:.3f}")
    c[2].metric("Recall (macro)", f"{report['recall']:.3f}")
    c[3].metric("F1 (macro)", f"{report['f1']:.3f}")

a, b = st.columns(2)
a.altair_chart(charts.curves(hist, "loss", "Loss per epoch", "loss"), width="stretch")
if ds.task != "regression":
    b.altair_chart(charts.curves(hist, "acc", "Accuracy per epoch", "accuracy (fraction)"), width="stretch")
if ds.is_2d:
    bd = boundary.decision_boundary(boundary.torch_logits(model), ds.X_train, 50)
    a.altair_chart(charts.decision_boundary(bd, ds.X_val, ds.y_val, ds.class_names,
                                            "Decision boundary with the validation points", ds.feature_names), width="stretch")
if ds.task == "regression" and ds.n_features == 1:
    xs, ys = pg.regression_line(model, ds)
    a.altair_chart(charts.regression_fit(ds.X_val, ds.y_val, xs, ys, "Fitted curve and validation points"), width="stretch")
if ds.task != "regression":
    b.altair_chart(charts.confusion_matrix(report["confusion"], ds.class_names), width="stretch",
                   height=max(220, 36 * ds.n_classes + 120))
    with b.expander("Per-class scores"):
        st.dataframe(report["per_class"], hide_index=True)

st.subheader("k-fold cross-validation")
k = st.slider("Folds k", 2, 10, 5, key="pg_k")
if st.button("Run cross-validation", key="pg_cv"):
    bar = st.progress(0.0, text="Cross-validating...")
    opts = {kk: v for kk, v in train_opts.items()}
    try:
        cv = metrics.cross_validate(ds, "mlp", model_opts, {**opts, "seed": data_desc.get("seed", 0)}, k,
                                    on_fold=lambda i, n: bar.progress(i / n, text=f"Fold {i} of {n}"))
        st.session_state["pg_cv_result"] = {"key": key + str(k), **cv}
    except DivergenceError as e:
        st.error(str(e))
    bar.empty()
cv = st.session_state.get("pg_cv_result")
if cv and cv["key"] == key + str(k):
    import pandas as pd
    df = pd.DataFrame({"fold": [f"fold {i + 1}" for i in range(len(cv["folds"]))], cv["metric"]: cv["folds"]})
    st.markdown(f"{cv['metric']} over {len(cv['folds'])} folds: **{cv['mean']:.4f} ± {cv['std']:.4f}** (mean ± std)")
    st.altair_chart(charts.bars(df, "fold", cv["metric"], f"Validation {cv['metric']} of each fold", "fold",
                                cv["metric"]), width="stretch")

st.subheader("Export")
if st.button("Export to ONNX", key="pg_export_btn"):
    with st.spinner("Exporting and checking..."):
        onnx_bytes = export.to_onnx_bytes(model)
        sess = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
        ort_out = sess.run(None, {"input": ds.X_val})[0]
        torch_out = predict(model, ds.X_val)
        st.session_state["pg_export"] = {
            "key": key, "onnx": onnx_bytes, "parity": float(np.max(np.abs(ort_out - torch_out))),
            "bundle": bundle.make_bundle(model, ds, stored["train_config"], report)}
exp = st.session_state.get("pg_export")
if exp and exp["key"] == key:
    st.markdown(f"ONNX file: {len(exp['onnx']):,} bytes, opset 18, input `input` (batch, {ds.n_features}) of "
                f"standardized features, output `output` (logits). onnxruntime vs PyTorch on the validation set: "
                f"largest difference **{exp['parity']:.1e}**.")
    d1, d2 = st.columns(2)
    d1.download_button("Download model.onnx", exp["onnx"], "playground_model.onnx", "application/octet-stream",
                       key="pg_dl_onnx")
    d2.download_button("Download bundle (.zip: ONNX, config, metrics, data, train.py)", exp["bundle"],
                       "playground_model.zip", "application/zip", key="pg_dl_zip")
