"""Why models overfit and what each remedy does: variants trained side by side from the same seed.

Every variant builds the same MLP under the same seed, so its Linear layers start from the same
initial weights (dropout and batch norm add no random initial values); only the remedy differs:
L1 and L2 penalties, dropout (Srivastava et al. 2014), early stopping, batch normalization
(Ioffe & Szegedy 2015) and data augmentation by input jitter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from core import models
from core.batched_variants import train_together
from core.data import Dataset
from core.errors import ConfigError
from core.export import to_onnx_bytes
from core.params import flat, penalized_weights
from core.train import fit

REMEDIES = {  # name: (what the strength means, allowed range, default strength)
    "l1": ("L1 strength λ₁", (1e-6, 1e-1), 1e-3),
    "l2": ("L2 strength λ₂", (1e-6, 1.0), 1e-2),
    "dropout": ("dropout rate p", (0.05, 0.9), 0.3),
    "early_stopping": ("patience (epochs)", (1, 500), 20),
    "batch_norm": ("on", (1, 1), 1),
    "augmentation": ("input jitter σ (standardized units)", (0.01, 1.0), 0.15),
}
NEAR_ZERO = 1e-3  # |w| below this counts as zero
MAX_SWEEP_POINTS = 12
MAX_VARIANTS = 10


@dataclass
class Variant:
    name: str
    remedies: dict  # remedy -> strength
    history: dict = field(default_factory=dict)
    weights: np.ndarray | None = None  # every penalized weight, flattened
    metrics: dict = field(default_factory=dict)
    onnx: bytes = b""  # the trained variant, exported: the page draws its boundary through onnxruntime


def _options(remedies: dict) -> tuple[dict, dict]:
    model, train = {}, {}
    for r, v in remedies.items():
        if r not in REMEDIES:
            raise ConfigError(f"Unknown remedy {r!r}; choose from {', '.join(REMEDIES)}.")
        lo, hi = REMEDIES[r][1]
        if not (np.isfinite(v) and lo <= v <= hi):
            raise ConfigError(f"{REMEDIES[r][0]} must be from {lo:g} to {hi:g}, got {v!r}.")
        if r == "l1":
            train["l1"] = float(v)
        elif r == "l2":
            train["l2"] = float(v)
        elif r == "dropout":
            model["dropout"] = float(v)
        elif r == "early_stopping":
            train["patience"] = int(v)
        elif r == "batch_norm":
            model["batch_norm"] = True
        else:
            train["input_noise"] = float(v)
    return model, train


def _variant(name: str, remedies: dict, model, history: dict, best_epoch: int, stopped: bool, export: bool) -> Variant:
    """Metrics of the weights a variant ends with (for early stopping: its best epoch), and its ONNX file."""
    w = flat(penalized_weights(model)).numpy()
    b = best_epoch - 1
    metrics = {
        "train_accuracy": history["train_acc"][b], "val_accuracy": history["val_acc"][b],
        "train_loss": history["train_loss"][b], "val_loss": history["val_loss"][b],
        "accuracy_gap": history["train_acc"][b] - history["val_acc"][b],
        "loss_gap": history["val_loss"][b] - history["train_loss"][b],
        "weight_norm": float(np.linalg.norm(w)), "near_zero": float(np.mean(np.abs(w) < NEAR_ZERO)),
        "epochs_run": len(history["train_loss"]), "best_epoch": best_epoch, "stopped_early": stopped,
    }
    onnx = to_onnx_bytes(model) if export else b""
    return Variant(name, dict(remedies), history, w, metrics, onnx)


def train_variant(dataset: Dataset, name: str, remedies: dict, widths=(128, 128), epochs: int = 300, lr: float = 0.01,
                  batch_size: int = 32, seed: int = 0, device: str = "auto", on_epoch=None, export: bool = True) -> Variant:
    """One variant with the general trainer (core.train.fit): the path for batch norm."""
    model_opts, train_opts = _options(remedies)
    torch.manual_seed(seed)
    model = models.build("mlp", in_features=dataset.n_features, widths=tuple(widths), out_features=dataset.n_classes,
                         **model_opts)
    h = fit(model, dataset, on_epoch=on_epoch, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, device=device,
            record_trajectory=False, **train_opts)
    hist = {"train_loss": h.train_loss, "val_loss": h.val_loss, "train_acc": h.train_acc, "val_acc": h.val_acc}
    return _variant(name, remedies, model, hist, h.best_epoch, h.stopped_early, export)


def _train_batched(dataset: Dataset, named: dict, on_epoch=None, export: bool = True, widths=(128, 128), **config) -> dict:
    settings = []
    for remedies in named.values():
        model_opts, train_opts = _options(remedies)
        settings.append({**train_opts, "dropout": model_opts.get("dropout", 0.0)})
    results = train_together(dataset, settings, widths=widths, on_epoch=on_epoch, **config)
    return {name: _variant(name, remedies, r["model"], r["history"], r["best_epoch"], r["stopped_early"], export)
            for (name, remedies), r in zip(named.items(), results)}


def run_variants(dataset: Dataset, variants: dict, on_progress=None, **config) -> dict:
    """Train each {name: {remedy: strength}} (an empty dict is the unregularized baseline).

    Variants without batch norm train together in one batched loop (core.batched_variants);
    batch-norm variants change the architecture and train one by one with core.train.fit."""
    if not variants:
        raise ConfigError("Pick at least one variant to train.")
    if len(variants) > MAX_VARIANTS:
        raise ConfigError(f"At most {MAX_VARIANTS} variants at once, got {len(variants)}.")
    for remedies in variants.values():
        _options(remedies)  # validate everything before any training
    together = {n: r for n, r in variants.items() if "batch_norm" not in r}
    alone = [n for n in variants if n not in together]
    parts = len(alone) + (1 if together else 0)
    out = {}
    if together:
        cb = (lambda e: on_progress(0, parts, f"{len(together)} variants together", e)) if on_progress else None
        out.update(_train_batched(dataset, together, on_epoch=cb, **config))
    for i, name in enumerate(alone, start=1 if together else 0):
        cb = (lambda e, i=i, name=name: on_progress(i, parts, name, e)) if on_progress else None
        out[name] = train_variant(dataset, name, variants[name], on_epoch=cb, **config)
    return {n: out[n] for n in variants}


def sweep_values(low: float, high: float, points: int, log: bool = True) -> np.ndarray:
    if not 2 <= points <= MAX_SWEEP_POINTS:
        raise ConfigError(f"A sweep has 2 to {MAX_SWEEP_POINTS} points, got {points}.")
    if not 0 < low < high:
        raise ConfigError(f"The sweep needs 0 < low < high, got {low:g} and {high:g}.")
    return np.geomspace(low, high, points) if log else np.linspace(low, high, points)


def sweep(dataset: Dataset, remedy: str, values, on_progress=None, **config) -> list[dict]:
    """One remedy at each strength, all strengths trained together: validation accuracy and gaps."""
    if remedy == "batch_norm":
        raise ConfigError("Batch norm is on or off: it has no strength to sweep.")
    values = [int(round(v)) if remedy == "early_stopping" else float(v) for v in values]
    named = {f"{remedy}={v:g}": {remedy: v} for v in values}
    cb = (lambda e: on_progress(0, 1, e)) if on_progress else None
    result = _train_batched(dataset, named, on_epoch=cb, export=False, **config)
    return [{"strength": v, **result[n].metrics} for v, n in zip(values, named)]


def rank(variants: dict) -> list[dict]:
    """Summary rows, best validation accuracy first, smaller gap breaking ties."""
    rows = [{"variant": n, **{k: v.metrics[k] for k in ("val_accuracy", "train_accuracy", "accuracy_gap", "loss_gap",
                                                      "weight_norm", "near_zero", "epochs_run")}} for n, v in variants.items()]
    return sorted(rows, key=lambda r: (-r["val_accuracy"], r["accuracy_gap"]))
