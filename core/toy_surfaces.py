"""Two-parameter loss surfaces known in closed form, and the paths optimizers take across them.

The articles' linear regression (w, b under MSE on the regression set) and classic test
functions: Rosenbrock's narrow curved valley (1960), a saddle, and Himmelblau's four minima.
Paths use torch.optim itself, so they are exactly what training would do.

Grids and paths are cached by their settings, so that a page rerun on the same settings (or on
fewer steps) recomputes nothing: the arrays returned are shared and read-only.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch

from core import optimizers
from core.data import load
from core.errors import ConfigError

OPTIMIZERS = tuple(optimizers.OPTIMIZERS)
MAX_STEPS = 1000
DIVERGED = 1e6  # a coordinate or loss beyond this counts as diverged
RUNS_KEPT = 64  # longest runs kept (per surface, optimizer, start and learning rate) to serve fewer steps


@dataclass(frozen=True)
class Toy:
    name: str
    formula: str  # LaTeX
    bounds: tuple  # ((xmin, xmax), (ymin, ymax)) of the plot
    start: tuple
    lr: float  # a learning rate that works for SGD
    axes: tuple = ("w1", "w2")


@functools.cache  # loss() is called once per optimizer step: load the 100 points once
def _regression_data():
    d = load("linear", seed=0, standardize=False)
    return torch.as_tensor(d.X_train[:, 0], dtype=torch.float64), torch.as_tensor(d.y_train[:, 0], dtype=torch.float64)


TOYS = {
    "regression": Toy(
        "Linear regression (w, b)",
        r"L(w, b) = \frac{1}{N}\sum_n (w x_n + b - y_n)^2",
        ((-1.0, 3.0), (-2.0, 2.0)),
        (-0.5, 1.5),
        0.05,
        ("w (weight)", "b (bias)"),
    ),
    "rosenbrock": Toy(
        "Rosenbrock valley", r"L = (1 - x)^2 + 100\,(y - x^2)^2", ((-2.0, 2.0), (-1.0, 3.0)), (-1.5, 2.0), 0.001
    ),
    "saddle": Toy("Saddle", r"L = x^2 - y^2 + \tfrac{1}{4}y^4", ((-2.0, 2.0), (-2.0, 2.0)), (1.5, 0.01), 0.05),
    "himmelblau": Toy(
        "Several minima (Himmelblau)",
        r"L = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        ((-5.0, 5.0), (-5.0, 5.0)),
        (0.0, 0.0),
        0.01,
    ),
}


def loss(name: str, x, y):
    """The toy loss on tensors or arrays of any (matching) shape."""
    if name == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2
    if name == "saddle":
        return x**2 - y**2 + 0.25 * y**4
    if name == "himmelblau":
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    if name == "regression":
        X, Y = _regression_data()
        if not torch.is_tensor(x):
            X, Y = X.numpy(), Y.numpy()
            return ((np.asarray(x)[..., None] * X + np.asarray(y)[..., None] - Y) ** 2).mean(-1)
        return ((x[..., None] * X + y[..., None] - Y) ** 2).mean(-1)
    raise ConfigError(f"Unknown surface {name!r}; choose one of {', '.join(TOYS)}.")


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


@functools.lru_cache(maxsize=32)
def grid(name: str, resolution: int = 120):
    """xs, ys and the loss L[j, i] at (xs[i], ys[j]) over the toy's plot bounds (read-only, cached)."""
    if name not in TOYS:
        raise ConfigError(f"Unknown surface {name!r}; choose one of {', '.join(TOYS)}.")
    (x0, x1), (y0, y1) = TOYS[name].bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return _frozen(xs, ys, np.asarray(loss(name, gx, gy), float))


def path(name: str, optimizer: str, start, lr: float, steps: int) -> dict:
    """The optimizer's path from ``start``: points (k+1, 2), losses (k+1,), and where it diverged
    (the step at which the loss or a coordinate left the finite range; None if it did not).
    Cached: the same settings give the same (shared, read-only) result."""
    if name not in TOYS:
        raise ConfigError(f"Unknown surface {name!r}; choose one of {', '.join(TOYS)}.")
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"Unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}.")
    if not (isinstance(steps, int) and 1 <= steps <= MAX_STEPS):
        raise ConfigError(f"Steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r}.")
    if not (np.isfinite(lr) and 0 < lr <= 100):
        raise ConfigError(f"The learning rate must be above 0 and at most 100, got {lr!r}.")
    if not np.isfinite(start).all():
        raise ConfigError("The start point must be two finite numbers.")
    return _cached_path(name, optimizer, float(start[0]), float(start[1]), float(lr), int(steps))


_runs: OrderedDict = OrderedDict()  # (name, optimizer, x, y, lr) -> the longest run computed
_runs_lock = threading.Lock()


@functools.lru_cache(maxsize=256)
def _cached_path(name: str, optimizer: str, x: float, y: float, lr: float, steps: int) -> dict:
    """A run of ``steps`` is the first ``steps`` of any longer run from the same settings (torch.optim
    is deterministic), so fewer steps are cut from the longest run kept rather than run again."""
    key = (name, optimizer, x, y, lr)
    with _runs_lock:
        run = _runs.get(key)
        if run is not None:
            _runs.move_to_end(key)
    if run is None or run["steps"] < steps:
        run = {**_run(name, optimizer, (x, y), lr, steps), "steps": steps}
        with _runs_lock:
            if key not in _runs or _runs[key]["steps"] < steps:
                _runs[key] = run
            while len(_runs) > RUNS_KEPT:
                _runs.popitem(last=False)
    d = run["diverged"]
    diverged = d if d is not None and d <= steps else None
    points, losses = (a[: steps + 1] for a in _frozen(run["points"], run["loss"]))
    return {"points": points, "loss": losses, "diverged": diverged, "optimizer": optimizer}


def _run(name: str, optimizer: str, start, lr: float, steps: int) -> dict:
    """The optimizer's path, run with torch.optim (settings checked by path())."""
    p = torch.tensor([float(start[0]), float(start[1])], dtype=torch.float64, requires_grad=True)
    opt = optimizers.make(optimizer, [p], lr)
    # the checks read Python floats: the same tests as on the tensors, without a tensor op each
    points, losses, diverged = [p.detach().numpy().copy()], [], None
    for k in range(steps + 1):
        L = loss(name, p[0], p[1])
        value = float(L.detach())
        losses.append(value)
        a, b = points[-1]
        if not math.isfinite(value) or abs(value) > DIVERGED**2 or max(abs(a), abs(b)) > DIVERGED:
            diverged = k
            break
        if k == steps:
            break
        (p.grad,) = torch.autograd.grad(L, p)  # what zero_grad() and backward() leave in p.grad, faster
        opt.step()
        points.append(p.detach().numpy().copy())
    return {"points": np.array(points), "loss": np.array(losses), "diverged": diverged, "optimizer": optimizer}


def regression_minimum():
    """The least-squares (w, b): the closed-form bottom of the regression surface."""
    X, Y = (t.numpy() for t in _regression_data())
    w, b = np.polyfit(X, Y, 1)
    return float(w), float(b)
