"""The loss landscape around trained weights, after Li et al. 2018, "Visualizing the Loss
Landscape of Neural Nets": theta(a, b) = theta* + a d1 + b d2 with random directions,
filter-normalized (each filter of d scaled to the norm of the same filter of theta*),
layer-normalized or raw, or the top two PCA directions of the training trajectory. As in that
paper's code, biases and batch-norm parameters are left out of the directions (zeroed).

The grid is evaluated many points at a time by core.grid_eval, never as a Python loop of
forward passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from core import checks, losses
from core.data import Dataset
from core.errors import ConfigError
from core.grid_eval import evaluate_grid, evaluate_loop, evaluate_plane  # noqa: F401  (part of this API)
from core.params import flat, load_flat, unflatten  # noqa: F401  (part of this API)
from core.train import resolve_device

METHODS = ("filter", "layer", "none", "pca")
MAX_RESOLUTION = 101
MAX_SPAN = 10.0


@dataclass
class Surface:
    alphas: np.ndarray  # (R,) coordinates along direction 1
    betas: np.ndarray  # (R,) coordinates along direction 2
    loss: np.ndarray  # (R, R) training loss; loss[i, j] at (alphas[i], betas[j]); NaN where not finite
    accuracy: np.ndarray  # (R, R) validation accuracy (NaN for regression)
    directions: list  # two flat direction vectors over all parameters
    method: str
    trajectory: np.ndarray | None = None  # (epochs + 1, 2) the training path projected on the plane
    explained_variance: np.ndarray | None = None  # PCA only: share of trajectory variance per direction
    reconstruction_error: float | None = None  # |start - its projection| / |start - end|: how flat the path is
    center_loss: float = float("nan")
    loss_name: str = "cross_entropy"  # the loss on the map (core.losses): the one the model was trained with


def filter_normalize(direction: list[torch.Tensor], weights: list[torch.Tensor], method: str) -> list[torch.Tensor]:
    """Scale a random direction like the weights. filter: each row (output unit / filter) of d gets
    the norm of the same row of w; layer: each tensor gets the norm of w; none: unchanged.
    Tensors with one dimension (biases, batch-norm) are zeroed, as in Li et al.'s code."""
    out = []
    for d, w in zip(direction, weights):
        if w.dim() <= 1:
            out.append(torch.zeros_like(d))
        elif method == "filter":
            dn = d.reshape(d.shape[0], -1).norm(dim=1).clamp_min(1e-12)
            wn = w.reshape(w.shape[0], -1).norm(dim=1)
            out.append(d * (wn / dn).reshape(-1, *([1] * (d.dim() - 1))))
        elif method == "layer":
            out.append(d * w.norm() / d.norm().clamp_min(1e-12))
        else:
            out.append(d)
    return out


def random_directions(model, method: str, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    weights = [p.detach() for p in model.parameters()]
    dirs = []
    for _ in range(2):
        d = [torch.randn(w.shape, generator=g) for w in weights]
        dirs.append(torch.cat([t.reshape(-1) for t in filter_normalize(d, weights, method)]))
    return dirs


def pca_directions(trajectory: np.ndarray):
    """Top two principal directions of (theta_i - theta_final), and their explained variance ratio."""
    from sklearn.decomposition import PCA

    if trajectory is None or len(trajectory) < 3:
        raise ConfigError("PCA directions need a training trajectory of at least 2 epochs; train with trajectories on.")
    M = trajectory - trajectory[-1]
    pca = PCA(n_components=2).fit(M)
    return [torch.as_tensor(c, dtype=torch.float32) for c in pca.components_], pca.explained_variance_ratio_


def path_span(trajectory: np.ndarray, margin: float = 1.1) -> float:
    """The span that shows the whole training path on its PCA plane: the largest |coordinate| of
    the projected path, times ``margin``. The surface's PCA directions and projection are the same."""
    (d1, d2), _ = pca_directions(trajectory)
    coords, _ = project(trajectory, d1, d2)
    return float(np.abs(coords).max() * margin)


def project(trajectory: np.ndarray, d1: torch.Tensor, d2: torch.Tensor):
    """Coordinates of each (theta_i - theta_final) in the plane (least squares), and the relative
    distance between the start point and its projection."""
    M = trajectory - trajectory[-1]
    A = np.stack([d1.numpy(), d2.numpy()], 1).astype(np.float64)
    coords, *_ = np.linalg.lstsq(A, M.T.astype(np.float64), rcond=None)
    coords = coords.T
    start = M[0]
    err = float(np.linalg.norm(start - A @ coords[0]) / max(np.linalg.norm(start), 1e-12))
    return coords, err


def _check(method, resolution, span, seed=0) -> tuple[int, float, int]:
    """(resolution, span, seed) checked and as int, float, int."""
    checks.choice("method", method, METHODS)
    return (
        checks.whole("Resolution", resolution, 3, MAX_RESOLUTION),
        checks.real("Span", span, 0, MAX_SPAN, open_low=True),
        checks.seed(seed),
    )


def _check_model(model, dataset):
    if not isinstance(dataset, Dataset):
        raise ConfigError(f"A surface is computed on a core.data.Dataset, got {type(dataset).__name__}.")
    if not hasattr(model, "config") or not any(True for _ in model.parameters()):
        raise ConfigError("A surface needs a model built by core.models.build.")
    model = model.cpu().eval()
    with torch.no_grad():
        checks.fits(lambda: model(torch.as_tensor(dataset.X_train[:2])), f"the dataset {dataset.name!r}")


def _check_trajectory(trajectory, n_params: int) -> np.ndarray:
    t = np.asarray(trajectory) if trajectory is not None else None
    if t is None or t.ndim != 2 or t.shape[1] != n_params or not np.issubdtype(t.dtype, np.number):
        raise ConfigError(
            f"PCA needs the model's own training path: one row of {n_params:,} parameters per "
            "epoch; train with trajectories on, or pick random directions."
        )
    if not np.isfinite(t).all():
        raise ConfigError(
            "The training path holds values that are not finite numbers; retrain, or pick random directions."
        )
    return t


def surface(
    model,
    dataset: Dataset,
    method: str = "filter",
    resolution: int = 51,
    span: float = 1.0,
    seed: int = 0,
    trajectory: np.ndarray | None = None,
    device: str = "auto",
    max_points: int = 2000,
    max_val_points: int | None = None,
    on_progress=None,
    loss: str | None = None,
) -> Surface:
    """Training loss and validation accuracy on the plane theta* + a d1 + b d2, a and b in [-span, span].

    ``loss`` is the loss the model was trained with (core.losses; None: the task's default), so
    the centre of the map is the training loss core.train reports.

    The loss uses at most ``max_points`` training samples and the accuracy at most
    ``max_val_points`` validation samples (all by default), the first ones of each split.
    ``on_progress(done, total)`` is called as grid points are finished.
    """
    resolution, span, seed = _check(method, resolution, span, seed)
    _check_model(model, dataset)
    checks.whole("max_points", max_points, 1, 10**7)
    if max_val_points is not None:
        checks.whole("max_val_points", max_val_points, 1, 10**7)
    loss = losses.resolve(loss, dataset.task)
    model = model.cpu().eval()
    dev = resolve_device(device)
    center = flat(model)
    explained = None
    if method == "pca":
        trajectory = _check_trajectory(trajectory, len(center))
        (d1, d2), explained = pca_directions(trajectory)
    else:
        d1, d2 = random_directions(model, method, seed)
    # the path is drawn on the PCA plane, which is built from it; on a random plane it collapses to a dot
    coords, err = project(trajectory, d1, d2) if method == "pca" else (None, None)
    alphas = np.linspace(-span, span, resolution)
    betas = np.linspace(-span, span, resolution)
    A, B = np.meshgrid(alphas, betas, indexing="ij")  # A[i, j] = alphas[i], B[i, j] = betas[j]
    a = torch.as_tensor(A.ravel(), dtype=torch.float32, device=dev)
    b = torch.as_tensor(B.ravel(), dtype=torch.float32, device=dev)
    c, e1, e2 = center.to(dev), d1.to(dev), d2.to(dev)
    m = model.to(dev)
    Xt, yt = (torch.as_tensor(v[:max_points], device=dev) for v in (dataset.X_train, dataset.y_train))
    Xv, yv = (torch.as_tensor(v[:max_val_points], device=dev) for v in (dataset.X_val, dataset.y_val))
    try:  # one pass: the loss over the training samples, the accuracy over the validation ones
        values, acc = evaluate_plane(
            m,
            c,
            e1,
            e2,
            a,
            b,
            torch.cat([Xt, Xv]),
            torch.cat([yt, yv]),
            dataset.task,
            split=len(Xt),
            on_progress=on_progress,
            loss=loss,
        )
        zero = torch.zeros(1, device=dev)
        c_loss, _ = evaluate_plane(m, c, e1, e2, zero, zero, Xt, yt, dataset.task, loss=loss)
    finally:
        model.cpu()
    values = values.cpu().numpy().reshape(resolution, resolution).astype(np.float64)
    values[~np.isfinite(values)] = np.nan
    return Surface(
        alphas,
        betas,
        values,
        acc.cpu().numpy().reshape(resolution, resolution),
        [d1.numpy(), d2.numpy()],
        method,
        coords,
        explained,
        err,
        float(c_loss[0]),
        loss,
    )


def sharpness(s: Surface, radius: float) -> float:
    """The epsilon-sharpness of Keskar et al. 2017 ("On Large-Batch Training..."), within this plane:
    the largest rise of the training loss over the grid points with |a|, |b| <= radius, relative
    to 1 + the centre loss, in percent. NaN cells are skipped."""
    if not 0 <= radius:
        raise ConfigError(f"The sharpness radius must be 0 or more, got {radius}.")
    A, B = np.meshgrid(s.alphas, s.betas, indexing="ij")
    box = (np.abs(A) <= radius * (1 + 1e-9)) & (np.abs(B) <= radius * (1 + 1e-9))
    inside = s.loss[box]
    top = np.nanmax(inside) if np.isfinite(inside).any() else s.center_loss
    return float((max(top, s.center_loss) - s.center_loss) / (1 + s.center_loss) * 100)


def path_fidelity(
    model, dataset: Dataset, s: Surface, trajectory: np.ndarray, epoch: int, max_points: int = 2000
) -> dict:
    """How faithful the PCA picture is at one epoch of the path: the training loss the map shows at
    that epoch's projected point, the real training loss of that epoch's weights, and how far those
    weights lie off the plane (relative to their distance from the end point; 0 = on the plane).
    The trajectory holds parameters only: buffers (batch-norm statistics) are the final model's."""
    if s.trajectory is None:
        raise ConfigError("Path fidelity needs a PCA surface, which carries the projected path.")
    model = model.cpu().eval()
    center = flat(model)
    d1, d2 = (torch.as_tensor(d, dtype=torch.float32) for d in s.directions)
    theta = torch.as_tensor(trajectory[epoch], dtype=torch.float32)
    a, b = (torch.tensor([float(v)]) for v in s.trajectory[epoch])
    zero = torch.zeros(1)
    Xt, yt = torch.as_tensor(dataset.X_train[:max_points]), torch.as_tensor(dataset.y_train[:max_points])
    plane, _ = evaluate_plane(model, center, d1, d2, a, b, Xt, yt, dataset.task, loss=s.loss_name)
    real, _ = evaluate_plane(model, theta, d1, d2, zero, zero, Xt, yt, dataset.task, loss=s.loss_name)
    offset = (theta - center).double()
    residual = offset - float(a) * d1.double() - float(b) * d2.double()
    off = float(residual.norm() / offset.norm()) if float(offset.norm()) > 0 else 0.0
    return {
        "alpha": float(a),
        "beta": float(b),
        "plane_loss": float(plane[0]),
        "real_loss": float(real[0]),
        "off_plane": off,
    }


def slice_1d(
    model,
    dataset: Dataset,
    direction: str = "filter",
    points: int = 51,
    span: float = 1.0,
    seed: int = 0,
    initial: np.ndarray | None = None,
    max_points: int = 2000,
    loss: str | None = None,
) -> dict:
    """Loss along one line. direction "filter"/"layer"/"none": theta* + a d with a in [-span, span];
    "interpolation": (1 - a) theta_0 + a theta* with a in [-0.5, 1.5] (Goodfellow et al. 2015)."""
    model = model.cpu().eval()
    center = flat(model)
    if direction == "interpolation":
        if initial is None:
            raise ConfigError("Interpolation needs the initial weights (row 0 of a training trajectory).")
        alphas = np.linspace(-0.5, 1.5, points)
        origin = torch.as_tensor(initial, dtype=torch.float32)
        d = center - origin  # (1 - a) theta_0 + a theta* = theta_0 + a (theta* - theta_0)
    else:
        _, span, seed = _check(direction, 3, span, seed)
        origin, d = center, random_directions(model, direction, seed)[0]
        alphas = np.linspace(-span, span, points)
    a = torch.as_tensor(alphas, dtype=torch.float32)
    zero, none = torch.zeros_like(a), torch.zeros_like(d)
    Xt, yt = torch.as_tensor(dataset.X_train[:max_points]), torch.as_tensor(dataset.y_train[:max_points])
    Xv, yv = torch.as_tensor(dataset.X_val), torch.as_tensor(dataset.y_val)
    values, acc = evaluate_plane(
        model,
        origin,
        d,
        none,
        a,
        zero,
        torch.cat([Xt, Xv]),
        torch.cat([yt, yv]),
        dataset.task,
        split=len(Xt),
        loss=losses.resolve(loss, dataset.task),
    )
    return {"alphas": alphas, "loss": values.numpy(), "accuracy": acc.numpy(), "direction": direction}
