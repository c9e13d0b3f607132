"""Backpropagation by hand, one number at a time, for a small fully connected network.

The chain rule layer by layer, as the articles derive it (Rumelhart, Hinton & Williams 1986):
forward z = W a + b, a = f(z); backward delta = dL/da * f'(z), dL/dW = delta a_prev^T,
dL/db = delta, dL/da_prev = W^T delta; update theta <- theta - lr * grad. Computed with NumPy:
autograd is the check (``autograd_grads``), never the method.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True)
class Step:
    """One step of gradient descent with every intermediate (layer l of the lists is layer l + 1 on the page)."""

    zs: tuple  # z = W a_prev + b per layer, before the activation
    activations: tuple  # a = f(z) per layer; activations[0] is the input x, so one more entry than zs
    output: np.ndarray  # the network's output, activations[-1]
    loss: float  # L at the parameters before the step
    dL_da: tuple  # dL/da per layer, with respect to that layer's output
    deltas: tuple  # delta = dL/da * f'(z) per layer: dL/dz
    grads: tuple  # (dL/dW, dL/db) per layer: (delta a_prev^T, delta)
    params: tuple  # (W, b) per layer after the update theta - lr * grad
    lr: float  # the learning rate the update used


@dataclass(frozen=True)
class Run:
    """Many steps of gradient descent; a run that diverges stops and keeps the steps before it."""

    loss: np.ndarray  # (steps done,): the loss before each finished step
    params: np.ndarray  # (steps done, parameters): every parameter after each finished step, W1 b1 W2 b2 ... row-major
    grad_norms: np.ndarray  # (steps done, layers): ||(dL/dW, dL/db)|| of each layer at each finished step
    final: tuple  # (W, b) per layer after the last finished step (the start when none finished)
    requested: int  # the steps asked for
    diverged_at: int | None = (
        None  # the 1-based step whose loss, gradients or new weights were not finite; None: all ran
    )

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def done(self) -> int:
        """How many steps finished with finite numbers."""
        return len(self.loss)


def _numbers(value, what: str, ndim: int | None = None) -> np.ndarray:
    """``value`` as a float array of finite numbers, or a ConfigError naming ``what``."""
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - ragged nesting or an object NumPy cannot read: all of it is bad input
        arr = None
    if arr is None or arr.dtype.kind == "O" and arr.ndim > 0:
        raise ConfigError(
            f"{what} must be a rectangular array of plain numbers; got a ragged {type(value).__name__} "
            "or one holding something else (None, text, lists)."
        )
    if arr.dtype.kind not in "iuf":
        got = (
            "text" if arr.dtype.kind in "US" else "true/false values" if arr.dtype.kind == "b" else type(value).__name__
        )
        raise ConfigError(f"{what} must hold numbers, got {got}.")
    if ndim is not None and arr.ndim != ndim:
        shape = "a single number" if arr.ndim == 0 else f"an array of shape {arr.shape}"
        raise ConfigError(f"{what} must be {('a vector (1-D)', 'a matrix (2-D)')[ndim - 1]}, got {shape}.")
    if arr.size == 0:
        raise ConfigError(f"{what} is empty: every layer needs at least one unit.")
    arr = arr.astype(float)
    if not np.isfinite(arr).all():
        raise ConfigError(f"{what} holds a value that is not a finite number (NaN or infinity).")
    return arr


def _name(value, allowed, what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{what} must be one of {', '.join(allowed)}; got {value!r}.")
    return value


def _validate(params, x, y, activation, loss, output_activation, lr):
    """Checked, converted inputs (params, x, y, lr), or a ConfigError that says what is wrong."""
    _name(activation, ACTIVATIONS, "The hidden activation")
    _name("linear" if output_activation is None else output_activation, ACTIVATIONS, "The output activation")
    _name(loss, LOSSES, "The loss")
    try:
        rate = float(lr) if isinstance(lr, numbers.Real) and not isinstance(lr, bool) else float("nan")
    except OverflowError:  # an int too large for a float
        rate = float("inf")
    if not (np.isfinite(rate) and rate >= 0):
        raise ConfigError(f"The learning rate must be a finite number of 0 or more, got {lr!r}.")
    if not isinstance(params, (list, tuple)) or not params:
        raise ConfigError("The network must be a non-empty list of (W, b) pairs, one per layer.")
    x = _numbers(x, "The input x", ndim=1)
    width, checked = x.size, []
    for i, layer in enumerate(params):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise ConfigError(f"Layer {i + 1} must be a pair (W, b) of weights and biases.")
        W = _numbers(layer[0], f"Layer {i + 1}'s weights W", ndim=2)
        b = _numbers(layer[1], f"Layer {i + 1}'s biases b", ndim=1)
        if W.shape[1] != width or b.shape != (W.shape[0],):
            raise ConfigError(
                f"Layer {i + 1}: W must be (outputs x {width}) and b (outputs,); got W {W.shape}, b {b.shape}."
            )
        checked.append((W, b))
        width = W.shape[0]
    if loss == "mse":
        y = _numbers(y, "The target y")
        if y.shape != (width,):
            raise ConfigError(
                f"The target must have {width} values (one per output unit) as a vector, got shape {y.shape}."
            )
    else:
        y = _numbers(y, "The target class")
        if y.size != 1 or y.ndim > 1 or not float(y.ravel()[0]).is_integer() or not 0 <= y.ravel()[0] < width:
            raise ConfigError(
                f"For cross-entropy the target is one class index from 0 to {width - 1}, got {y.tolist()}."
            )
    return checked, x, y, rate


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
        return float(np.mean(diff**2)), 2 * diff / out.size
    z = out - out.max()
    log_sum = np.log(np.exp(z).sum())  # log-softmax, as nn.CrossEntropyLoss: finite for logits far apart
    k = int(np.ravel(y)[0])
    return float(log_sum - z[k]), np.exp(z - log_sum) - np.eye(out.size)[k]


def _compute(params, x, y, activation, loss, lr, output_activation) -> Step:
    """The step itself on checked inputs; overflow gives inf or NaN here (no warnings), the callers judge it."""
    with np.errstate(all="ignore"):
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
        new = tuple((W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads))
    return Step(tuple(zs), tuple(acts), acts[-1], L, tuple(dL_da), tuple(deltas), tuple(grads), new, lr)


def _finite(r: Step) -> bool:
    """Every number of the step is finite: loss, z, a, dL/da, delta, gradients and the new weights."""
    arrays = r.zs + r.activations + r.dL_da + r.deltas + tuple(t for pair in r.grads + r.params for t in pair)
    return bool(np.isfinite(r.loss) and all(np.isfinite(t).all() for t in arrays))


def step(
    params, x, y, activation: str = "sigmoid", loss: str = "mse", lr: float = 0.1, output_activation: str | None = None
) -> Step:
    """One step of gradient descent with every intermediate (see ``Step``).

    Bad input (strings, ragged or scalar arrays, wrong shapes, NaN, ``lr=None``, numbers so large that
    the step overflows) raises ``ConfigError`` with what to change, and nothing else.
    """
    params, x, y, lr = _validate(params, x, y, activation, loss, output_activation, lr)
    r = _compute(params, x, y, activation, loss, lr, output_activation)
    if not _finite(r):
        raise ConfigError(
            "The numbers overflow: the loss, a gradient or an updated weight is not a finite number. "
            "Use smaller weights, inputs or learning rate."
        )
    return r


def loss_of(params, x, y, activation, loss, output_activation=None) -> float:
    _, acts = forward(params, x, activation, output_activation)
    return loss_value(acts[-1], np.asarray(y, float), loss)[0]


def autograd_grads(params, x, y, activation, loss, output_activation=None):
    """The same gradients from PyTorch autograd in float64 (nn.MSELoss / nn.CrossEntropyLoss)."""
    import torch  # the check only: the method above needs NumPy alone

    fns = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}
    ps = [
        (
            torch.tensor(W, dtype=torch.float64, requires_grad=True),
            torch.tensor(b, dtype=torch.float64, requires_grad=True),
        )
        for W, b in params
    ]
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


def _norm(*arrays) -> float:
    """sqrt of the sum of squares, scaled first so that large finite gradients do not overflow."""
    m = max(float(np.max(np.abs(a))) for a in arrays)
    return 0.0 if m == 0 else m * float(np.sqrt(sum(((a / m) ** 2).sum() for a in arrays)))


def run_steps(params, x, y, activation, loss, lr, steps: int, output_activation=None) -> Run:
    """``steps`` steps of gradient descent: loss before each, every parameter after each, grad norm per layer.

    Divergence is a result, not an error: at the first step whose loss, gradients or updated weights
    are not finite the run stops, ``diverged_at`` names that step and the record holds the steps before it.
    """
    if not isinstance(steps, numbers.Integral) or isinstance(steps, bool) or not 1 <= steps <= 5000:
        raise ConfigError(f"Steps must be a whole number from 1 to 5000, got {steps!r}.")
    params, x, y, lr = _validate(params, x, y, activation, loss, output_activation, lr)
    start, losses, history, norms, diverged_at = tuple(params), [], [], [], None
    for k in range(1, int(steps) + 1):
        r = _compute(params, x, y, activation, loss, lr, output_activation)
        if not _finite(r):
            diverged_at = k
            break
        losses.append(r.loss)
        norms.append([_norm(dW, db) for dW, db in r.grads])
        params = r.params
        history.append(np.concatenate([np.concatenate([W.ravel(), b.ravel()]) for W, b in params]))
    n_params = sum(W.size + b.size for W, b in start)
    return Run(
        np.array(losses, float),
        np.array(history, float).reshape(len(history), n_params),
        np.array(norms, float).reshape(len(norms), len(start)),
        tuple(params),
        int(steps),
        diverged_at,
    )


def random_params(sizes, seed: int = 0, scale: float = 1.0):
    """Layers for sizes [inputs, hidden..., outputs], uniform in +-scale/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.uniform(-1, 1, (o, i)) * scale / np.sqrt(i), rng.uniform(-1, 1, o) * scale / np.sqrt(i))
        for i, o in zip(sizes[:-1], sizes[1:])
    ]


def layer_gradient_norms(depth: int, width: int, activation: str, seed: int = 0) -> list[float]:
    """||dL/dW|| of each layer of a deep stack on one sample: vanishing gradients made visible."""
    sizes = [width] * (depth + 1) + [1]
    rng = np.random.default_rng(seed)
    r = step(random_params(sizes, seed, scale=np.sqrt(3)), rng.normal(size=width), np.ones(1), activation, "mse", 0.0)
    return [float(np.linalg.norm(dW)) for dW, _ in r.grads]
