"""Loss and accuracy of one model at many points of its weight space at once.

Never a Python loop of forward passes (except ``evaluate_loop``, the reference): MLPs go through
batched matmuls on weights that are affine in the plane's coordinates, any other model through
torch.func (functional_call under vmap); chunks are sized to fit the CPU's cache or the GPU's
memory.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from core import losses
from core.params import names, unflatten


def _chunk_size(n_points: int, widest: int, budget_floats: float, threads: int = 1) -> int:
    """Grid points per call so one chunk's activations stay near ``budget_floats`` floats; a
    multiple of ``threads`` where possible, as a CPU splits a batched matmul by batch entries
    (measured on 2 cores: chunks of 3 or 5 points ran 20-30% slower than 2, 4 or 6)."""
    c = int(max(1, min(4096, budget_floats // max(1, n_points * widest))))
    return c // threads * threads if c >= threads else c


# On a CPU the MLP path keeps a chunk's activations near 3 MB, inside the 2-core CPU's L2/L3
# cache: measured there, batched matmuls run at ~180 GFLOP/s with 4 grid points of 2,000 x 64
# and at ~110 GFLOP/s with 16, whose activations spill to memory. A GPU wants the opposite: few,
# large calls, bounded by its free memory.
MLP_BUDGET_FLOATS = 8e5
VMAP_BUDGET_FLOATS = 2e6
GPU_MAX_FLOATS = 2**28  # 1 GiB of float32 activations per call at most


def _threads(device: torch.device) -> int:
    return torch.get_num_threads() if device.type == "cpu" else 1


def _budget(device: torch.device, mlp: bool) -> float:
    """Floats of activations one chunk may hold on this device."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return float(min(GPU_MAX_FLOATS, free / 4 / 8))  # an eighth of free memory: room for copies
    return MLP_BUDGET_FLOATS if mlp else VMAP_BUDGET_FLOATS


def _vmap_forward(model, thetas: torch.Tensor, X) -> torch.Tensor:
    """Outputs (C, N, ...) of the model under each row of thetas (C, P) as its parameters."""
    buffers = dict(model.named_buffers())
    return vmap(lambda params: functional_call(model, (params, buffers), (X,)))(unflatten(model, thetas))


def _score(outputs, y, task: str, split: int | None = None, loss: str | None = None):
    """(loss, accuracy) over an iterable of chunk outputs (C, N, ...); accuracy NaN for regression.
    With ``split``, the loss is over samples [:split] and the accuracy over [split:]. ``loss`` names
    the loss (core.losses; None: the task's default)."""
    crit, values, accs = losses.per_model(loss, task), [], []
    y_loss, y_acc = (y, y) if split is None else (y[:split], y[split:])
    with torch.no_grad():
        for out in outputs:
            o_loss, o_acc = (out, out) if split is None else (out[:, :split], out[:, split:])
            values.append(crit(o_loss, y_loss))
            if task != "regression":
                accs.append(losses.accuracy(o_acc, y_acc))
    loss = torch.cat(values)
    return loss, (torch.cat(accs) if accs else torch.full_like(loss, float("nan")))


def _mlp_parts(model, center, d1, d2) -> dict:
    """Each parameter as a stack (3, *shape) of [theta*, d1, d2]: theta(a, b) = [1, a, b] @ stack."""
    views = [unflatten(model, v) for v in (center, d1, d2)]
    return {n: torch.stack([v[n] for v in views]) for n in names(model)}


def _tanh_as_sigmoid(model, parts: dict) -> dict | None:
    """The same MLP written with sigmoids, for a tanh MLP without BatchNorm; else None.

    tanh(z) = 2 sigmoid(2z) - 1, so a Linear (W, b) whose input is a tanh becomes (2W, b - W 1)
    on the sigmoid's output, and one whose output goes into a tanh is doubled: exact, and linear
    in the parameters, so it applies to the stacked [theta*; d1; d2] as it does to one model.
    On the 2-core CPU sigmoid_ costs 0.26 ns an element in place, NumPy's tanh 0.38 and
    torch.tanh 1.8: the activations are a third of a tanh surface's time."""
    acts = [m for m in model.net if not isinstance(m, (nn.Linear, nn.Dropout))]
    if not acts or not all(isinstance(m, nn.Tanh) for m in acts):
        return None
    linears = [i for i, m in enumerate(model.net) if isinstance(m, nn.Linear)]
    out = dict(parts)
    for k, i in enumerate(linears):
        W, b = parts[f"net.{i}.weight"], parts[f"net.{i}.bias"]  # (3, out, in), (3, out)
        if k > 0:  # its input is tanh(z) = 2 s - 1
            W, b = 2 * W, b - W.sum(-1)
        if k < len(linears) - 1:  # its output goes into a tanh: the sigmoid of twice it
            W, b = 2 * W, 2 * b
        out[f"net.{i}.weight"], out[f"net.{i}.bias"] = W, b
    return out


def _inplace(layer, h: torch.Tensor, sigmoid_for_tanh: bool = False) -> torch.Tensor | None:
    """The activation applied to ``h`` in place, or None where there is no in-place form. On a
    CPU, tanh goes through NumPy's vectorised tanh: measured on the 2-core CPU, torch.tanh costs
    1.7-2.8 ns an element there against 0.4 ns for NumPy, and a tanh MLP's surface spends most of
    its time in it."""
    if isinstance(layer, nn.ReLU):
        return h.relu_()
    if isinstance(layer, nn.Tanh):
        if sigmoid_for_tanh:
            return h.sigmoid_()
        if h.device.type == "cpu" and h.is_contiguous():
            np.tanh(h.numpy(), out=h.numpy())
            return h
        return h.tanh_()
    if isinstance(layer, nn.Sigmoid):
        return h.sigmoid_()
    return None


def _mlp_chunk(model, params, XT, out=None, work=None, sigmoid_for_tanh: bool = False):
    """An MLP at C grid points at once: ``params`` holds each parameter for the chunk, (C, *shape).
    Activations are kept feature-major, (C, features, N), so each Linear is one batched matmul
    W @ h with the bias added in the same call, and a last layer with few outputs stays a wide,
    fast product. Returns the outputs (C, out, N), written into ``out`` when given. ``work`` maps
    a hidden Linear's index to a buffer (at least C, width, N) its output is written into: fresh
    buffers of a few MB each cost page faults on every chunk (measured: 78 against 175 GFLOP/s
    for the batched matmul). BatchNorm uses its running statistics; dropout is the identity in
    eval mode. ``sigmoid_for_tanh``: the parameters are _tanh_as_sigmoid's, so Tanh runs as sigmoid."""
    C = len(next(iter(params.values())))
    h = XT.expand(C, *XT.shape)  # the shared input, (C, in, N) without a copy
    last = len(model.net) - 1
    work = work or {}
    for i, layer in enumerate(model.net):
        if isinstance(layer, nn.Linear):
            bias, weight = params[f"net.{i}.bias"][:, :, None], params[f"net.{i}.weight"]
            dest = out if i == last else (work[i][:C] if i in work else None)
            h = torch.baddbmm(bias, weight, h) if dest is None else torch.baddbmm(bias, weight, h, out=dest)
        elif isinstance(layer, nn.BatchNorm1d):  # eval mode: an affine map per feature
            scale = params[f"net.{i}.weight"] * torch.rsqrt(layer.running_var + layer.eps)
            shift = params[f"net.{i}.bias"] - layer.running_mean * scale
            h = h.mul_(scale[:, :, None]).add_(shift[:, :, None])
        elif not isinstance(layer, nn.Dropout):
            done = _inplace(layer, h, sigmoid_for_tanh)
            h = layer(h) if done is None else done
    return h


def _mlp_outputs(model, center, d1, d2, a, b, X, chunk: int, budget_floats: float = 2e6):
    """Outputs (S, N, out) of an MLP over the plane, a block of S grid points at a time (S a
    multiple of ``chunk``; the block's outputs and its parameters each near ``budget_floats``,
    at least one chunk). Every parameter is affine in
    (a, b), theta(a, b) = [1, a, b] @ [theta*; d1; d2], so a block gets all its parameters from
    one small matmul per tensor; its chunks are views of those, and write into one output buffer
    that is then scored in one go."""
    parts = _mlp_parts(model, center, d1, d2)
    folded = _tanh_as_sigmoid(model, parts)
    parts = folded or parts
    XT = X.T.contiguous()
    k = model.net[-1].out_features
    per_point = max(k * len(X), len(center))
    block = max(1, int(budget_floats // per_point // chunk)) * chunk
    work = {  # one buffer per hidden Linear, reused by every chunk
        i: torch.empty(chunk, layer.out_features, len(X), dtype=X.dtype, device=X.device)
        for i, layer in enumerate(model.net[:-1])
        if isinstance(layer, nn.Linear)
    }
    for s in range(0, len(a), block):
        ab, bb = a[s : s + block], b[s : s + block]
        coef = torch.stack([torch.ones_like(ab), ab, bb], 1)  # (S, 3)
        blocks = {n: torch.tensordot(coef, t, dims=1) for n, t in parts.items()}  # (S, *shape)
        out = torch.empty(len(ab), k, len(X), dtype=X.dtype, device=X.device)
        for i in range(0, len(ab), chunk):
            _mlp_chunk(
                model,
                {n: t[i : i + chunk] for n, t in blocks.items()},
                XT,
                out[i : i + chunk],
                work,
                folded is not None,
            )
        yield out.transpose(1, 2)


def _reporting(outputs, total: int, on_progress):
    """The chunk outputs, calling on_progress(points done, total) after each."""
    done = 0
    for out in outputs:
        yield out
        done += out.shape[0]
        on_progress(done, total)


def evaluate_plane(
    model,
    center,
    d1,
    d2,
    a,
    b,
    X,
    y,
    task: str,
    chunk: int | None = None,
    split: int | None = None,
    on_progress=None,
    loss: str | None = None,
):
    """(loss, accuracy) at each point center + a[k] d1 + b[k] d2, many points per call.
    With ``split``, the loss is over samples [:split] and the accuracy over [split:] (one pass
    over training and validation samples together).

    MLPs take an exact fast path (see _mlp_outputs); any other model goes through
    torch.func.functional_call under vmap. Chunks are sized to stay in cache (MLP) or near 8 MB."""
    from core.models import MLP

    model.eval()
    widest = max(p.shape[0] for p in model.parameters())
    mlp = isinstance(model, MLP)
    chunk = chunk or _chunk_size(len(X), widest, _budget(X.device, mlp), _threads(X.device))
    with torch.no_grad():
        if mlp:
            outputs = _mlp_outputs(model, center, d1, d2, a, b, X, chunk)
        else:  # the chunk's parameter rows only: the whole grid never sits in memory at once
            outputs = (
                _vmap_forward(
                    model, center[None] + a[i : i + chunk, None] * d1[None] + b[i : i + chunk, None] * d2[None], X
                )
                for i in range(0, len(a), chunk)
            )
        if on_progress is not None:
            outputs = _reporting(outputs, len(a), on_progress)
        return _score(outputs, y, task, split, loss)


def evaluate_grid(model, thetas: torch.Tensor, X, y, task: str, chunk: int | None = None, loss: str | None = None):
    """(loss, accuracy) for arbitrary parameter rows thetas (G, P), through vmap in chunks."""
    model.eval()
    widest = max(p.shape[0] for p in model.parameters())
    chunk = chunk or _chunk_size(len(X), widest, _budget(X.device, False), _threads(X.device))
    return _score(
        (_vmap_forward(model, thetas[i : i + chunk], X) for i in range(0, len(thetas), chunk)), y, task, loss=loss
    )


def evaluate_loop(model, thetas: torch.Tensor, X: torch.Tensor, y: torch.Tensor, task: str, loss: str | None = None):
    """The same, one forward pass per grid point: the reference and the benchmark's baseline."""
    model.eval()
    buffers = dict(model.named_buffers())
    crit = losses.per_model(loss, task)
    values, accs = [], []
    with torch.no_grad():
        for t in thetas:
            out = functional_call(model, (unflatten(model, t), buffers), (X,))
            values.append(crit(out[None], y)[0])
            accs.append(losses.accuracy(out[None], y)[0] if task != "regression" else torch.tensor(float("nan")))
    return torch.stack(values), torch.stack(accs)
