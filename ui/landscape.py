"""Loss-surface page: cached training of the compared models and cached surfaces (plain data)."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict

import numpy as np
import streamlit as st
import torch

from core import data, landscape, models, zoo
from core.train import fit
from ui import cache

LIMITS = {"resolution": landscape.MAX_RESOLUTION, "span": landscape.MAX_SPAN, "steps": 1000}


def train_pair(dataset: str, seed: int, epochs: int, settings: dict) -> dict:
    """Train models A and B (same seed, same initial weights) with a progress bar; kept per session."""
    key = json.dumps([dataset, seed, epochs, settings], sort_keys=True)
    store = st.session_state.setdefault("ls_models", {})
    if key in store:
        return store[key]
    ds = data.load(dataset, seed=seed)
    bar = st.progress(0.0, text="Training models A and B...")
    out = {}
    for k, (name, s) in enumerate(settings.items()):
        torch.manual_seed(seed)
        m = models.build("mlp", widths=(32, 32))

        def on_epoch(e, k=k):
            bar.progress((k + e["epoch"] / e["epochs"]) / len(settings), text=f"Model {name}: epoch {e['epoch']} of {e['epochs']}")
        h = fit(m, ds, on_epoch=on_epoch, epochs=epochs, lr=0.01, seed=seed, device="auto", **s)
        out[name] = {**models.snapshot(m), "trajectory": h.trajectory, "train_loss": h.train_loss, "val_acc": h.val_acc, "val_loss": h.val_loss}
    bar.empty()
    store.clear()  # keep one pair per session: sessions share a small hosted machine
    store[key] = {"dataset": (dataset, seed), "models": out}
    return store[key]


def zoo_names() -> list[str]:
    """The zoo's models at full precision (int8 copies share their weights' landscape)."""
    return [e["name"] for e in cache.manifest()["models"] if not e["name"].endswith("_int8")]


def zoo_model(name: str) -> dict:
    e = zoo.entry(name)
    m = zoo.load_model(e)
    return {**models.snapshot(m), "trajectory": None, "dataset": e["dataset"]}


def rebuild(record: dict):
    return models.restore(record)


MAX_CACHED_SURFACES = 16
MAX_CACHED_BYTES = 64 * 2 ** 20  # the hosted demo has little memory: directions of a big net are large
SEQUENCE_LIMITS = {"max_points": 256, "max_val_points": 256}  # Transformers: sequences scored per grid point


def limits(record: dict) -> dict:
    """Samples scored per grid point: a Transformer costs ~50 ms a point on all its sequences on 2
    CPU cores, so it is scored on the first 256 training and 256 validation sequences."""
    return SEQUENCE_LIMITS if record["config"].get("kind") == "transformer" else {}


@st.cache_resource
def _surface_store() -> dict:
    return {"lock": threading.Lock(), "items": OrderedDict()}


def surface(record_key: str, record: dict, dataset_key: str, dataset: data.Dataset, method: str, resolution: int,
            span: float, seed: int, label: str = "the model") -> landscape.Surface:
    """The surface, cached per (model, data, method, resolution, span, seed) and shared by all
    sessions (never mutated); a progress bar while it is computed."""
    key = (record_key, dataset_key, method, resolution, span, seed)
    store = _surface_store()
    with store["lock"]:
        if key in store["items"]:
            store["items"].move_to_end(key)
            return store["items"][key]
    bar = st.progress(0.0, text=f"Computing the surface of {label}: 0 of {resolution * resolution:,} points")
    shown = {"at": 0.0}

    def on_progress(done, total):
        now = time.perf_counter()
        if now - shown["at"] > 0.2 or done == total:
            shown["at"] = now
            bar.progress(done / total, text=f"Computing the surface of {label}: {done:,} of {total:,} points")
    try:
        result = landscape.surface(rebuild(record), dataset, method, resolution, span, seed,
                                   trajectory=record["trajectory"], on_progress=on_progress, **limits(record))
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
def path_span(record_key: str, _record: dict) -> float:
    """The map span that shows a model's whole PCA path: a PCA of its trajectory, once per model."""
    return landscape.path_span(_record["trajectory"])


@st.cache_data(show_spinner=False, max_entries=16)
def cached_slice(record_key: str, _record: dict, dataset_key: str, _dataset: data.Dataset, direction: str, span: float,
                 seed: int) -> dict:
    init = _record["trajectory"][0] if _record["trajectory"] is not None else None
    return landscape.slice_1d(rebuild(_record), _dataset, direction, 61, span, seed, initial=init,
                              max_points=limits(_record).get("max_points", 2000))


def _fingerprint(arrays) -> str:
    h = np.concatenate([np.ravel(v).astype(np.float64) for v in arrays])
    return f"{len(h)}:{h.sum():.12g}:{(h * np.arange(1, len(h) + 1)).sum():.12g}"


def record_key(record: dict) -> str:
    """A short fingerprint of a model's weights, for cache keys."""
    return _fingerprint(record["state"].values())


def dataset_key(ds: data.Dataset) -> str:
    """A short fingerprint of a dataset (built-in or uploaded), for cache keys."""
    return f"{ds.name}:{ds.seed}:{json.dumps(ds.options, sort_keys=True, default=str)}:" + \
        _fingerprint([ds.X_train, ds.y_train, ds.X_val, ds.y_val])


def playground_model(result: dict | None) -> tuple[dict | None, str | None]:
    """The model trained on the Playground this session, as a record of this page, or a message
    that says what to do."""
    if not result:
        return None, ("No model has been trained on the Playground in this session: open **Playground**, press "
                      "**Train**, and come back; the model stays here until you train another.")
    rec = {"config": result["config"], "state": result["state"], "trajectory": result.get("trajectory"),
           "train_loss": result["history"]["train_loss"], "val_acc": result["history"]["val_acc"],
           "dataset": result["dataset"]}
    return rec, None
