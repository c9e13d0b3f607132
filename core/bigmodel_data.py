"""Regression data with a known answer for the articles' BigModel (1000-200-100-1, ReLU, MSE).

The article (002, section 4) trains its BigModel on 1,000-feature inputs and runs it on
``randn(1, 1000)`` but never says what it learns. Here inputs are x ~ N(0, I_1000) and the target
is a fixed, seeded linear rule plus noise: y = w.x + e, w ~ N(0, I) / sqrt(1000) (so w.x has unit
variance), e ~ N(0, noise^2). The best any model can reach is therefore known in closed form:
R^2* = 1 / (1 + noise^2), and the validation R^2 of a trained BigModel can be checked against it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core import data
from core.errors import DatasetError

FEATURES = 1000
RULE_SEED = 1000  # the rule w is the same for every sample seed: one task, many draws


def rule() -> np.ndarray:
    """The fixed weights w of the known answer, shape (1000,)."""
    return np.random.default_rng(RULE_SEED).normal(0, 1, FEATURES) / np.sqrt(FEATURES)


def best_r2(noise: float) -> float:
    """The ceiling of R^2 when the signal w.x has unit variance: 1 / (1 + noise^2)."""
    return 1.0 / (1.0 + noise * noise)


def load(n_samples: int = 4000, noise: float = 0.1, seed: int = 0, val_fraction: float = 0.25) -> data.Dataset:
    """The BigModel's dataset: n_samples draws of (x, w.x + e), split and validated by core.data."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or not 20 <= n_samples <= 20_000:
        raise DatasetError(f"n_samples must be a whole number from 20 to 20000, got {n_samples!r}.")
    if not (isinstance(noise, (int, float)) and np.isfinite(noise) and 0 <= noise <= 2):
        raise DatasetError(f"noise must be a number from 0 to 2, got {noise!r}.")
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n_samples, FEATURES))
    y = X @ rule() + rng.normal(0, noise, n_samples)
    # standardize=False: x is already N(0, 1), and keeping it raw keeps the rule w exact
    ds = data.from_arrays(
        X,
        y,
        task="regression",
        name="bigmodel",
        seed=seed,
        val_fraction=val_fraction,
        feature_names=[f"x{i}" for i in range(FEATURES)],
        standardize=False,
    )
    return replace(
        ds, options={"n_samples": int(n_samples), "noise": float(noise), "val_fraction": ds.options["val_fraction"]}
    )
