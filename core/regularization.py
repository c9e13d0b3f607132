"""Why models overfit and what each remedy does: variants trained side by side from the same seed.

Every variant builds the same MLP under the same seed, so its Linear layers start from the same
initial weights (dropout and batch norm add no random initial values); only the remedy differs:
L1 and L2 penalties, dropout (Srivastava et al. 2014), early stopping, batch normalization
(Ioffe & Szegedy 2015) and data augmentation by input jitter.

The comparison is scored on a held-out test split that no variant trains on and no choice is made
with: early stopping picks its epoch on the validation split, so validation accuracy flatters it
(Hastie, Tibshirani & Friedman, The Elements of Statistical Learning, §7.2: train, validation, test).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from core import losses, models
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
WHOLE = ("early_stopping", "batch_norm")  # remedies whose strength is a whole number
NEAR_ZERO = 1e-3  # |w| below this counts as zero
MAX_SWEEP_POINTS = 12
MAX_VARIANTS = 10
TEST_FRACTION = 0.25  # share of all rows held out as the test split
# variants x parameters x training rows x epochs that one press may cost: 2e10 took about a minute on the
# shared 2-core CPU (six variants of the 128-128 MLP: 1.9e8 to 2.2e8 per second on 500 and 900 training rows)
MAX_COST = 2e10
CROSS_ENTROPY = losses.single("cross_entropy", "classification")


@dataclass(frozen=True)
class Splits:
    """Train, validation and test rows of one dataset, the test rows held out from everything."""

    data: Dataset  # train split (weights are fitted on it) and validation split (early stopping chooses with it)
    X_test: np.ndarray  # (N_test, features) float32, standardized with the train split's mean and std
    y_test: np.ndarray  # (N_test,) int64 classes: scored once per variant, after training, never chosen with

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(train, validation, test) row counts."""
        return len(self.data.X_train), len(self.data.X_val), len(self.X_test)


def hold_out_test(dataset: Dataset, fraction: float = TEST_FRACTION) -> Splits:
    """Move ``fraction`` of all rows from the train split into a test split (stratified, by the dataset's seed)
    and standardize again with the remaining train rows only, so the test rows shape nothing."""
    if dataset.task != "classification":
        raise ConfigError(
            "The regularization comparison is for classification datasets; pick moons, circles, "
            "spirals, XOR, Iris or digits."
        )
    if not 0.05 <= fraction <= 0.5:
        raise ConfigError(f"The test fraction must be from 0.05 to 0.5, got {fraction!r}.")
    n_train, n_val = len(dataset.X_train), len(dataset.X_val)
    n_test = round(fraction * (n_train + n_val))
    if n_train - n_test < 10 or n_test < 2:
        raise ConfigError(
            f"{n_train + n_val} samples are too few for train, validation and test splits; use more samples."
        )
    mean = dataset.mean if dataset.mean is not None else np.zeros(dataset.n_features, np.float32)
    std = dataset.std if dataset.std is not None else np.ones(dataset.n_features, np.float32)
    raw_train, raw_val = dataset.X_train * std + mean, dataset.X_val * std + mean
    y = dataset.y_train
    stratify = y if np.bincount(y).min() >= 2 else None
    keep, test = train_test_split(np.arange(n_train), test_size=n_test, random_state=dataset.seed, stratify=stratify)
    if dataset.options.get("standardize", True):
        mean, std = raw_train[keep].mean(0), raw_train[keep].std(0)
        std = np.where(std > 1e-12, std, 1.0)  # constant columns (digits' blank border pixels) stay 0
    else:
        mean, std = np.zeros_like(mean), np.ones_like(std)
    scale = lambda X: ((X - mean) / std).astype(np.float32)
    data = replace(
        dataset,
        X_train=scale(raw_train[keep]),
        y_train=y[keep],
        X_val=scale(raw_val),
        mean=mean.astype(np.float32),
        std=std.astype(np.float32),
        options={**dataset.options, "test_fraction": fraction},
    )
    return Splits(data, scale(raw_train[test]), y[test])


@dataclass(frozen=True)
class Metrics:
    """How the weights a variant ends with (early stopping: its kept epoch's) do on each split."""

    train_accuracy: float  # fraction of train rows classified right
    val_accuracy: float  # validation rows: early stopping chose its epoch with these, so not a fair score
    test_accuracy: float  # held-out rows: the comparison's score
    train_loss: float  # mean cross-entropy on the train rows
    val_loss: float  # mean cross-entropy on the validation rows
    test_loss: float  # mean cross-entropy on the test rows
    accuracy_gap: float  # train - test accuracy: how much of the training accuracy does not carry over
    loss_gap: float  # test - train loss
    weight_norm: float  # ‖w‖₂ over every penalized weight (not biases)
    near_zero: float  # fraction of penalized weights with |w| < NEAR_ZERO
    epochs_run: int  # epochs trained (fewer than asked when early stopping fired)
    best_epoch: int  # 1-based epoch whose weights are kept
    stopped_early: bool  # True when patience ran out before the last epoch


@dataclass(frozen=True)
class Variant:
    """One trained variant: its remedies, its curves, its weights, its scores and its ONNX file."""

    name: str  # what the page calls it ("none", "L2 / weight decay", ...)
    remedies: dict  # remedy -> strength; empty for the unregularized baseline
    history: dict  # "train_loss", "val_loss", "train_acc", "val_acc": one value per epoch run
    weights: np.ndarray  # every penalized weight, flattened
    metrics: Metrics  # the kept weights on train, validation and test
    onnx: bytes = b""  # the trained variant, exported: the page draws its boundary through onnxruntime


@dataclass(frozen=True)
class SweepRow:
    """One point of a sweep: a remedy at one strength."""

    strength: float  # the strength trained with (whole numbers for early stopping's patience)
    metrics: Metrics  # its scores


@dataclass(frozen=True)
class Cost:
    """What one press would train, estimated before training: variants x parameters x rows x epochs."""

    variants: int  # models trained (a sweep trains one per strength)
    parameters: int  # weights and biases of one MLP
    rows: int  # training rows each epoch passes over
    epochs: int  # epochs asked for (early stopping may run fewer)

    @property
    def total(self) -> int:
        return self.variants * self.parameters * self.rows * self.epochs

    @property
    def over_budget(self) -> bool:
        return self.total > MAX_COST


def mlp_parameters(n_in: int, widths, n_out: int) -> int:
    """Weights and biases of the MLP in_features -> widths -> out_features."""
    sizes = [n_in, *widths, n_out]
    return sum(a * b + b for a, b in pairwise(sizes))


def cost(splits: Splits, variants: int, widths=(128, 128), epochs: int = 300) -> Cost:
    """The cost of training ``variants`` models on these splits, for the budget check before any training."""
    ds = splits.data
    return Cost(int(variants), mlp_parameters(ds.n_features, widths, ds.n_classes), len(ds.X_train), int(epochs))


def check_cost(c: Cost) -> None:
    """Refuse a run past MAX_COST, saying what to lower."""
    if c.over_budget:
        raise ConfigError(
            f"This run would cost {c.variants} variants x {c.parameters} parameters x {c.rows} training "
            f"rows x {c.epochs} epochs = {c.total:.2g}, over the budget of {MAX_COST:.2g}; lower the "
            "epochs, the samples or the number of variants (sweep points)."
        )


def _options(remedies: dict) -> tuple[dict, dict]:
    model, train = {}, {}
    for r, v in remedies.items():
        if r not in REMEDIES:
            raise ConfigError(f"Unknown remedy {r!r}; choose from {', '.join(REMEDIES)}.")
        lo, hi = REMEDIES[r][1]
        if not (np.isfinite(v) and lo <= v <= hi):
            raise ConfigError(f"{REMEDIES[r][0]} must be from {lo:g} to {hi:g}, got {v!r}.")
        if r in WHOLE and v != int(v):
            raise ConfigError(f"{REMEDIES[r][0]} must be a whole number, got {v!r}.")
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


def _variant(
    name: str, remedies: dict, model, history: dict, best_epoch: int, stopped: bool, export: bool, splits: Splits
) -> Variant:
    """Scores of the weights a variant ends with (for early stopping: its best epoch), and its ONNX file."""
    w = flat(penalized_weights(model)).numpy()
    b = best_epoch - 1
    model = model.cpu().eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(splits.X_test))
        y = torch.as_tensor(splits.y_test)
        test_loss, test_acc = float(CROSS_ENTROPY(logits, y)), float((logits.argmax(1) == y).float().mean())
    metrics = Metrics(
        train_accuracy=history["train_acc"][b],
        val_accuracy=history["val_acc"][b],
        test_accuracy=test_acc,
        train_loss=history["train_loss"][b],
        val_loss=history["val_loss"][b],
        test_loss=test_loss,
        accuracy_gap=history["train_acc"][b] - test_acc,
        loss_gap=test_loss - history["train_loss"][b],
        weight_norm=float(np.linalg.norm(w)),
        near_zero=float(np.mean(np.abs(w) < NEAR_ZERO)),
        epochs_run=len(history["train_loss"]),
        best_epoch=best_epoch,
        stopped_early=stopped,
    )
    onnx = to_onnx_bytes(model) if export else b""
    return Variant(name, dict(remedies), history, w, metrics, onnx)


def _check(splits) -> None:
    if not isinstance(splits, Splits):
        raise ConfigError(
            "Pass the splits of core.regularization.hold_out_test(dataset), so that a test split "
            "is held out from training and from early stopping."
        )


def train_variant(
    splits: Splits,
    name: str,
    remedies: dict,
    widths=(128, 128),
    epochs: int = 300,
    lr: float = 0.01,
    batch_size: int = 32,
    seed: int = 0,
    device: str = "auto",
    on_epoch=None,
    export: bool = True,
) -> Variant:
    """One variant with the general trainer (core.train.fit): the path for batch norm."""
    _check(splits)
    model_opts, train_opts = _options(remedies)
    ds = splits.data
    torch.manual_seed(seed)
    model = models.build(
        "mlp", in_features=ds.n_features, widths=tuple(widths), out_features=ds.n_classes, **model_opts
    )
    h = fit(
        model,
        ds,
        on_epoch=on_epoch,
        epochs=epochs,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        device=device,
        record_trajectory=False,
        **train_opts,
    )
    hist = {"train_loss": h.train_loss, "val_loss": h.val_loss, "train_acc": h.train_acc, "val_acc": h.val_acc}
    return _variant(name, remedies, model, hist, h.best_epoch, h.stopped_early, export, splits)


def _train_batched(
    splits: Splits, named: dict, on_epoch=None, export: bool = True, widths=(128, 128), **config
) -> dict:
    settings = []
    for remedies in named.values():
        model_opts, train_opts = _options(remedies)
        settings.append({**train_opts, "dropout": model_opts.get("dropout", 0.0)})
    runs = train_together(splits.data, settings, widths=widths, on_epoch=on_epoch, **config)
    return {
        name: _variant(name, remedies, r.model, r.history, r.best_epoch, r.stopped_early, export, splits)
        for (name, remedies), r in zip(named.items(), runs)
    }


def run_variants(splits: Splits, variants: dict, on_progress=None, **config) -> dict[str, Variant]:
    """Train each {name: {remedy: strength}} (an empty dict is the unregularized baseline).

    Variants without batch norm train together in one batched loop (core.batched_variants);
    batch-norm variants change the architecture and train one by one with core.train.fit."""
    _check(splits)
    if not variants:
        raise ConfigError("Pick at least one variant to train.")
    if len(variants) > MAX_VARIANTS:
        raise ConfigError(f"At most {MAX_VARIANTS} variants at once, got {len(variants)}.")
    for remedies in variants.values():
        _options(remedies)  # validate everything before any training
    check_cost(cost(splits, len(variants), config.get("widths", (128, 128)), config.get("epochs", 300)))
    together = {n: r for n, r in variants.items() if "batch_norm" not in r}
    alone = [n for n in variants if n not in together]
    parts = len(alone) + (1 if together else 0)
    out = {}
    if together:
        cb = (lambda e: on_progress(0, parts, f"{len(together)} variants together", e)) if on_progress else None
        out.update(_train_batched(splits, together, on_epoch=cb, **config))
    for i, name in enumerate(alone, start=1 if together else 0):
        cb = (lambda e, i=i, name=name: on_progress(i, parts, name, e)) if on_progress else None
        out[name] = train_variant(splits, name, variants[name], on_epoch=cb, **config)
    return {n: out[n] for n in variants}


def sweep_values(low: float, high: float, points: int, log: bool = True, whole: bool = False) -> list:
    """``points`` strengths from low to high; ``whole``: rounded to whole numbers, each kept once."""
    if not 2 <= points <= MAX_SWEEP_POINTS:
        raise ConfigError(f"A sweep has 2 to {MAX_SWEEP_POINTS} points, got {points}.")
    if not 0 < low < high:
        raise ConfigError(f"The sweep needs 0 < low < high, got {low:g} and {high:g}.")
    values = np.geomspace(low, high, points) if log else np.linspace(low, high, points)
    if not whole:
        return [float(v) for v in values]
    ints = sorted({int(np.rint(v)) for v in values})
    if len(ints) < 2:
        raise ConfigError(f"From {low:g} to {high:g} there is only one whole number to try; widen the range.")
    return ints


def sweep(splits: Splits, remedy: str, values, on_progress=None, **config) -> list[SweepRow]:
    """One remedy at each distinct strength, all trained together: train, validation and test scores."""
    _check(splits)
    if remedy == "batch_norm":
        raise ConfigError("Batch norm is on or off: it has no strength to sweep.")
    whole = remedy in WHOLE
    values = sorted({int(np.rint(v)) if whole else float(v) for v in values})  # two equal strengths would share a name
    named = {f"{remedy}={v!r}": {remedy: v} for v in values}
    check_cost(cost(splits, len(named), config.get("widths", (128, 128)), config.get("epochs", 300)))
    cb = (lambda e: on_progress(0, 1, e)) if on_progress else None
    result = _train_batched(splits, named, on_epoch=cb, export=False, **config)
    return [SweepRow(v, result[n].metrics) for v, n in zip(values, named)]


def best_of(rows: list[SweepRow]) -> SweepRow:
    """The sweep point with the best test accuracy, the smaller accuracy gap breaking ties."""
    return min(rows, key=lambda r: (-r.metrics.test_accuracy, r.metrics.accuracy_gap))


def rank(variants: dict[str, Variant]) -> list[Variant]:
    """Variants by test accuracy, best first, the smaller accuracy gap breaking ties."""
    return sorted(variants.values(), key=lambda v: (-v.metrics.test_accuracy, v.metrics.accuracy_gap))
