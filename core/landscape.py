"""The loss landscape around trained weights, after Li et al. 2018, "Visualizing the Loss
Landscape of Neural Nets": theta(a, b) = theta* + a d1 + b d2 with random directions,
filter-normalized (each filter of d scaled to the norm of the same filter of theta*),
layer-normalized or raw, or the top two PCA directions of the training trajectory. As in that
paper's code, biases and batch-norm parameters are left out of the directions (zeroed).

The grid is evaluated in chunks of many points at once with torch.func (functional_call under
vmap), not as a Python loop of forward passes; chunks are sized to fit memory and cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from core.data import Dataset
from core.errors import ConfigError
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


def _names(model):
    return [n for n, _ in model.named_parameters()]


def flat(model) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def unflatten(model, vec: torch.Tensor) -> dict:
    out, i = {}, 0
    for n, p in model.named_parameters():
        out[n] = vec[..., i: i + p.numel()].reshape(*vec.shape[:-1], *p.shape)
        i += p.numel()
    return out


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


def _criterion(task: str):
    if task == "regression":
        return lambda out, y: ((out - y) ** 2).mean(dim=(-2, -1))
    def cross_entropy(out, y):  # out (C, N[, T], classes), y (N[, T]) -> (C,)
        flat_out = out.reshape(out.shape[0], -1, out.shape[-1])
        target = y.reshape(1, -1).expand(out.shape[0], -1)
        return nn.functional.cross_entropy(flat_out.transpose(1, 2), target, reduction="none").mean(-1)
    return cross_entropy


def _accuracy(out, y):
    return (out.argmax(-1) == y).float().reshape(out.shape[0], -1).mean(-1)


def _chunk_size(n_points: int, widest: int, budget_floats: float = 2e6) -> int:
    """Grid points per vmap call so one chunk's activations stay near 8 MB (cache-sized on a CPU)."""
    return int(max(1, min(4096, budget_floats // max(1, n_points * widest))))


def _vmap_forward(model, thetas: torch.Tensor, X) -> torch.Tensor:
    """Outputs (C, N, ...) of the model under each row of thetas (C, P) as its parameters."""
    buffers = dict(model.named_buffers())
    return vmap(lambda params: functional_call(model, (params, buffers), (X,)))(unflatten(model, thetas))


def _score(outputs, y, task: str):
    """(loss, accuracy) over an iterable of chunk outputs (C, N, ...); accuracy NaN for regression."""
    crit, losses, accs = _criterion(task), [], []
    with torch.no_grad():
        for out in outputs:
            losses.append(crit(out, y))
            if task != "regression":
                accs.append(_accuracy(out, y))
    loss = torch.cat(losses)
    return loss, (torch.cat(accs) if accs else torch.full_like(loss, float("nan")))


def _mlp_chunk(model, parts, a, b, X, first):
    """An MLP on C grid points at once, using that every weight is affine in (a, b):
    W(a, b) = W* + a D1 + b D2. The first layer's products with the shared input are computed
    once (``first``: (3, N * width)) and mixed by one small matmul; hidden layers are batched
    matmuls; a last layer with few outputs is one shared matmul against [W*; D1; D2].
    BatchNorm uses its running statistics; dropout is the identity in eval mode."""
    C = len(a)
    coef = torch.stack([torch.ones_like(a), a, b], 1)  # (C, 3)
    ab = lambda t: torch.tensordot(coef, torch.stack(t), dims=1)  # noqa: E731  (C, *shape)
    h = None
    last = len(model.net) - 1
    for i, layer in enumerate(model.net):
        if isinstance(layer, nn.Linear):
            W, B = parts[f"net.{i}.weight"], parts[f"net.{i}.bias"]
            k = W[0].shape[0]
            if h is None:  # the bias is folded into ``first``
                h = (coef @ first).reshape(C, len(X), k)
            elif i == last and k <= 16:
                out = (h.reshape(-1, h.shape[-1]) @ torch.cat(W).T).reshape(C, -1, 3 * k)
                h = torch.einsum("cnjk,cj->cnk", out.reshape(C, -1, 3, k), coef).add_(ab(B)[:, None, :])
            else:
                h = torch.bmm(h, ab(parts[f"net.{i}.weight_t"])).add_(ab(B)[:, None, :])  # (C, N, out)
        elif isinstance(layer, nn.BatchNorm1d):
            norm = (h - layer.running_mean) / torch.sqrt(layer.running_var + layer.eps)
            h = norm * ab(parts[f"net.{i}.weight"])[:, None, :] + ab(parts[f"net.{i}.bias"])[:, None, :]
        elif isinstance(layer, nn.ReLU):
            h = h.relu_()
        elif not isinstance(layer, nn.Dropout):
            h = layer(h)
    return h


def evaluate_plane(model, center, d1, d2, a, b, X, y, task: str, chunk: int | None = None):
    """(loss, accuracy) at each point center + a[k] d1 + b[k] d2, many points per call.

    MLPs take an exact fast path (see _mlp_chunk); any other model goes through
    torch.func.functional_call under vmap. Chunks keep each call's activations near 8 MB."""
    from core.models import MLP

    model.eval()
    chunk = chunk or _chunk_size(len(X), max(p.shape[0] for p in model.parameters()))
    fast = isinstance(model, MLP)
    if fast:
        parts = {n: (t0, t1, t2) for n, t0, t1, t2 in zip(_names(model), *(unflatten(model, v).values() for v in (center, d1, d2)))}
        parts.update({f"{n[:-len('weight')]}weight_t": tuple(w.T.contiguous() for w in t) for n, t in list(parts.items())
                      if n.endswith("weight") and t[0].dim() == 2})
        # the first layer's pre-activations for W*, D1 and D2 (biases folded in): (3, N * width), shared
        first = torch.stack([(X @ w.T + bias).reshape(-1) for w, bias in zip(parts["net.0.weight"], parts["net.0.bias"])])

    def outputs():
        for i in range(0, len(a), chunk):
            ac, bc = a[i: i + chunk, None], b[i: i + chunk, None]
            if fast:
                yield _mlp_chunk(model, parts, ac[:, 0], bc[:, 0], X, first)
            else:  # the chunk's parameter rows only: the whole grid never sits in memory at once
                yield _vmap_forward(model, center[None] + ac * d1[None] + bc * d2[None], X)
    return _score(outputs(), y, task)


def evaluate_grid(model, thetas: torch.Tensor, X, y, task: str, chunk: int | None = None):
    """(loss, accuracy) for arbitrary parameter rows thetas (G, P), through vmap in chunks."""
    model.eval()
    chunk = chunk or _chunk_size(len(X), max(p.shape[0] for p in model.parameters()))
    return _score((_vmap_forward(model, thetas[i: i + chunk], X) for i in range(0, len(thetas), chunk)), y, task)


def evaluate_loop(model, thetas: torch.Tensor, X: torch.Tensor, y: torch.Tensor, task: str):
    """The same, one forward pass per grid point: the reference and the benchmark's baseline."""
    model.eval()
    buffers = dict(model.named_buffers())
    crit = _criterion(task)
    losses, accs = [], []
    with torch.no_grad():
        for t in thetas:
            out = functional_call(model, (unflatten(model, t), buffers), (X,))
            losses.append(crit(out[None], y)[0])
            accs.append((out.argmax(-1) == y).float().mean() if task != "regression" else torch.tensor(float("nan")))
    return torch.stack(losses), torch.stack(accs)


def _check(method, resolution, span):
    if method not in METHODS:
        raise ConfigError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    if not (isinstance(resolution, int) and 3 <= resolution <= MAX_RESOLUTION):
        raise ConfigError(f"Resolution must be a whole number from 3 to {MAX_RESOLUTION}, got {resolution!r}.")
    if not (np.isfinite(span) and 0 < span <= MAX_SPAN):
        raise ConfigError(f"Span must be above 0 and at most {MAX_SPAN}, got {span!r}.")


def surface(model, dataset: Dataset, method: str = "filter", resolution: int = 51, span: float = 1.0, seed: int = 0,
            trajectory: np.ndarray | None = None, device: str = "auto", max_points: int = 2000) -> Surface:
    """Training loss and validation accuracy on the plane theta* + a d1 + b d2, a and b in [-span, span].

    The loss uses at most ``max_points`` training samples (the first ones of the split).
    """
    _check(method, resolution, span)
    model = model.cpu().eval()
    dev = resolve_device(device)
    center = flat(model)
    explained = None
    if method == "pca":
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
    Xv, yv = (torch.as_tensor(v, device=dev) for v in (dataset.X_val, dataset.y_val))
    try:
        loss, _ = evaluate_plane(m, c, e1, e2, a, b, Xt, yt, dataset.task)
        _, acc = evaluate_plane(m, c, e1, e2, a, b, Xv, yv, dataset.task)
        zero = torch.zeros(1, device=dev)
        c_loss, _ = evaluate_plane(m, c, e1, e2, zero, zero, Xt, yt, dataset.task)
    finally:
        model.cpu()
    loss = loss.cpu().numpy().reshape(resolution, resolution).astype(np.float64)
    loss[~np.isfinite(loss)] = np.nan
    return Surface(alphas, betas, loss, acc.cpu().numpy().reshape(resolution, resolution), [d1.numpy(), d2.numpy()],
                   method, coords, explained, err, float(c_loss[0]))


def slice_1d(model, dataset: Dataset, direction: str = "filter", points: int = 51, span: float = 1.0, seed: int = 0,
             initial: np.ndarray | None = None, max_points: int = 2000) -> dict:
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
        _check(direction, 3, span)
        origin, d = center, random_directions(model, direction, seed)[0]
        alphas = np.linspace(-span, span, points)
    a = torch.as_tensor(alphas, dtype=torch.float32)
    zero, none = torch.zeros_like(a), torch.zeros_like(d)
    Xt, yt = torch.as_tensor(dataset.X_train[:max_points]), torch.as_tensor(dataset.y_train[:max_points])
    loss, _ = evaluate_plane(model, origin, d, none, a, zero, Xt, yt, dataset.task)
    _, acc = evaluate_plane(model, origin, d, none, a, zero, torch.as_tensor(dataset.X_val),
                            torch.as_tensor(dataset.y_val), dataset.task)
    return {"alphas": alphas, "loss": loss.numpy(), "accuracy": acc.numpy(), "direction": direction}


def load_flat(model, vec: np.ndarray):
    """Set the model's parameters from one flat vector (a trajectory row)."""
    with torch.no_grad():
        for (n, p), v in zip(model.named_parameters(), unflatten(model, torch.as_tensor(vec, dtype=torch.float32)).values()):
            p.copy_(v)
    return model
