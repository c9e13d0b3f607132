"""Training playground: data, network, loss, optimizer, regularization; live curves; metrics; export."""

import streamlit as st

from core import boundary, metrics
from core.errors import CoreError, DivergenceError
from ui import charts
from ui import playground as pg
from ui.formulas import LOSS, LOSS_NAMES, LOSS_NOTE, OPTIMIZER, OPTIMIZER_NAMES, PENALTY

st.set_page_config(page_title="Training playground", page_icon="🎛️", layout="wide")
st.title("Training playground")
st.caption("Pick data and a network in the sidebar, press Train, and watch it learn. Everything is trained here "
           "with PyTorch (on the GPU when there is one) and can be exported to ONNX.")

ds, data_desc, problem = pg.dataset_controls()
if problem:
    if ds is None and problem == pg.UPLOAD:
        st.info(problem)
    else:
        st.error(problem)
    st.stop()
try:
    model_opts = pg.network_controls(ds)
except CoreError as e:
    st.error(str(e))
    st.stop()
train_opts = pg.training_controls(ds)

left, right = st.columns([2, 3])  # the right one holds the widest formula (Adam)
with left:
    st.markdown(f"**{ds.name}**: {len(ds.X_train)} training and {len(ds.X_val)} validation samples, "
                f"{ds.n_features} features, " + (f"{ds.n_classes} classes." if ds.task != "regression" else "regression target."))
    if data_desc.get("note"):
        st.caption(data_desc["note"])
with right:
    st.markdown(f"**Loss** ({LOSS_NAMES[train_opts['loss']].lower()})")
    st.latex(LOSS[train_opts["loss"]])
    st.caption(LOSS_NOTE[train_opts["loss"]] if ds.task != "regression" else "squared error of the prediction")
    st.markdown(f"**Optimizer** ({OPTIMIZER_NAMES[train_opts['optimizer']]}), $g_t = \\nabla_\\theta L$, "
                f"$\\alpha = {train_opts['lr']:g}$")
    st.latex(OPTIMIZER[train_opts["optimizer"]])
    for k in ("l1", "l2"):
        if train_opts[k]:
            st.latex(PENALTY[k])

key = pg.settings_key(data_desc, model_opts, train_opts)
seed = data_desc["seed"]
if st.button("Train", type="primary", key="pg_train"):
    try:
        with left:
            # the record carries the dataset: the loss surface page studies this very model on this data
            st.session_state["pg_record"] = pg.run_training(ds, model_opts, train_opts, seed)
        st.session_state["pg_key"] = key
    except DivergenceError as e:
        st.session_state.pop("pg_record", None)
        st.session_state.pop("pg_key", None)
        st.error(str(e))
        st.stop()
    except CoreError as e:
        st.error(str(e))
        st.stop()

record = st.session_state.get("pg_record")
if record is None:
    st.info("Press **Train** to train this network.")
    st.stop()
if st.session_state.get("pg_key") != key:
    st.warning("The settings changed since the last run: the results below are for the previous settings. "
               "Press **Train** to train with the new ones.")
    st.stop()

model, hist = record.build(), record.history
report = metrics.report(model, ds)
stop_note = f", stopped early; weights of epoch {hist.best_epoch} kept" if hist.stopped_early else ""
st.success(f"Trained {hist.epochs} epochs on {hist.device.upper()} in {hist.seconds:.2f} s{stop_note}.")

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
a.altair_chart(charts.curves(vars(hist), "loss", "Loss per epoch", "loss"), width="stretch")
if ds.task != "regression":
    b.altair_chart(charts.curves(vars(hist), "acc", "Accuracy per epoch", "accuracy (fraction)"), width="stretch")
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

pg.cross_validation(ds, model_opts, train_opts, seed, key)
pg.export_controls(record, report)
