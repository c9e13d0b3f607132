"""Loss-surface page: the studied models as records (trained here on a press, the Playground's, the
zoo's) and cached surfaces (plain data)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict

import numpy as np
import streamlit as st
import torch

from core import data, landscape, models, zoo
from core.records import TrainedModel
from core.train import fit
from ui import cache

LIMITS = {"resolution": landscape.MAX_RESOLUTION, "span": landscape.MAX_SPAN, "steps": 1000}
PAIR_NETWORK = {"widths": (32, 32), "lr": 0.01}  # models A and B: the same network and learning rate
MAX_CACHED_SURFACES = 16
MAX_CACHED_BYTES = 64 * 2 ** 20  # the hosted demo has little memory: directions of a big net are large
SEQUENCE_LIMITS = {"max_points": 256, "max_val_points": 256}  # Transformers: sequences scored per grid point


def pair_key(dataset: str, seed: int, epochs: int, settings: dict) -> str:
    return json.dumps([dataset, seed, epochs, settings], sort_keys=True)


def train_pair(dataset: str, seed: int, epochs: int, settings: dict) -> dict[str, TrainedModel]:
    """Train models A and B (same seed, same initial weights) with a progress bar, on a press.
    Kept per session as plain records, one pair per session: sessions share a small host."""
    ds = data.load(dataset, seed=seed)
    bar = st.progress(0.0, text="Training models A and B...")
    out = {}
    try:
        for k, (name, s) in enumerate(settings.items()):
            torch.manual_seed(seed)
            m = models.build("mlp", widths=PAIR_NETWORK["widths"])

            def on_epoch(e, k=k, name=name):
                bar.progress((k + e["epoch"] / e["epochs"]) / len(settings),
                             text=f"Model {name}: epoch {e['epoch']} of {e['epochs']}")
            h = fit(m, ds, on_epoch=on_epoch, epochs=epochs, lr=PAIR_NETWORK["lr"], seed=seed, device="auto", **s)
            out[name] = TrainedModel.of(m, ds, h, name=f"Model {name}")
    finally:
        bar.empty()
    st.session_state["ls_pair"] = {"key": pair_key(dataset, seed, epochs, settings), "models": out}
    return out


def pair_controls() -> tuple[str, int, int, dict]:
    """Dataset, seed, epochs, and the batch size and L2 of models A and B: (dataset, seed, epochs, settings)."""
    a, b, e = st.columns(3)
    dataset = a.selectbox("Dataset", list(data.TWO_D), key="ls_ds")
    epochs = int(b.number_input("Epochs (5 to 300)", 5, 300, 60, key="ls_epochs"))
    seed = int(e.number_input("Seed", 0, 9999, 0, key="ls_dseed"))
    settings = {}
    for name, col, bs in zip("AB", st.columns(2), (8, 300)):
        settings[name] = {
            "batch_size": int(col.select_slider(f"Model {name}: batch size", [4, 8, 16, 32, 64, 128, 300], bs,
                                                key=f"ls_bs_{name.lower()}")),
            "l2": float(col.select_slider(f"Model {name}: L2 λ", [0.0, 1e-4, 1e-3, 1e-2, 1e-1], 0.0,
                                          key=f"ls_l2_{name.lower()}"))}
    return dataset, seed, epochs, settings


def trained_pair(dataset: str, seed: int, epochs: int, settings: dict):
    """(the pair trained with exactly these settings or None, whether a pair of other settings is kept)."""
    stored = st.session_state.get("ls_pair")
    if stored and stored["key"] == pair_key(dataset, seed, epochs, settings):
        return stored["models"], False
    return None, stored is not None


def zoo_names() -> list[str]:
    """The zoo's models at full precision (int8 copies share their weights' landscape)."""
    return [e["name"] for e in cache.manifest()["models"]
            if not zoo.entry_problems(e) and not e["name"].endswith("_int8")]


def zoo_record(name: str) -> TrainedModel:
    """A zoo model as a record (its checkpoint checked against the manifest first): final weights
    only, no history or path, on its own dataset, with the loss it was trained with."""
    return zoo.record(name)


NO_PLAYGROUND_MODEL = ("No model has been trained on the Playground in this session: open **Playground**, press "
                       "**Train**, and come back; the model stays here until you train another.")


def limits(record: TrainedModel) -> dict:
    """Samples scored per grid point: a Transformer costs ~50 ms a point on all its sequences on 2
    CPU cores, so it is scored on the first 256 training and 256 validation sequences."""
    return SEQUENCE_LIMITS if record.is_transformer else {}


@st.cache_resource
def _surface_store() -> dict:
    return {"lock": threading.Lock(), "items": OrderedDict()}


def surface(record_key: str, record: TrainedModel, dataset_key: str, dataset: data.Dataset, method: str,
            resolution: int, span: float, seed: int) -> landscape.Surface:
    """The surface of the loss the record was trained with, cached per (model, loss, data, method,
    resolution, span, seed) and shared by all sessions (never mutated); a progress bar meanwhile."""
    key = (record_key, record.loss, dataset_key, method, resolution, span, seed)
    store = _surface_store()
    with store["lock"]:
        if key in store["items"]:
            store["items"].move_to_end(key)
            return store["items"][key]
    what = f"Computing the surface of {record.name}"
    bar = st.progress(0.0, text=f"{what}: 0 of {resolution * resolution:,} points")
    shown = {"at": 0.0}

    def on_progress(done, total):
        now = time.perf_counter()
        if now - shown["at"] > 0.2 or done == total:
            shown["at"] = now
            bar.progress(done / total, text=f"{what}: {done:,} of {total:,} points")
    try:
        result = landscape.surface(record.build(), dataset, method, resolution, span, seed, trajectory=record.trajectory,
                                   on_progress=on_progress, loss=record.loss, **limits(record))
    finally:
        bar.empty()
    with store["lock"]:
        store["items"][key] = result
        while len(store["items"]) > 1 and (len(store["items"]) > MAX_CACHED_SURFACES or
                                           sum(map(_nbytes, store["items"].values())) > MAX_CACHED_BYTES):
            store["items"].popitem(last=False)  # the least recently used first; the newest always stays
    return result


def _nbytes(s: landscape.Surface) -> int:
    arrays = [s.alphas, s.betas, s.loss, s.accuracy, *s.directions, s.trajectory]
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


@st.cache_data(show_spinner=False, max_entries=16)
def path_span(record_key: str, _record: TrainedModel) -> float:
    """The map span that shows a model's whole PCA path: a PCA of its trajectory, once per model."""
    return landscape.path_span(_record.trajectory)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_slice(record_key: str, loss: str, _record: TrainedModel, dataset_key: str, _dataset: data.Dataset,
                 direction: str, span: float, seed: int) -> dict:
    init = _record.trajectory[0] if _record.trajectory is not None else None
    return landscape.slice_1d(_record.build(), _dataset, direction, 61, span, seed, initial=init,
                              max_points=limits(_record).get("max_points", 2000), loss=loss)


def path_fidelity(record: TrainedModel, surface: landscape.Surface, epoch: int) -> dict:
    return landscape.path_fidelity(record.build(), record.dataset, surface, record.trajectory, epoch,
                                   limits(record).get("max_points", 2000))


def weights_at(record: TrainedModel, epoch: int):
    """The record's network holding the weights of ``epoch`` on its path (0 = initial)."""
    return landscape.load_flat(record.build(), record.trajectory[epoch])


def _fingerprint(arrays) -> str:
    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()[:16]


def record_key(record: TrainedModel) -> str:
    """A short fingerprint of a model's config and weights, for cache keys."""
    return record.fingerprint()


def dataset_key(ds: data.Dataset) -> str:
    """A short fingerprint of a dataset (built-in or uploaded), for cache keys."""
    return f"{ds.name}:{ds.seed}:{json.dumps(ds.options, sort_keys=True, default=str)}:" + \
        _fingerprint([ds.X_train, ds.y_train, ds.X_val, ds.y_val])


def surface_notes(s: landscape.Surface, radius: float) -> list[str]:
    """What to read under a map: its centre and maximum, NaN cells, sharpness, PCA fidelity."""
    from ui.formulas import LOSS_NAMES

    finite = s.loss[np.isfinite(s.loss)]
    nan = int(np.isnan(s.loss).sum())
    top = (f"max on the plane {finite.max():.3g}." if len(finite) else
           "the loss is not finite anywhere on this plane: try a smaller span.")
    lines = [f"Centre loss **{s.center_loss:.4f}** (the trained model's training loss: "
             f"{LOSS_NAMES[s.loss_name].lower()}, the loss it was trained with); {top}" +
             (f" {nan} cells are NaN (shown blank)." if nan else ""),
             (f"Sharpness within ±{radius:.3g}: **{landscape.sharpness(s, radius):.2f}%** (the largest rise of the "
              "loss in that box over 1 + the centre loss; higher = sharper).")]
    if s.trajectory is not None and (out := int((np.abs(s.trajectory) > s.alphas[-1]).any(axis=1).sum())):
        lines.append(f"{out} epochs of the path lie outside ±{s.alphas[-1]:g} and are drawn on the map's edge: "
                     "widen the span, or turn on fitting the span to the path.")
    if s.explained_variance is not None:
        ev = s.explained_variance
        lines.append(f"PCA directions explain **{ev[0]:.1%} + {ev[1]:.1%} = {ev.sum():.1%}** of the trajectory's variance.")
    if s.reconstruction_error is not None:
        lines.append(f"Faithfulness: the start point lies {s.reconstruction_error:.1%} of its distance to the end off "
                     "the plane (0% = the path lies in the plane). The projected end point is the centre, where the "
                     "real end point is, exactly.")
    return lines


def epoch_view(lead: TrainedModel, lead_surface: landscape.Surface, epoch: int):
    """The lead model at one epoch of its path: boundary, losses, and how far to trust the map there."""
    from core import boundary
    from ui import charts
    from ui.formulas import LOSS_NAMES

    ds = lead.dataset
    st.subheader(f"{lead.name} at epoch {epoch}")
    a1, a2 = st.columns([2, 1])
    if ds.is_2d:
        bd = boundary.decision_boundary(boundary.torch_logits(weights_at(lead, epoch)), ds.X_train, 40)
        a1.altair_chart(charts.decision_boundary(bd, ds.X_train, ds.y_train, ds.class_names,
                                                 f"Decision boundary at epoch {epoch}"), width="stretch")
    if epoch > 0:
        a2.metric(f"Training loss ({LOSS_NAMES[lead.loss].lower()})", f"{lead.history.train_loss[epoch - 1]:.4f}")
        if ds.task != "regression":
            a2.metric("Validation accuracy", f"{lead.history.val_acc[epoch - 1]:.1%}")
    else:
        a2.markdown("Epoch 0: the initial weights, before any step.")
    if lead_surface.trajectory is not None:  # PCA: how far to trust the map along the path
        f = path_fidelity(lead, lead_surface, epoch)
        a2.metric("Loss the map shows at this epoch's point", f"{f['plane_loss']:.4f}")
        bn = " (batch-norm statistics: the final model's)" if lead.config.get("batch_norm") else ""
        a2.caption(f"The real loss of these weights on the same samples is {f['real_loss']:.4f}{bn}. They lie "
                   f"{f['off_plane']:.1%} of their distance to the end point off the plane: the nearer 0%, the "
                   "more the map's number is the real one.")
