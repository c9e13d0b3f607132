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
from core.data import Dataset
from core.errors import ConfigError
from core.export import to_onnx
from core.train import fit, penalized_weights

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


def train_variant(dataset: Dataset, name: str, remedies: dict, widths=(128, 128), epochs: int = 300, lr: float = 0.01,
                  batch_size: int = 32, seed: int = 0, device: str = "auto", on_epoch=None, export: bool = True) -> Variant:
    model_opts, train_opts = _options(remedies)
    torch.manual_seed(seed)
    model = models.build("mlp", in_features=dataset.n_features, widths=tuple(widths), out_features=dataset.n_classes,
                         **model_opts)
    h = fit(model, dataset, on_epoch=on_epoch, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed, device=device,
            record_trajectory=False, **train_opts)
    w = torch.cat([p.detach().reshape(-1) for p in penalized_weights(model)]).numpy()
    b = h.best_epoch - 1  # the epoch whose weights the model holds
    metrics = {
        "train_accuracy": h.train_acc[b], "val_accuracy": h.val_acc[b], "train_loss": h.train_loss[b], "val_loss": h.val_loss[b],
        "accuracy_gap": h.train_acc[b] - h.val_acc[b], "loss_gap": h.val_loss[b] - h.train_loss[b],
        "weight_norm": float(np.linalg.norm(w)), "near_zero": float(np.mean(np.abs(w) < NEAR_ZERO)),
        "epochs_run": h.epochs, "best_epoch": h.best_epoch, "stopped_early": h.stopped_early,
    }
    onnx = b""
    if export:
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory() as d:
            onnx = Path(to_onnx(model, Path(d) / "v.onnx")).read_bytes()
    hist = {"train_loss": h.train_loss, "val_loss": h.val_loss, "train_acc": h.train_acc, "val_acc": h.val_acc}
    return Variant(name, dict(remedies), hist, w, metrics, onnx)


def run_variants(dataset: Dataset, variants: dict, on_progress=None, **config) -> dict:
    """Train each {name: {remedy: strength}} (an empty dict is the unregularized baseline)."""
    if not variants:
        raise ConfigError("Pick at least one variant to train.")
    if len(variants) > MAX_VARIANTS:
        raise ConfigError(f"At most {MAX_VARIANTS} variants at once, got {len(variants)}.")
    out = {}
    for i, (name, remedies) in enumerate(variants.items()):
        cb = (lambda e, i=i, name=name: on_progress(i, len(variants), name, e)) if on_progress else None
        out[name] = train_variant(dataset, name, remedies, on_epoch=cb, **config)
    return out


def sweep_values(low: float, high: float, points: int, log: bool = True) -> np.ndarray:
    if not 2 <= points <= MAX_SWEEP_POINTS:
        raise ConfigError(f"A sweep has 2 to {MAX_SWEEP_POINTS} points, got {points}.")
    if not 0 < low < high:
        raise ConfigError(f"The sweep needs 0 < low < high, got {low:g} and {high:g}.")
    return np.geomspace(low, high, points) if log else np.linspace(low, high, points)


def sweep(dataset: Dataset, remedy: str, values, on_progress=None, **config) -> list[dict]:
    """One remedy at each strength: validation accuracy and gaps against strength."""
    rows = []
    for i, v in enumerate(values):
        v = int(round(v)) if remedy == "early_stopping" else float(v)
        cb = (lambda e, i=i: on_progress(i, len(values), e)) if on_progress else None
        var = train_variant(dataset, f"{remedy}={v:g}", {remedy: v}, on_epoch=cb, export=False, **config)
        rows.append({"strength": v, **var.metrics})
    return rows


def rank(variants: dict) -> list[dict]:
    """Summary rows, best validation accuracy first, smaller gap breaking ties."""
    rows = [{"variant": n, **{k: v.metrics[k] for k in ("val_accuracy", "train_accuracy", "accuracy_gap", "loss_gap",
                                                      "weight_norm", "near_zero", "epochs_run")}} for n, v in variants.items()]
    return sorted(rows, key=lambda r: (-r["val_accuracy"], r["accuracy_gap"]))
