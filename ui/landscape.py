"""Loss-surface page: the studied models as records (trained here on a press, the Playground's, the
zoo's), cached surfaces (plain data), what a surface costs before it is computed, and the page's URL."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import streamlit as st
import torch

from core import data, landscape, models, zoo
from core.records import TrainedModel
from core.train import fit
from ui import cache, url_state, work_queue
from ui.i18n import N_, _

PAIR_NETWORK = {"widths": (32, 32), "lr": 0.01}  # models A and B: the same network and learning rate
MIN_SPAN = 0.01
BATCHES, L2S = (4, 8, 16, 32, 64, 128, 300), (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
SHARP_BOX = (0.1, 0.25, 0.5, 1.0)  # the sharpness box, as a share of the span
NAMES = {"Model A": N_("Model A"), "Model B": N_("Model B"), "Playground model": N_("Playground model")}


def shown_name(record: TrainedModel) -> str:
    """The record's name in the reader's language (zoo names stay as they are)."""
    return _(NAMES[record.name]) if record.name in NAMES else record.name


def fields(zoo_models: list[str]) -> tuple[url_state.Field, ...]:
    """The networks view's URL fields (the page adds the view and the toy view's)."""
    C, I, B = url_state.Choice, url_state.Int, url_state.Bool
    return (
        C("source", "pair", key="ls_source", choices=("pair", "playground", "zoo")),
        C("method", "filter", key="ls_method", choices=landscape.METHODS),
        I("res", 31, low=3, high=landscape.MAX_RESOLUTION, key="ls_res"),
        url_state.Float("span", 1.0, low=MIN_SPAN, high=landscape.MAX_SPAN, key="ls_span"),
        I("dseed", 0, low=0, high=9999, key="ls_dir_seed"),
        C("metric", "loss", key="ls_metric", choices=("loss", "accuracy")),
        B("contour", True, key="ls_contour"),
        B("log", True, key="ls_log"),
        B("fit", True, key="ls_fit"),
        C("sharp", 0.25, key="ls_sharp", choices=SHARP_BOX),
        C("slice", "filter", key="ls_slice", choices=("filter", "interpolation")),
        C("dataset", "moons", key="ls_ds", choices=data.TWO_D),
        I("epochs", 60, low=5, high=300, key="ls_epochs"),
        I("seed", 0, low=0, high=9999, key="ls_data_seed"),
        C("bs_a", 8, key="ls_bs_a", choices=BATCHES),
        C("l2_a", 0.0, key="ls_l2_a", choices=L2S),
        C("bs_b", 300, key="ls_bs_b", choices=BATCHES),
        C("l2_b", 0.0, key="ls_l2_b", choices=L2S),
        C("zoo", (zoo_models or [""])[0], key="ls_zoo", choices=tuple(zoo_models) or ("",)),
    )


def pair_key(dataset: str, seed: int, epochs: int, settings: dict) -> str:
    return json.dumps([dataset, seed, epochs, settings], sort_keys=True)


def train_pair(dataset: str, seed: int, epochs: int, settings: dict) -> dict[str, TrainedModel]:
    """Train models A and B (same seed, same initial weights) with a progress bar, on a press.
    Kept per session as plain records, one pair per session: sessions share a small host."""
    ds = data.load(dataset, seed=seed)
    bar = st.progress(0.0, text=_("Training models A and B..."))
    out = {}
    try:
        with work_queue.heavy_slot(_("training")):
            out = _train(ds, seed, epochs, settings, bar)
    finally:
        bar.empty()
    st.session_state["ls_pair"] = {"key": pair_key(dataset, seed, epochs, settings), "models": out}
    return out


def _train(ds, seed: int, epochs: int, settings: dict, bar) -> dict[str, TrainedModel]:
    out = {}
    for k, (name, s) in enumerate(settings.items()):
        torch.manual_seed(seed)
        m = models.build("mlp", widths=PAIR_NETWORK["widths"])

        def on_epoch(e, k=k, name=name):
            bar.progress(
                (k + e["epoch"] / e["epochs"]) / len(settings),
                text=_("Model {name}: epoch {epoch} of {epochs}").format(
                    name=name, epoch=e["epoch"], epochs=e["epochs"]
                ),
            )

        h = fit(m, ds, on_epoch=on_epoch, epochs=epochs, lr=PAIR_NETWORK["lr"], seed=seed, device="auto", **s)
        out[name] = TrainedModel.of(m, ds, h, name=f"Model {name}")
    return out


def pair_controls() -> tuple[str, int, int, dict]:
    """Dataset, seed, epochs, and the batch size and L2 of models A and B: (dataset, seed, epochs, settings)."""
    a, b, e = st.columns(3)
    dataset = a.selectbox(_("Dataset"), list(data.TWO_D), key="ls_ds")
    epochs = int(b.number_input(_("Epochs (5 to 300)"), 5, 300, key="ls_epochs"))
    seed = int(e.number_input(_("Seed"), 0, 9999, key="ls_data_seed"))
    settings = {}
    for name, col in zip("AB", st.columns(2)):
        settings[name] = {
            "batch_size": int(
                col.select_slider(_("Model {name}: batch size").format(name=name), BATCHES, key=f"ls_bs_{name.lower()}")
            ),
            "l2": float(col.select_slider(_("Model {name}: L2 λ").format(name=name), L2S, key=f"ls_l2_{name.lower()}")),
        }
    return dataset, seed, epochs, settings


def trained_pair(dataset: str, seed: int, epochs: int, settings: dict):
    """(the pair trained with exactly these settings or None, whether a pair of other settings is kept)."""
    stored = st.session_state.get("ls_pair")
    if stored and stored["key"] == pair_key(dataset, seed, epochs, settings):
        return stored["models"], False
    return None, stored is not None


def zoo_names() -> list[str]:
    """The zoo's models at full precision (int8 copies share their weights' landscape)."""
    return [
        e["name"] for e in cache.manifest()["models"] if not zoo.entry_problems(e) and not e["name"].endswith("_int8")
    ]


def zoo_record(name: str) -> TrainedModel:
    """A zoo model as a record (its checkpoint checked against the manifest first): final weights
    only, no history or path, on its own dataset, with the loss it was trained with."""
    return zoo.record(name)


NO_PLAYGROUND_MODEL = N_(
    "No model has been trained on the Playground in this session: open **Playground**, press "
    "**Train**, and come back; the model stays here until you train another."
)


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
    return f"{ds.name}:{ds.seed}:{json.dumps(ds.options, sort_keys=True, default=str)}:" + _fingerprint(
        [ds.X_train, ds.y_train, ds.X_val, ds.y_val]
    )


def playground_source() -> tuple[dict[str, TrainedModel], str | None]:
    """The model trained on the Playground this session, and why it has no path (or None); stops the
    page with what to do when there is none."""
    from ui.formulas import LOSS_NAMES
    from ui.playground import MAX_TRAJECTORY_FLOATS

    rec = st.session_state.get("pg_record")
    if rec is None:
        st.info(_(NO_PLAYGROUND_MODEL))
        st.stop()
    st.caption(
        _("The Playground's last model: {model}, trained on **{dataset}** ({n} training samples) with {loss}.").format(
            model=models.describe(rec.build()),
            dataset=rec.dataset.name,
            n=len(rec.dataset.X_train),
            loss=_(LOSS_NAMES[rec.loss]).lower(),
        )
    )
    no_path = (
        None
        if rec.trajectory is not None
        else _(
            "This Playground model has too many parameters x epochs to keep its path through weight space (the limit is "
            "{n} numbers), so PCA directions and the interpolation from its initial weights are not available: pick "
            "random directions, or train a smaller network."
        ).format(n=f"{MAX_TRAJECTORY_FLOATS:,}")
    )
    return {rec.name: rec}, no_path


def zoo_source() -> tuple[dict[str, TrainedModel], str]:
    """The zoo model picked, and why it has no path."""
    from ui.landscape_surface import SEQUENCE_LIMITS, limits

    zname = st.selectbox(_("Zoo model"), zoo_names(), key="ls_zoo")
    records = {zname: zoo_record(zname)}
    if limits(records[zname]):
        st.caption(
            _(
                "A Transformer is scored on the first {train} training and {val} validation sequences at each "
                "grid point (about 8 ms a point on 2 CPU cores); accuracy is per token."
            ).format(train=SEQUENCE_LIMITS["max_points"], val=SEQUENCE_LIMITS["max_val_points"])
        )
    return records, _(
        "Zoo checkpoints keep the final weights only, not the training path, so PCA directions and the "
        "interpolation from initial weights are not available for them: pick random directions, or "
        "train models here."
    )
