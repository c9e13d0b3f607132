"""Loss-surface page: cached training of the compared models and cached surfaces (plain data)."""

from __future__ import annotations

import json

import numpy as np
import streamlit as st
import torch

from core import data, landscape, models, zoo
from core.train import fit

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


def zoo_model(name: str) -> dict:
    e = zoo.entry(name)
    m = zoo.load_model(e)
    return {**models.snapshot(m), "trajectory": None, "dataset": e["dataset"]}


def rebuild(record: dict):
    return models.restore(record)


@st.cache_data(show_spinner=False, max_entries=16)
def load_dataset(name: str, seed: int, options_json: str) -> data.Dataset:
    return data.load(name, seed=seed, **json.loads(options_json))


@st.cache_data(show_spinner="Computing the surface...", max_entries=16)
def cached_surface(record_key: str, _record: dict, dataset_key: str, _dataset: data.Dataset, method: str,
                   resolution: int, span: float, seed: int) -> landscape.Surface:
    """Cached per (model, data, method, resolution, span, seed); model and data are named by their keys."""
    return landscape.surface(rebuild(_record), _dataset, method, resolution, span, seed, trajectory=_record["trajectory"])


@st.cache_data(show_spinner=False, max_entries=16)
def cached_slice(record_key: str, _record: dict, dataset_key: str, _dataset: data.Dataset, direction: str, span: float,
                 seed: int) -> dict:
    init = _record["trajectory"][0] if _record["trajectory"] is not None else None
    return landscape.slice_1d(rebuild(_record), _dataset, direction, 61, span, seed, initial=init)


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
