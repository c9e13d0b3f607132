"""Datasets, all generated or shipped offline, standardized and split by seed.

Toy 2-D sets follow TensorFlow Playground (moons, circles, spirals, XOR); Iris and the 8x8
digits ship with scikit-learn (the digits stand in for the articles' MNIST); ``linear`` is the
articles' X=[1,2,3], Y=[1,2,3] example generalised with noise; the sequence tasks train a
Transformer whose right attention pattern is known in advance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn import datasets as skd
from sklearn.model_selection import train_test_split

from core.errors import DatasetError

TABULAR = ("moons", "circles", "spirals", "xor", "iris", "digits", "linear")
SEQUENCE = ("reverse", "sort", "shift")
GENERATED = ("bigmodel",)  # generated in their own module: bigmodel -> core.bigmodel_data
NAMES = TABULAR + SEQUENCE + GENERATED
TWO_D = ("moons", "circles", "spirals", "xor")
MAX_SAMPLES = 20_000
VOCAB = 10  # sequence tokens are the digits 0..9


@dataclass(frozen=True)
class Dataset:
    """A train/validation split with everything needed to rebuild and explain it."""

    name: str
    task: str  # "classification", "regression" or "sequence"
    X_train: np.ndarray = field(repr=False)  # (N, features) float32, or (N, T) int64 tokens
    y_train: np.ndarray = field(repr=False)  # (N,) int64 classes, (N, 1) float32, or (N, T) int64
    X_val: np.ndarray = field(repr=False)
    y_val: np.ndarray = field(repr=False)
    feature_names: tuple = ()
    class_names: tuple = ()  # empty for regression
    mean: np.ndarray | None = field(default=None, repr=False)  # standardization: x_std = (x - mean) / std
    std: np.ndarray | None = field(default=None, repr=False)
    seed: int = 0
    options: dict = field(default_factory=dict)  # load(name, seed, **options) rebuilds this set

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Classes (classification), vocabulary size (sequence), 1 output (regression)."""
        if self.task == "regression":
            return 1
        return len(self.class_names)

    @property
    def is_2d(self) -> bool:
        return self.task == "classification" and self.n_features == 2

    def describe(self) -> dict:
        return {
            "name": self.name,
            "task": self.task,
            "seed": self.seed,
            "options": dict(self.options),
            "train": len(self.X_train),
            "validation": len(self.X_val),
            "features": int(self.n_features),
            "classes": int(self.n_classes),
        }


def _check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise DatasetError(f"{name} must be a whole number from {low} to {high}, got {value!r}.")
    return int(value)


def _check_float(name: str, value, low: float, high: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DatasetError(f"{name} must be a number from {low} to {high}, got {value!r}.") from None
    if not np.isfinite(v) or not low <= v <= high:
        raise DatasetError(f"{name} must be a number from {low} to {high}, got {value!r}.")
    return v


FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_TARGET = 1e18  # a regression target's square must fit float32: (1e18)^2 = 1e36 < 3.4e38


def _check_float32(feature_names, *arrays) -> None:
    """Every feature, and its standardization, must fit float32: the network computes in float32."""
    for a in arrays:
        bad = ~(np.isfinite(a) & (np.abs(a) <= FLOAT32_MAX))
        if bad.any():
            col = feature_names[int(np.argmax(np.atleast_2d(bad).any(0)))]
            raise DatasetError(
                f"Column {col!r} holds values too large for 32-bit floats (beyond ±3.4e38, or too "
                "spread out to standardize). Rescale that column (for example divide it by a "
                "power of ten) or leave it out."
            )


def _spirals(n: int, noise: float, rng: np.random.Generator):
    per = n // 2
    t = np.sqrt(rng.uniform(0, 1, per)) * 3 * np.pi  # sqrt: even density along the arm
    arms = []
    for k in range(2):
        angle = t + k * np.pi
        arms.append(np.stack([t * np.cos(angle), t * np.sin(angle)], 1) / (3 * np.pi))
    X = np.concatenate(arms) + rng.normal(0, noise, (2 * per, 2))
    y = np.repeat([0, 1], per)
    return X, y


def _xor(n: int, noise: float, rng: np.random.Generator):
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(int)
    return X + rng.normal(0, noise, X.shape), y


def _raw_tabular(name: str, n: int, noise: float, seed: int, slope: float, intercept: float):
    rng = np.random.default_rng(seed)
    if name == "moons":
        return skd.make_moons(n, noise=noise, random_state=seed), ("x1", "x2"), ("class 0", "class 1")
    if name == "circles":
        X, y = skd.make_circles(n, noise=noise, factor=0.5, random_state=seed)
        return (X, y), ("x1", "x2"), ("outer", "inner")
    if name == "spirals":
        return _spirals(n, noise, rng), ("x1", "x2"), ("arm 0", "arm 1")
    if name == "xor":
        return _xor(n, noise, rng), ("x1", "x2"), ("same sign", "opposite sign")
    if name == "iris":
        b = skd.load_iris()
        return (b.data, b.target), tuple(b.feature_names), tuple(str(c) for c in b.target_names)
    if name == "digits":
        b = skd.load_digits()
        return (b.data, b.target), tuple(f"pixel {i // 8},{i % 8}" for i in range(64)), tuple(str(d) for d in range(10))
    # linear: the articles' Y = X line, generalised: y = slope * x + intercept + noise
    x = rng.uniform(0, 4, n)
    y = slope * x + intercept + rng.normal(0, noise, n)
    return (x[:, None], y[:, None]), ("x",), ()


def _sequences(name: str, n: int, length: int, offset: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, VOCAB, (n, length))
    if name == "reverse":
        y = X[:, ::-1]
    elif name == "sort":
        y = np.sort(X, axis=1)
    else:  # shift: output i copies input (i + offset) mod T, one known source position per output
        y = np.roll(X, -offset, axis=1)
    return X.astype(np.int64), np.ascontiguousarray(y).astype(np.int64)


def expected_attention(name: str, length: int, offset: int = 2) -> np.ndarray | None:
    """The (T, T) attention a model must learn for tasks whose source position is known.

    ``reverse``: query i reads key T-1-i; ``shift``: query i reads key (i + offset) mod T.
    ``sort`` has no single right pattern, so None.
    """
    if name == "reverse":
        return np.eye(length)[::-1].copy()
    if name == "shift":
        return np.roll(np.eye(length), offset, axis=1)
    return None


def load(name: str, seed: int = 0, **options) -> Dataset:
    """Load a dataset by name; see NAMES. Options (all validated):

    n_samples (toy 2-D, linear, sequences), noise (toy 2-D, linear), val_fraction,
    standardize (tabular), slope and intercept (linear), length and offset (sequences).
    "bigmodel" (the articles' BigModel data, y = w.x + noise in 1,000 features) takes n_samples,
    noise and val_fraction and is built by core.bigmodel_data, its one home.
    """
    if name not in NAMES:
        raise DatasetError(f"Unknown dataset {name!r}. Choose one of: {', '.join(NAMES)}.")
    if name == "bigmodel":
        from core import bigmodel_data  # imports this module, so it is imported on use

        unknown = set(options) - {"n_samples", "noise", "val_fraction"}
        if unknown:
            raise DatasetError(
                f"Unknown option(s) {sorted(unknown)} for bigmodel; allowed: n_samples, noise, val_fraction."
            )
        return bigmodel_data.load(seed=_check_int("seed", seed, 0, 2**31 - 1), **options)
    allowed = {"n_samples", "noise", "val_fraction", "standardize", "slope", "intercept", "length", "offset"}
    unknown = set(options) - allowed
    if unknown:
        raise DatasetError(f"Unknown dataset option(s) {sorted(unknown)}; allowed: {sorted(allowed)}.")
    seed = _check_int("seed", seed, 0, 2**31 - 1)
    val_fraction = _check_float("val_fraction", options.get("val_fraction", 0.25), 0.05, 0.5)
    default_n = {"linear": 100, "reverse": 3000, "sort": 3000, "shift": 3000}.get(name, 400)
    n = _check_int("n_samples", options.get("n_samples", default_n), 20, MAX_SAMPLES)
    used = {"val_fraction": val_fraction}

    if name in SEQUENCE:
        length = _check_int("length", options.get("length", 8), 2, 32)
        offset = _check_int("offset", options.get("offset", 2), 1, length - 1)
        used.update(n_samples=n, length=length, offset=offset)
        X, y = _sequences(name, n, length, offset, seed)
        Xt, Xv, yt, yv = train_test_split(X, y, test_size=val_fraction, random_state=seed)
        return Dataset(
            name,
            "sequence",
            Xt,
            yt,
            Xv,
            yv,
            tuple(f"t{i}" for i in range(length)),
            tuple(str(v) for v in range(VOCAB)),
            seed=seed,
            options=used,
        )

    default_noise = {"linear": 0.1, "circles": 0.08, "spirals": 0.05, "xor": 0.05}.get(name, 0.15)
    noise = _check_float("noise", options.get("noise", default_noise), 0.0, 2.0)
    slope = _check_float("slope", options.get("slope", 1.0), -100, 100)
    intercept = _check_float("intercept", options.get("intercept", 0.0), -100, 100)
    standardize = bool(options.get("standardize", True))
    if name in TWO_D or name == "linear":
        used.update(n_samples=n, noise=noise)
    if name == "linear":
        used.update(slope=slope, intercept=intercept)
    used["standardize"] = standardize
    (X, y), feature_names, class_names = _raw_tabular(name, n, noise, seed, slope, intercept)
    task = "regression" if name == "linear" else "classification"
    return _split(
        name,
        task,
        np.asarray(X, float),
        np.asarray(y),
        feature_names,
        class_names,
        seed,
        val_fraction,
        standardize,
        used,
    )


def _split(name, task, X, y, feature_names, class_names, seed, val_fraction, standardize, options) -> Dataset:
    n_val = int(np.ceil(val_fraction * len(X)))  # what train_test_split will hold out
    if task == "classification" and n_val < len(class_names):
        raise DatasetError(
            f"The validation split would hold {n_val} rows, fewer than the {len(class_names)} classes, "
            "so not every class can be checked. Raise the validation share or the number of samples."
        )
    stratify = y if task == "classification" and np.bincount(y).min() >= 2 else None
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=val_fraction, random_state=seed, stratify=stratify)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked, column by column, just below
        mean = Xt.mean(0) if standardize else np.zeros(X.shape[1])
        std = Xt.std(0) if standardize else np.ones(X.shape[1])
        std = np.where(std > 1e-12, std, 1.0)  # constant columns (digits' blank border pixels) stay 0
        Xt, Xv = (Xt - mean) / std, (Xv - mean) / std
    _check_float32(feature_names, X, Xt, Xv, mean, std)
    if task == "classification":
        yt, yv = yt.astype(np.int64), yv.astype(np.int64)
    else:
        yt, yv = yt.astype(np.float32).reshape(-1, 1), yv.astype(np.float32).reshape(-1, 1)
    return Dataset(
        name,
        task,
        Xt.astype(np.float32),
        yt,
        Xv.astype(np.float32),
        yv,
        tuple(feature_names),
        tuple(class_names),
        mean.astype(np.float32),
        std.astype(np.float32),
        seed,
        options,
    )


def from_arrays(
    X,
    y,
    task: str = "classification",
    name: str = "custom",
    seed: int = 0,
    val_fraction: float = 0.25,
    feature_names=None,
    standardize: bool = True,
) -> Dataset:
    """A dataset from the user's own arrays (for example a CSV's columns), validated.

    Raises only DatasetError: every problem of shape, type, size or range says what to change."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise DatasetError(f"Features must be a table with one row per label: got X {X.shape}, y {y.shape}.")
    if X.shape[1] == 0:
        raise DatasetError("Pick at least one feature column: the table has none.")
    if (
        not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating))
        or not np.isfinite(X.astype(float)).all()
    ):
        raise DatasetError("Every feature value must be a finite number; remove or fill empty and text cells.")
    if not 20 <= len(X) <= MAX_SAMPLES:
        raise DatasetError(f"Need 20 to {MAX_SAMPLES} rows, got {len(X)}.")
    if task not in ("classification", "regression"):
        raise DatasetError(f"task must be 'classification' or 'regression', got {task!r}.")
    seed = _check_int("seed", seed, 0, 2**31 - 1)
    val_fraction = _check_float("val_fraction", val_fraction, 0.05, 0.5)
    feature_names = tuple(str(f) for f in feature_names) if feature_names is not None else ()
    if len(feature_names) != X.shape[1]:
        feature_names = tuple(f"x{i + 1}" for i in range(X.shape[1]))
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        what = "one target column" if task == "regression" else "one label per row"
        raise DatasetError(f"Give {what}: got labels of shape {y.shape}. Pick a single column.")
    if task == "classification":
        classes, y_idx = np.unique(y.astype(str), return_inverse=True)
        if not 2 <= len(classes) <= 50:
            raise DatasetError(f"A class label column needs 2 to 50 distinct values, found {len(classes)}.")
        y, class_names = y_idx, tuple(classes)
    else:
        try:
            y = y.astype(float)
        except (TypeError, ValueError):
            raise DatasetError("A regression target must be numeric.") from None
        if not np.isfinite(y).all():
            raise DatasetError("Every target value must be a finite number.")
        if np.abs(y).max() > MAX_TARGET:
            raise DatasetError(
                f"The target holds values beyond ±{MAX_TARGET:g}; their squared error would not fit "
                "32-bit floats. Rescale the target (for example divide it by a power of ten)."
            )
        class_names = ()
    return _split(
        name,
        task,
        X.astype(float),
        y,
        feature_names,
        class_names,
        seed,
        val_fraction,
        standardize,
        {"val_fraction": val_fraction, "standardize": standardize},
    )
