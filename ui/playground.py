"""Controls and the live training view of the playground page."""

from __future__ import annotations

import json
import time

import numpy as np
import streamlit as st
import torch

from core import boundary, data, models, user_data
from core.errors import CoreError
from core.train import OPTIMIZERS, fit
from ui import cache, charts
from ui.formulas import OPTIMIZER_NAMES

DATASETS = {"moons": "Two moons", "circles": "Circles", "spirals": "Spirals", "xor": "XOR", "iris": "Iris",
            "digits": "Digits (8x8)", "linear": "Linear regression (y = x + noise)", "csv": "Your CSV"}
MAX_EPOCHS_PAGE = 1000  # training from the page: at most this many epochs
MAX_TRAJECTORY_FLOATS = 10_000_000  # parameters x (epochs + 1) kept for the loss surface page (40 MB)


@st.cache_data(show_spinner=False, max_entries=8)
def csv_frame(raw: bytes):
    return user_data.read_csv(raw)


def dataset_controls():
    """Sidebar: the dataset. Returns (Dataset or None, description dict or None, error message or None)."""
    st.sidebar.header("Data")
    name = st.sidebar.selectbox("Dataset", list(DATASETS), format_func=DATASETS.get, key="pg_dataset")
    seed = int(st.sidebar.number_input("Seed", 0, 10_000, 0, key="pg_seed"))
    if name == "csv":
        up = st.sidebar.file_uploader("CSV file (header row, up to 5 MB, 20,000 rows)", type=["csv"], key="pg_csv")
        if up is None:
            return None, None, "Upload a CSV file in the sidebar to train on your own data."
        try:
            df = csv_frame(up.getvalue())
            cols = list(df.columns)
            label = st.sidebar.selectbox("Label column", cols, index=len(cols) - 1, key="pg_label")
            numeric = [c for c in user_data.numeric_columns(df) if c != label]
            features = st.sidebar.multiselect("Feature columns", [c for c in cols if c != label], default=numeric,
                                              key="pg_features")
            task = st.sidebar.radio("Task", ["classification", "regression"], horizontal=True, key="pg_task")
            ds = user_data.to_dataset(df, features, label, task, seed)
        except CoreError as e:
            return None, None, str(e)
        return ds, {"name": "csv", "file": up.name, "features": features, "label": label, "task": task}, None
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
        widths = tuple(int(p) for p in parts)
    except ValueError:
        raise CoreError(f"Hidden layers must be whole numbers separated by commas, like 16, 16; got {text!r}.") from None
    return widths


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


def training_controls(ds: data.Dataset):
    st.sidebar.header("Training")
    losses = ["mse"] if ds.task == "regression" else ["cross_entropy", "mse"]
    loss = st.sidebar.selectbox("Loss", losses, key="pg_loss",
                                format_func=lambda l: {"cross_entropy": "Softmax cross-entropy", "mse": "Mean squared error"}[l])
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


def run_training(ds: data.Dataset, model_opts: dict, train_opts: dict, seed: int) -> dict:
    """Train with a progress bar and curves (and the decision boundary, for 2-D data) that grow live.
    Returns plain data: history, weights, timing. Raises CoreError (divergence, bad settings)."""
    bar = st.progress(0.0, text="Training...")
    c1, c2 = st.columns(2)
    loss_slot, acc_slot = c1.empty(), c2.empty()
    boundary_slot = st.empty() if ds.is_2d else None
    live = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    start = time.perf_counter()
    last_draw = {"curves": 0.0, "boundary": 0.0}

    def on_epoch(e):
        for k in live:
            live[k].append(e[k])
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
        bar.empty()
    for slot in (loss_slot, acc_slot, boundary_slot):
        if slot is not None:
            slot.empty()
    return {"history": {"train_loss": hist.train_loss, "val_loss": hist.val_loss, "train_acc": hist.train_acc,
                        "val_acc": hist.val_acc, "grad_norm": hist.grad_norm},
            "train_config": hist.config, "best_epoch": hist.best_epoch, "stopped_early": hist.stopped_early,
            "epochs_run": hist.epochs, "device": hist.device, "seconds": time.perf_counter() - start,
            "train_seconds": hist.seconds, **models.snapshot(model),
            # up to the kept weights: with early stopping, the epochs after the best one are not on the path
            "trajectory": hist.trajectory[: hist.best_epoch + 1] if hist.trajectory is not None else None}


def rebuild(result: dict):
    """The trained model from a stored result (plain data), ready to evaluate or export."""
    return models.restore(result)


def settings_key(*parts) -> str:
    return json.dumps(parts, sort_keys=True, default=str)


def regression_line(model, ds: data.Dataset):
    xs = np.linspace(min(ds.X_train.min(), ds.X_val.min()), max(ds.X_train.max(), ds.X_val.max()), 100).astype(np.float32)
    with torch.no_grad():
        ys = model(torch.as_tensor(xs[:, None])).numpy().ravel()
    return xs, ys

