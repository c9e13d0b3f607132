"""Backpropagation by hand, one number at a time, for a small fully connected network.

The chain rule layer by layer, as the articles derive it (Rumelhart, Hinton & Williams 1986):
forward z = W a + b, a = f(z); backward delta = dL/da * f'(z), dL/dW = delta a_prev^T,
dL/db = delta, dL/da_prev = W^T delta; update theta <- theta - lr * grad. Computed with NumPy:
autograd is the check (``autograd_grads``), never the method.
"""

from __future__ import annotations

import numpy as np
import torch

from core.errors import ConfigError

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
LOSSES = ("mse", "cross_entropy")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return z.copy()


def derivative(name: str, z: np.ndarray) -> np.ndarray:
    """f'(z): sigmoid s(1-s), tanh 1-tanh^2, ReLU 1 where z > 0 (0 at 0, as PyTorch), linear 1."""
    if name == "sigmoid":
        s = _sigmoid(z)
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(float)
    return np.ones_like(z)


def _check(params, x, y, activation, loss, output_activation, lr):
    if activation not in ACTIVATIONS or (output_activation or "linear") not in ACTIVATIONS:
        raise ConfigError(f"Activations must be one of {ACTIVATIONS}.")
    if loss not in LOSSES:
        raise ConfigError(f"Loss must be 'mse' or 'cross_entropy', got {loss!r}.")
    if not np.isfinite(lr):
        raise ConfigError("The learning rate must be a finite number.")
    width = len(x)
    for i, (W, b) in enumerate(params):
        if W.ndim != 2 or W.shape[1] != width or b.shape != (W.shape[0],):
            raise ConfigError(f"Layer {i + 1}: W must be (outputs x {width}) and b (outputs,); got W {W.shape}, b {b.shape}.")
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ConfigError(f"Layer {i + 1} holds a value that is not a finite number.")
        width = W.shape[0]
    if not np.isfinite(x).all():
        raise ConfigError("The input holds a value that is not a finite number.")
    if loss == "mse" and np.shape(y) != (width,):
        raise ConfigError(f"The target must have {width} values (one per output unit), got {np.size(y)}.")
    if loss == "cross_entropy":
        if np.ndim(y) != 0 and np.size(y) != 1 or not float(np.ravel(y)[0]).is_integer() or not 0 <= int(np.ravel(y)[0]) < width:
            raise ConfigError(f"For cross-entropy the target is one class index from 0 to {width - 1}.")


def forward(params, x, activation, output_activation=None):
    """zs[l] and activations[l] per layer; activations[0] is the input."""
    a, zs, acts = np.asarray(x, float), [], [np.asarray(x, float)]
    for i, (W, b) in enumerate(params):
        z = W @ a + b
        f = activation if i < len(params) - 1 else (output_activation or "linear")
        a = activate(f, z)
        zs.append(z)
        acts.append(a)
    return zs, acts


def loss_value(out, y, loss) -> tuple[float, np.ndarray]:
    """The loss and dL/d(output). MSE: mean over output units; cross-entropy on logits, class index y."""
    if loss == "mse":
        diff = out - y
        return float(np.mean(diff ** 2)), 2 * diff / out.size
    z = out - out.max()
    p = np.exp(z) / np.exp(z).sum()
    k = int(np.ravel(y)[0])
    onehot = np.eye(out.size)[k]
    return float(-np.log(p[k])), p - onehot


def step(params, x, y, activation: str = "sigmoid", loss: str = "mse", lr: float = 0.1,
         output_activation: str | None = None) -> dict:
    """One step of gradient descent with every intermediate.

    Returns zs, activations, loss, dL_da (per layer, w.r.t. that layer's output), deltas, grads
    [(dW, db)] and params (updated, theta - lr * grad).
    """
    params = [(np.asarray(W, float), np.asarray(b, float)) for W, b in params]
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    _check(params, x, y, activation, loss, output_activation, lr)
    zs, acts = forward(params, x, activation, output_activation)
    L, dout = loss_value(acts[-1], y, loss)
    n = len(params)
    dL_da, deltas, grads = [None] * n, [None] * n, [None] * n
    da = dout
    for i in reversed(range(n)):
        f = activation if i < n - 1 else (output_activation or "linear")
        dL_da[i] = da
        delta = da * derivative(f, zs[i])
        deltas[i] = delta
        grads[i] = (np.outer(delta, acts[i]), delta.copy())
        da = params[i][0].T @ delta
    new = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads)]
    return {"zs": zs, "activations": acts, "output": acts[-1], "loss": L, "dL_da": dL_da, "deltas": deltas,
            "grads": grads, "params": new, "lr": lr}


def loss_of(params, x, y, activation, loss, output_activation=None) -> float:
    _, acts = forward(params, x, activation, output_activation)
    return loss_value(acts[-1], np.asarray(y, float), loss)[0]


def autograd_grads(params, x, y, activation, loss, output_activation=None):
    """The same gradients from PyTorch autograd in float64 (nn.MSELoss / nn.CrossEntropyLoss)."""
    fns = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
    ps = [(torch.tensor(W, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True))
          for W, b in params]
    a = torch.tensor(x, dtype=torch.float64)
    for i, (W, b) in enumerate(ps):
        f = activation if i < len(ps) - 1 else (output_activation or "linear")
        a = fns[f](W @ a + b)
    if loss == "mse":
        L = torch.nn.MSELoss()(a, torch.tensor(y, dtype=torch.float64))
    else:
        L = torch.nn.CrossEntropyLoss()(a[None], torch.tensor([int(np.ravel(y)[0])]))
    L.backward()
    return float(L.detach()), [(W.grad.numpy(), b.grad.numpy()) for W, b in ps]


def numeric_grads(params, x, y, activation, loss, output_activation=None, eps: float = 1e-6):
    """Central finite differences (L(theta + eps) - L(theta - eps)) / (2 eps), one parameter at a time."""
    params = [(np.array(W, float), np.array(b, float)) for W, b in params]
    out = []
    for W, b in params:
        gs = []
        for t in (W, b):
            g = np.zeros_like(t)
            for idx in np.ndindex(t.shape):
                old = t[idx]
                t[idx] = old + eps
                up = loss_of(params, x, y, activation, loss, output_activation)
                t[idx] = old - eps
                down = loss_of(params, x, y, activation, loss, output_activation)
                t[idx] = old
                g[idx] = (up - down) / (2 * eps)
            gs.append(g)
        out.append(tuple(gs))
    return out


def max_difference(a, b) -> float:
    return float(max(np.max(np.abs(x - y)) for pa, pb in zip(a, b) for x, y in zip(pa, pb)))


def run_steps(params, x, y, activation, loss, lr, steps: int, output_activation=None) -> dict:
    """N steps of gradient descent: loss before each step, every parameter after each, grad norm per layer."""
    if not 1 <= steps <= 5000:
        raise ConfigError(f"Steps must be 1 to 5000, got {steps}.")
    losses, history, norms = [], [], []
    for _ in range(steps):
        r = step(params, x, y, activation, loss, lr, output_activation)
        losses.append(r["loss"])
        norms.append([float(np.sqrt((dW ** 2).sum() + (db ** 2).sum())) for dW, db in r["grads"]])
        params = r["params"]
        history.append(np.concatenate([np.concatenate([W.ravel(), b.ravel()]) for W, b in params]))
    return {"loss": losses, "params": np.stack(history), "grad_norms": np.array(norms), "final": params}


def random_params(sizes, seed: int = 0, scale: float = 1.0):
    """Layers for sizes [inputs, hidden..., outputs], uniform in +-scale/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)
    return [(rng.uniform(-1, 1, (o, i)) * scale / np.sqrt(i), rng.uniform(-1, 1, o) * scale / np.sqrt(i))
            for i, o in zip(sizes[:-1], sizes[1:])]


def layer_gradient_norms(depth: int, width: int, activation: str, seed: int = 0) -> list[float]:
    """||dL/dW|| of each layer of a deep stack on one sample: vanishing gradients made visible."""
    sizes = [width] * (depth + 1) + [1]
    rng = np.random.default_rng(seed)
    r = step(random_params(sizes, seed, scale=np.sqrt(3)), rng.normal(size=width), np.ones(1), activation, "mse", 0.0)
    return [float(np.linalg.norm(dW)) for dW, _ in r["grads"]]
