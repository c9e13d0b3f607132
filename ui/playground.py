"""Controls, the live training view, cross-validation and export of the playground page."""

from __future__ import annotations

import io
import json
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from core import boundary, bundle, data, export, losses, metrics, models, user_data
from core.errors import CoreError
from core.records import TrainedModel
from core.train import OPTIMIZERS, fit
from ui import cache, charts
from ui.charts import playground as pg_charts
from ui.formulas import LOSS_NAMES, OPTIMIZER_NAMES

DATASETS = {"moons": "Two moons", "circles": "Circles", "spirals": "Spirals", "xor": "XOR", "iris": "Iris",
            "digits": "Digits (8x8)", "linear": "Linear regression (y = x + noise)", "csv": "Your CSV"}
MAX_EPOCHS_PAGE = 1000  # training from the page: at most this many epochs
MAX_TRAJECTORY_FLOATS = 10_000_000  # parameters x (epochs + 1) kept for the loss surface page (40 MB)
UPLOAD = "Upload a CSV file in the sidebar to train on your own data."


@st.cache_data(show_spinner=False, max_entries=8)
def csv_frame(raw: bytes):
    return user_data.read_csv(raw)


def uploaded_csv() -> dict | None:
    """The CSV the user uploaded, kept in the session (name and bytes) so that visiting another dataset
    and coming back keeps it; a button forgets it. None until a file is uploaded."""
    kept = st.session_state.get("pg_csv_file")
    if kept is None:
        up = st.sidebar.file_uploader("CSV file (header row, up to 5 MB, 20,000 rows)", type=["csv", "txt", "tsv"],
                                      key="pg_csv")
        if up is None:
            return None
        kept = st.session_state["pg_csv_file"] = {"name": up.name, "bytes": up.getvalue()}
    st.sidebar.caption(f"Using **{kept['name']}** ({len(kept['bytes']) / 1024:,.1f} KB).")
    st.sidebar.button("Use another file", key="pg_csv_clear", on_click=forget_csv)
    return kept


def forget_csv() -> None:
    for k in ("pg_csv_file", "pg_csv"):  # the kept file, and the uploader's own state, if it still holds one
        st.session_state.pop(k, None)


def csv_controls(seed: int):
    kept = uploaded_csv()
    if kept is None:
        return None, None, UPLOAD
    try:
        df = csv_frame(kept["bytes"])
        cols = list(df.columns)
        label = st.sidebar.selectbox("Label column", cols, index=len(cols) - 1, key="pg_label")
        numeric = [c for c in user_data.numeric_columns(df) if c != label]
        features = st.sidebar.multiselect("Feature columns", [c for c in cols if c != label], default=numeric,
                                          key="pg_features")
        task = st.sidebar.radio("Task", ["classification", "regression"], horizontal=True, key="pg_task")
        ds = user_data.to_dataset(df, features, label, task, seed)
    except CoreError as e:
        return None, None, str(e)
    dropped = ds.options["rows_dropped"]
    note = f"Read **{kept['name']}** as {user_data.DELIMITER_NAMES[df.attrs['delimiter']]}-separated values" + (
        f"; {dropped} of {len(df)} rows had an empty, NaN or infinite cell and were left out." if dropped else ".")
    return ds, {"name": "csv", "file": kept["name"], "size": len(kept["bytes"]), "features": features, "label": label,
                "task": task, "seed": seed, "note": note}, None


def dataset_controls():
    """Sidebar: the dataset. Returns (Dataset or None, description dict or None, message or None)."""
    st.sidebar.header("Data")
    name = st.sidebar.selectbox("Dataset", list(DATASETS), format_func=DATASETS.get, key="pg_dataset")
    seed = int(st.sidebar.number_input("Seed", 0, 10_000, 0, key="pg_seed"))
    if name == "csv":
        return csv_controls(seed)
    options = {}
    if name in data.TWO_D or name == "linear":
        options["n_samples"] = int(st.sidebar.slider("Samples", 40, 2000, 400 if name != "linear" else 100, 20, key="pg_n"))
        options["noise"] = float(st.sidebar.slider("Noise", 0.0, 1.0, 0.15 if name != "linear" else 0.1, 0.01,
                                                   key="pg_noise"))
    try:
        ds = cache.dataset(name, seed, json.dumps(options, sort_keys=True))
    except CoreError as e:
        return None, None, str(e)
    return ds, {"name": name, "seed": seed, **options}, None


def parse_widths(text: str) -> tuple[int, ...]:
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise CoreError(f"Hidden layers must be whole numbers separated by commas, like 16, 16; got {text!r}.") from None


def network_controls(ds: data.Dataset):
    """Sidebar: the network. Returns model options, or raises CoreError with the limit named."""
    st.sidebar.header("Network")
    text = st.sidebar.text_input(f"Hidden layer widths (at most {models.MAX_LAYERS} layers of {models.MAX_WIDTH})",
                                 "16, 16", key="pg_widths", help="Comma-separated units per hidden layer; empty = linear model")
    activation = st.sidebar.selectbox("Activation", list(models.ACTIVATIONS), key="pg_act")
    dropout = float(st.sidebar.slider("Dropout rate", 0.0, 0.9, 0.0, 0.05, key="pg_dropout"))
    bn = st.sidebar.checkbox("Batch normalization", False, key="pg_bn")
    opts = {"in_features": ds.n_features, "widths": parse_widths(text), "out_features": ds.n_classes,
            "activation": activation, "dropout": dropout, "batch_norm": bn}
    models.MLPConfig(**opts)  # validates: raises ModelError naming the limit
    return opts


def loss_control(task: str) -> str:
    """One loss selectbox per task, each remembering its own choice: a regression visit cannot leave
    MSE behind on a classification set (Streamlit forgets the state of widgets it did not draw)."""
    names = [name for name, loss in losses.LOSSES.items() if task in loss.tasks]
    chosen = st.session_state.get(f"pg_loss_choice_{task}", losses.default(task))
    loss = st.sidebar.selectbox("Loss", names, index=names.index(chosen), format_func=LOSS_NAMES.get,
                                key=f"pg_loss_{task}")
    st.session_state[f"pg_loss_choice_{task}"] = loss
    return loss


def training_controls(ds: data.Dataset):
    st.sidebar.header("Training")
    loss = loss_control(ds.task)
    opt = st.sidebar.selectbox("Optimizer", OPTIMIZERS, index=OPTIMIZERS.index("adam"), format_func=OPTIMIZER_NAMES.get,
                               key="pg_opt")
    lr = float(st.sidebar.select_slider("Learning rate", [0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
                                        value=0.01, key="pg_lr"))
    batch = int(st.sidebar.number_input("Batch size", 1, 4096, 32, key="pg_batch"))
    epochs = int(st.sidebar.number_input(f"Epochs (1 to {MAX_EPOCHS_PAGE})", 1, MAX_EPOCHS_PAGE, 100, key="pg_epochs"))
    with st.sidebar.expander("Regularization"):
        l1 = float(st.number_input("L1 strength λ₁", 0.0, 1.0, 0.0, 0.0001, format="%.4f", key="pg_l1"))
        l2 = float(st.number_input("L2 strength λ₂", 0.0, 1.0, 0.0, 0.0001, format="%.4f", key="pg_l2"))
        patience = int(st.number_input("Early stopping patience (epochs, 0 = off)", 0, 500, 0, key="pg_patience"))
    return {"loss": loss, "optimizer": opt, "lr": lr, "batch_size": batch, "epochs": epochs, "l1": l1, "l2": l2,
            "patience": patience}


def run_training(ds: data.Dataset, model_opts: dict, train_opts: dict, seed: int) -> TrainedModel:
    """Train with a progress bar and curves (and the decision boundary, for 2-D data) that grow live.
    Returns the TrainedModel record. Raises CoreError (divergence, bad settings)."""
    bar = st.progress(0.0, text="Training...")
    loss_slot, acc_slot = st.empty(), st.empty()  # stacked: side by side, a half-page column leaves no room
    boundary_slot = st.empty() if ds.is_2d else None
    live = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    last_draw = {"curves": 0.0, "boundary": 0.0}

    def on_epoch(e):
        for k, values in live.items():
            values.append(e[k])
        n = e["epoch"]
        bar.progress(n / e["epochs"], text=f"Epoch {n} of {e['epochs']}: validation loss {e['val_loss']:.4f}")
        last, now = n == e["epochs"], time.perf_counter()
        # Redraw on a clock, not per epoch: each chart costs a spec; training must not wait on drawing.
        if now - last_draw["curves"] > 1.0 or last:
            last_draw["curves"] = now
            loss_slot.altair_chart(charts.curves(live, "loss", "Loss while training", "loss", epochs=e["epochs"]),
                                   width="stretch")
            if ds.task != "regression":
                acc_slot.altair_chart(charts.curves(live, "acc", "Accuracy while training", "accuracy (fraction)",
                                                    epochs=e["epochs"]), width="stretch")
        if boundary_slot is not None and (now - last_draw["boundary"] > 2.0 or last):
            last_draw["boundary"] = now
            b = boundary.decision_boundary(boundary.torch_logits(e["model"]), ds.X_train, 30)
            boundary_slot.altair_chart(charts.decision_boundary(
                b, ds.X_train, ds.y_train, ds.class_names, f"Decision boundary at epoch {n}"), width="stretch")

    torch.manual_seed(seed)
    model = models.build("mlp", **model_opts)
    # the path through weight space (for the loss surface page), when it fits a small budget
    keep_path = models.n_parameters(model) * (train_opts["epochs"] + 1) <= MAX_TRAJECTORY_FLOATS
    try:
        hist = fit(model, ds, on_epoch=on_epoch, seed=seed, device="auto", record_trajectory=keep_path, **train_opts)
    finally:
        for slot in (bar, loss_slot, acc_slot, boundary_slot or bar):
            slot.empty()
    return TrainedModel.of(model, ds, hist, name="Playground model")


def settings_key(*parts) -> str:
    return json.dumps(parts, sort_keys=True, default=str)  # equal settings, equal key: the stale check


def regression_line(model, ds: data.Dataset):
    xs = np.linspace(min(ds.X_train.min(), ds.X_val.min()), max(ds.X_train.max(), ds.X_val.max()), 100).astype(np.float32)
    with torch.no_grad():
        ys = model(torch.as_tensor(xs[:, None])).numpy().ravel()
    return xs, ys


def cross_validation(ds: data.Dataset, model_opts: dict, train_opts: dict, seed: int, key: str) -> None:
    """k-fold cross-validation behind its own button; the folds shown are those of the settings shown."""
    st.subheader("k-fold cross-validation")
    k = st.slider("Folds k", 2, 10, 5, key="pg_k")
    cv_key = f"{key}|k={k}"
    if st.button("Run cross-validation", key="pg_cv"):
        bar = st.progress(0.0, text="Cross-validating...")
        try:
            cv = metrics.cross_validate(ds, "mlp", model_opts, {**train_opts, "seed": seed}, k,
                                        on_fold=lambda i, n: bar.progress(i / n, text=f"Fold {i} of {n}"))
            st.session_state["pg_cv_result"] = {"key": cv_key, **cv}
        except CoreError as e:
            st.error(str(e))
        bar.empty()
    cv = st.session_state.get("pg_cv_result")
    if cv and cv["key"] == cv_key:
        st.markdown(f"{cv['metric']} over {len(cv['folds'])} folds: **{cv['mean']:.4f} ± {cv['std']:.4f}** "
                    "(mean ± standard deviation)")
        st.altair_chart(pg_charts.cross_validation_folds(cv["folds"], cv["metric"]), width="stretch")


def export_files(record: TrainedModel, report: dict) -> dict:
    """The bundle (.zip), its ONNX file, and the largest onnxruntime-vs-PyTorch difference on the validation set."""
    model, ds = record.build(), record.dataset
    zipped = bundle.make_bundle(model, ds, record.history.config, report)
    onnx_bytes = zipfile.ZipFile(io.BytesIO(zipped)).read("playground_model/model.onnx")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "model.onnx"
        path.write_bytes(onnx_bytes)
        gap = export.parity(model, path, ds.X_val)
    return {"onnx": onnx_bytes, "bundle": zipped, "parity": gap}


def export_controls(record: TrainedModel, report: dict) -> None:
    """Export behind a button; the files offered are always those of the record shown."""
    st.subheader("Export")
    if st.button("Export to ONNX", key="pg_export_btn"):
        with st.spinner("Exporting and checking..."):
            st.session_state["pg_export"] = {"record": record, **export_files(record, report)}
    exp = st.session_state.get("pg_export")
    if not exp or exp["record"] is not record:  # an export of an earlier model is never offered
        return
    st.markdown(f"ONNX file: {len(exp['onnx']):,} bytes, opset {export.OPSET}, input `input` (batch, "
                f"{record.dataset.n_features}) of standardized features, output `output` (logits). onnxruntime vs "
                f"PyTorch on the validation set: largest difference **{exp['parity']:.1e}**.")
    d1, d2 = st.columns(2)
    d1.download_button("Download model.onnx", exp["onnx"], "playground_model.onnx", "application/octet-stream",
                       key="pg_dl_onnx")
    d2.download_button("Download bundle (.zip: ONNX, config, metrics, data, train.py)", exp["bundle"],
                       "playground_model.zip", "application/zip", key="pg_dl_zip")
