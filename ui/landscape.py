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


@st.cache_data(show_spinner="Computing the surface...", max_entries=16)
def cached_surface(record_key: str, _record: dict, ds_name: str, ds_seed: int, ds_options: str, method: str,
                   resolution: int, span: float, seed: int) -> landscape.Surface:
    """Cached per (model, method, resolution, span, seed); the model is named by record_key."""
    ds = data.load(ds_name, seed=ds_seed, **json.loads(ds_options))
    return landscape.surface(rebuild(_record), ds, method, resolution, span, seed, trajectory=_record["trajectory"])


@st.cache_data(show_spinner=False, max_entries=16)
def cached_slice(record_key: str, _record: dict, ds_name: str, ds_seed: int, ds_options: str, direction: str, span: float,
                 seed: int) -> dict:
    ds = data.load(ds_name, seed=ds_seed, **json.loads(ds_options))
    init = _record["trajectory"][0] if _record["trajectory"] is not None else None
    return landscape.slice_1d(rebuild(_record), ds, direction, 61, span, seed, initial=init)


def record_key(record: dict) -> str:
    """A short fingerprint of a model's weights, for cache keys."""
    h = np.concatenate([np.ravel(v).astype(np.float64) for v in record["state"].values()])
    return f"{len(h)}:{h.sum():.12g}:{(h * np.arange(1, len(h) + 1)).sum():.12g}"
