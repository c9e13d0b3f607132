"""The playground's heavy work: the live training view, cross-validation and export, each behind its button
and each through the shared work queue (ui/work_queue.py)."""

from __future__ import annotations

import io
import itertools
import math
import tempfile
import threading
import time
import zipfile
from collections import deque
from pathlib import Path

import numpy as np
import streamlit as st
import torch

from core import boundary, bundle, data, export, metrics, models
from core.errors import CoreError
from core.records import TrainedModel
from core.train import fit
from ui import charts, work_queue
from ui import playground as pg
from ui.charts import playground as pg_charts
from ui.i18n import _

# The cost of a run, estimated before it starts. Measured here (2 CPU cores, shared): an MLP 64-512x8-10 on
# the digits does about 3e8 parameter x sample steps a second; a tiny network is bound by the ~1 ms each
# optimizer step costs instead, and each epoch's evaluation and drawing about 10 ms. So 8 layers of 512 on
# the digits for 1,000 epochs is about 2 hours. (Under a load of 13 on those 2 cores, runs took 5 to 40 times
# longer: the estimate is for a server that is not already busy.)
WORK_PER_SECOND = 3e8
SECONDS_PER_STEP = 1e-3
SECONDS_PER_EPOCH = 1e-2
BUDGET_SECONDS = 180  # a run estimated past this is refused: the page cannot be stopped mid-run
MAX_SLOWDOWN = 20.0  # a busy server's factor is taken at most this large
_recent = deque(maxlen=8)  # measured / estimated seconds of this server's last runs (all sessions): plain floats
_recent_lock = threading.Lock()


def slowdown() -> float:
    """How much slower than the estimate the server's recent runs were (median of the last 8; 1 when quiet)."""
    with _recent_lock:
        ratios = sorted(_recent)
    return min(MAX_SLOWDOWN, max(1.0, ratios[len(ratios) // 2])) if ratios else 1.0


def record_speed(estimated: float, measured: float) -> None:
    if estimated > 0 and math.isfinite(measured):
        with _recent_lock:
            _recent.append(measured / estimated)


def n_parameters(model_opts: dict) -> int:
    """Weights and biases of the MLP these options build (and batch norm's scale and shift), without building it."""
    sizes = [model_opts["in_features"], *model_opts["widths"], model_opts["out_features"]]
    bn = 2 * sum(model_opts["widths"]) if model_opts.get("batch_norm") else 0
    return sum(a * b + b for a, b in itertools.pairwise(sizes)) + bn


def estimate_seconds(params: int, samples: int, epochs: int, batch: int) -> float:
    steps = math.ceil(samples / max(1, batch)) * epochs
    return params * samples * epochs / WORK_PER_SECOND + steps * SECONDS_PER_STEP + epochs * SECONDS_PER_EPOCH


def duration(seconds: float) -> str:
    if seconds < 90:
        return _("{n} s").format(n=max(1, round(seconds)))
    if seconds < 5400:
        return _("{n} min").format(n=round(seconds / 60))
    return _("{n} h").format(n=f"{seconds / 3600:.1f}")


def cost(ds: data.Dataset, model_opts: dict, train_opts: dict, folds: int = 1) -> tuple[float, str]:
    """(estimated seconds, what the estimate is made of) of training once, or of `folds`-fold cross-validation."""
    params = n_parameters(model_opts)
    n = len(ds.X_train) if folds == 1 else (len(ds.X_train) + len(ds.X_val)) * (folds - 1) // folds
    factor = slowdown()
    seconds = folds * estimate_seconds(params, n, train_opts["epochs"], train_opts["batch_size"]) * factor
    what = _("{params} parameters × {samples} training samples × {epochs} epochs").format(
        params=f"{params:,}", samples=f"{n:,}", epochs=f"{train_opts['epochs']:,}"
    )
    if folds > 1:
        what = _("{folds} folds × {what}").format(folds=folds, what=what)
    if factor > 1.5:
        what = _(
            "{what}, × {factor} because the server's last runs took that much longer than on a quiet server"
        ).format(what=what, factor=f"{factor:.0f}")
    return seconds, what


def show_cost(seconds: float, what: str, where=st) -> bool:
    """Say the estimate beside the button; refuse (an error naming the budget) past it. True when it may run."""
    if seconds <= BUDGET_SECONDS:
        where.caption(
            _("Estimated time here: about {time} ({what}); the budget for one run is {budget}.").format(
                time=duration(seconds), what=what, budget=duration(BUDGET_SECONDS)
            )
        )
        return True
    where.error(
        _(
            "This run would take about {time} here ({what}), past the budget of {budget} for one run: a run "
            "cannot be stopped once it starts. Fewer epochs, fewer or narrower layers, fewer samples or a larger "
            "batch bring it under the budget."
        ).format(time=duration(seconds), what=what, budget=duration(BUDGET_SECONDS))
    )
    return False


def run_training(ds: data.Dataset, model_opts: dict, train_opts: dict, seed: int) -> TrainedModel:
    """Train with a progress bar and curves (and the decision boundary, for 2-D data) that grow live.
    Returns the TrainedModel record. Raises CoreError (divergence, bad settings)."""
    bar = st.progress(0.0, text=_("Training..."))
    loss_slot, acc_slot = st.empty(), st.empty()  # stacked: side by side, a half-page column leaves no room
    boundary_slot = st.empty() if ds.is_2d else None
    live = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    last_draw = {"curves": 0.0, "boundary": 0.0}

    def on_epoch(e):
        for k, values in live.items():
            values.append(e[k])
        n = e["epoch"]
        bar.progress(
            n / e["epochs"],
            text=_("Epoch {n} of {total}: validation loss {loss}").format(
                n=n, total=e["epochs"], loss=f"{e['val_loss']:.4f}"
            ),
        )
        last, now = n == e["epochs"], time.perf_counter()
        # Redraw on a clock, not per epoch: each chart costs a spec; training must not wait on drawing.
        if now - last_draw["curves"] > 1.0 or last:
            last_draw["curves"] = now
            loss_slot.altair_chart(
                charts.curves(live, "loss", _("Loss while training"), _("loss"), epochs=e["epochs"]), width="stretch"
            )
            if ds.task != "regression":
                acc_slot.altair_chart(
                    charts.curves(
                        live, "acc", _("Accuracy while training"), _("accuracy (fraction)"), epochs=e["epochs"]
                    ),
                    width="stretch",
                )
        if boundary_slot is not None and (now - last_draw["boundary"] > 2.0 or last):
            last_draw["boundary"] = now
            b = boundary.decision_boundary(boundary.torch_logits(e["model"]), ds.X_train, 30)
            boundary_slot.altair_chart(
                charts.decision_boundary(
                    b, ds.X_train, ds.y_train, ds.class_names, _("Decision boundary at epoch {n}").format(n=n)
                ),
                width="stretch",
            )

    torch.manual_seed(seed)
    model = models.build("mlp", **model_opts)
    # the path through weight space (for the loss surface page), when it fits a small budget
    keep_path = models.n_parameters(model) * (train_opts["epochs"] + 1) <= pg.MAX_TRAJECTORY_FLOATS
    try:
        with work_queue.heavy_slot(_("training")):
            hist = fit(
                model, ds, on_epoch=on_epoch, seed=seed, device="auto", record_trajectory=keep_path, **train_opts
            )
        record_speed(
            estimate_seconds(n_parameters(model_opts), len(ds.X_train), train_opts["epochs"], train_opts["batch_size"]),
            hist.seconds,
        )
    finally:
        for slot in (bar, loss_slot, acc_slot, boundary_slot or bar):
            slot.empty()
    return TrainedModel.of(model, ds, hist, name="Playground model")


def regression_line(model, ds: data.Dataset):
    xs = np.linspace(min(ds.X_train.min(), ds.X_val.min()), max(ds.X_train.max(), ds.X_val.max()), 100).astype(
        np.float32
    )
    with torch.no_grad():
        ys = model(torch.as_tensor(xs[:, None])).numpy().ravel()
    return xs, ys


def cross_validation(ds: data.Dataset, model_opts: dict, train_opts: dict, seed: int, key: str) -> None:
    """k-fold cross-validation behind its own button; the folds shown are those of the settings shown."""
    st.subheader(_("k-fold cross-validation"))
    k = st.slider(_("Folds k"), 2, 10, key="pg_k")
    cv_key = f"{key}|k={k}"
    allowed = show_cost(*cost(ds, model_opts, train_opts, folds=k))
    if st.button(_("Run cross-validation"), key="pg_cv", disabled=not allowed) and allowed:
        bar = st.progress(0.0, text=_("Cross-validating..."))
        try:
            with work_queue.heavy_slot(_("cross-validation")):
                cv = metrics.cross_validate(
                    ds,
                    "mlp",
                    model_opts,
                    {**train_opts, "seed": seed},
                    k,
                    on_fold=lambda i, n: bar.progress(i / n, text=_("Fold {i} of {n}").format(i=i, n=n)),
                )
            st.session_state["pg_cv_result"] = {"key": cv_key, **cv}
        except CoreError as e:
            st.error(str(e))
        bar.empty()
    cv = st.session_state.get("pg_cv_result")
    if cv and cv["key"] == cv_key:
        st.markdown(
            _("{metric} over {k} folds: **{mean} ± {std}** (mean ± standard deviation)").format(
                metric=pg_charts.metric_name(cv["metric"]),
                k=len(cv["folds"]),
                mean=f"{cv['mean']:.4f}",
                std=f"{cv['std']:.4f}",
            )
        )
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
    st.subheader(_("Export"))
    if st.button(_("Export to ONNX"), key="pg_export_btn"):
        with st.spinner(_("Exporting and checking...")):
            st.session_state["pg_export"] = {"record": record, **export_files(record, report)}
    exp = st.session_state.get("pg_export")
    if not exp or exp["record"] is not record:  # an export of an earlier model is never offered
        return
    st.markdown(
        _(
            "ONNX file: {size} bytes, opset {opset}, input `input` (batch, {features}) of standardized features, "
            "output `output` (logits). onnxruntime vs PyTorch on the validation set: largest difference "
            "**{gap}**."
        ).format(
            size=f"{len(exp['onnx']):,}",
            opset=export.OPSET,
            features=record.dataset.n_features,
            gap=f"{exp['parity']:.1e}",
        )
    )
    d1, d2 = st.columns(2)
    d1.download_button(
        _("Download model.onnx"), exp["onnx"], "playground_model.onnx", "application/octet-stream", key="pg_dl_onnx"
    )
    d2.download_button(
        _("Download bundle (.zip: ONNX, config, metrics, data, train.py)"),
        exp["bundle"],
        "playground_model.zip",
        "application/zip",
        key="pg_dl_zip",
    )
