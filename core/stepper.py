"""A resumable trainer: one batch or one epoch at a time, its whole state plain data.

core.train.fit runs a training to its end in one call; a learner who presses play, pause and step
needs the same training cut into pieces that survive between page runs. ``RunState`` holds the
weights, the optimizer's moments, both random generators, the epoch's shuffled order and a cursor
into it, so ``advance`` continues exactly where it stopped: stepping a run epoch by epoch gives the
very weights fit gives with the same settings and seed (tests/test_stepper.py). ``picture`` reads
what every neuron computes over the input plane, as TensorFlow Playground draws it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn

from core import formula, losses, models, optimizers
from core.data import Dataset
from core.errors import ConfigError, DivergenceError
from core.params import penalized_weights
from core.train import TrainConfig, evaluate

RETUNABLE = ("lr", "l1", "l2", "batch_size")  # settings that may change between steps of one run
CURVES = ("train_loss", "val_loss", "train_acc", "val_acc", "grad_norm")


def _numpy(obj):
    """A state dict with every tensor as a NumPy array (plain data), recursively."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy().copy()
    if isinstance(obj, dict):
        return {k: _numpy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_numpy(v) for v in obj]
    return obj


def _torch(obj):
    if isinstance(obj, np.ndarray):
        return torch.as_tensor(obj.copy())
    if isinstance(obj, dict):
        return {k: _torch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_torch(v) for v in obj]
    return obj


@dataclass(frozen=True)
class RunState:
    model_config: dict  # core.models.config_dict: rebuilds the network
    train: dict  # TrainConfig fields (validated); lr, l1, l2 and batch_size may be retuned between steps
    weights: dict  # parameter name -> array, as the network holds them now
    opt_state: dict  # the optimizer's state_dict (moments, step counts) as arrays
    generator: np.ndarray  # torch.Generator state: the shuffling and input jitter
    torch_rng: np.ndarray  # torch's global RNG state: dropout
    order: np.ndarray | None = None  # this epoch's shuffled sample order; None between epochs
    cursor: int = 0  # samples of `order` already seen
    epoch: int = 0  # completed epochs
    steps: int = 0  # batches taken in all
    epoch_norms: tuple = ()  # ||grad|| of each batch of the epoch under way
    history: dict = field(default_factory=lambda: {k: [] for k in CURVES})
    grads: dict = field(default_factory=dict)  # parameter name -> gradient of the last batch's loss


def start(model_opts: dict, train_opts: dict, seed: int) -> RunState:
    """A run at epoch 0, built as the Playground builds its network (torch.manual_seed(seed), then the MLP)."""
    c = TrainConfig(**{**train_opts, "seed": seed, "device": "cpu", "record_trajectory": False})
    torch.manual_seed(seed)
    model = models.build("mlp", **model_opts)
    torch.manual_seed(c.seed)  # as fit does, after the model is built
    gen = torch.Generator().manual_seed(c.seed)
    return RunState(
        models.config_dict(model),
        asdict(c),
        _numpy(model.state_dict()),
        {},
        gen.get_state().numpy().copy(),
        torch.get_rng_state().numpy().copy(),
    )


def retune(rs: RunState, **changes) -> RunState:
    """The same run with new lr, l1, l2 or batch size from its next step on (validated)."""
    bad = set(changes) - set(RETUNABLE)
    if bad:
        raise ConfigError(f"Only {', '.join(RETUNABLE)} can change during a run; {sorted(bad)} need a reset.")
    return replace(rs, train=asdict(TrainConfig(**{**rs.train, **changes})))


def build(rs: RunState) -> nn.Module:
    model = models.from_config(rs.model_config)
    model.load_state_dict(_torch(rs.weights))
    return model


def advance(rs: RunState, dataset: Dataset, batches: int | None = None) -> RunState:
    """The run after ``batches`` more batches, or to the end of the current epoch when None.

    The input state is not changed: a run that diverges raises DivergenceError and the caller
    still holds the state before it."""
    c = TrainConfig(**rs.train)
    loss_name = losses.resolve(c.loss, dataset.task)
    criterion = losses.single(loss_name, dataset.task)
    model = build(rs).train()
    opt = optimizers.make(c.optimizer, model.parameters(), c.lr, momentum=c.momentum, weight_decay=c.weight_decay)
    if rs.opt_state:
        opt.load_state_dict(_torch(rs.opt_state))
        for g in opt.param_groups:
            g["lr"] = c.lr  # a retuned learning rate applies from this step
    gen = torch.Generator()
    gen.set_state(torch.as_tensor(rs.generator))
    torch.set_rng_state(torch.as_tensor(rs.torch_rng))
    weights = penalized_weights(model)
    Xt, yt = torch.as_tensor(dataset.X_train), torch.as_tensor(dataset.y_train)
    n, bs = len(Xt), min(c.batch_size, len(Xt))
    order, cursor, epoch, steps = rs.order, rs.cursor, rs.epoch, rs.steps
    norms, history = list(rs.epoch_norms), {k: list(v) for k, v in rs.history.items()}
    has_bn = any(isinstance(m, nn.BatchNorm1d) for m in model.modules())
    grads, left = dict(rs.grads), batches if batches is not None else n
    while left > 0:
        if order is None:
            order, cursor = torch.randperm(n, generator=gen).numpy(), 0
        idx = torch.as_tensor(order[cursor : cursor + bs])
        cursor += len(idx)
        if not (len(idx) < 2 and has_bn):
            xb, yb = Xt[idx], yt[idx]
            if c.input_noise > 0:
                xb = xb + c.input_noise * torch.randn(xb.shape, generator=gen)
            loss = criterion(model(xb), yb)
            if c.l1:
                loss = loss + c.l1 * sum(w.abs().sum() for w in weights)
            if c.l2:
                loss = loss + c.l2 * sum((w * w).sum() for w in weights)
            if not torch.isfinite(loss):
                raise DivergenceError(
                    f"Training diverged: the loss became {float(loss.detach())} at epoch {epoch + 1}"
                    f", with learning rate {c.lr:g}. Reset and try a learning rate 10x smaller "
                    f"({c.lr / 10:g}).",
                    epoch + 1,
                    steps + 1,
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            named = [(k, p.grad) for k, p in model.named_parameters() if p.grad is not None]
            norms.append(float(torch.linalg.vector_norm(torch.cat([g.reshape(-1) for _, g in named]))))
            grads = {k: g.detach().numpy().copy() for k, g in named}
            opt.step()
            steps += 1
        left = left - 1 if batches is not None else left
        if cursor >= n:  # the epoch ends: score it, as fit does
            epoch += 1
            Xv, yv = torch.as_tensor(dataset.X_val), torch.as_tensor(dataset.y_val)
            for split, (X, y) in (("train", (Xt, yt)), ("val", (Xv, yv))):
                lv, av = evaluate(model, X, y, dataset.task, loss_name)
                history[f"{split}_loss"].append(lv)
                history[f"{split}_acc"].append(av)
            history["grad_norm"].append(float(np.mean(norms)) if norms else 0.0)
            if not np.isfinite(history["train_loss"][-1]):
                raise DivergenceError(
                    f"Training diverged after epoch {epoch}; reset and lower the learning rate.", epoch, 0
                )
            order, norms = None, []
            if batches is None:
                break
    return replace(
        rs,
        weights=_numpy(model.state_dict()),
        opt_state=_numpy(opt.state_dict()),
        generator=gen.get_state().numpy().copy(),
        torch_rng=torch.get_rng_state().numpy().copy(),
        order=order,
        cursor=cursor if order is not None else 0,
        epoch=epoch,
        steps=steps,
        epoch_norms=tuple(norms),
        history=history,
        grads=grads,
    )


@dataclass(frozen=True)
class Picture:
    """What the network computes over the plane, layer by layer: plain arrays for the drawing."""

    xs: np.ndarray  # (R,) plane axis x1
    ys: np.ndarray  # (R,) plane axis x2
    maps: list  # per layer (inputs, hidden..., output): (units, R, R) activations; map[u, j, i] at (xs[i], ys[j])
    weights: list  # per connection: (out, in) weight matrix into the next layer
    biases: list  # per connection: (out,) biases
    weight_grads: list  # per connection: (out, in) gradients of the last batch's loss (zeros before a step)
    bias_grads: list
    activation: str  # the hidden activation's name
    output: str = ""  # "sigmoid" when two logits are drawn as one output, P(class 1) = sigmoid(z1 - z0)


@torch.no_grad()
def picture(rs: RunState, feature_names, xs: np.ndarray, ys: np.ndarray) -> Picture:
    """Each neuron's activation over the grid xs x ys: inputs are the features, the output is P(class 1)
    (for two classes) or the first output. Needs an MLP without batch norm or dropout layers between."""
    model = build(rs).eval()
    gx, gy = np.meshgrid(xs, ys)
    F = torch.as_tensor(formula.features(np.stack([gx.ravel(), gy.ravel()], 1), feature_names))
    R = (len(ys), len(xs))
    maps, a = [F.numpy().T.reshape(-1, *R)], F
    linears = [m for m in model.net if isinstance(m, nn.Linear)]
    act = models.ACTIVATIONS[rs.model_config.get("activation", "relu")]()
    for i, lin in enumerate(linears):
        z = lin(a)
        a = act(z) if i < len(linears) - 1 else z
        if i == len(linears) - 1 and z.shape[1] == 2:
            a = torch.softmax(z, 1)[:, 1:]
        maps.append(a.numpy().T.reshape(-1, *R))
    names = [k for k, _ in model.named_parameters()]
    g = lambda k, like: rs.grads.get(k, np.zeros_like(like))
    W = [rs.weights[k] for k in names if k.endswith("weight")]
    B = [rs.weights[k] for k in names if k.endswith("bias")]
    GW = [g(k, rs.weights[k]) for k in names if k.endswith("weight")]
    GB = [g(k, rs.weights[k]) for k in names if k.endswith("bias")]
    two = W[-1].shape[0] == 2
    if two:  # softmax of two logits is sigmoid of their difference: one output node, exactly
        for lst in (W, B, GW, GB):
            lst[-1] = (lst[-1][1] - lst[-1][0])[None]
    return Picture(
        np.asarray(xs),
        np.asarray(ys),
        maps,
        W,
        B,
        GW,
        GB,
        rs.model_config.get("activation", "relu"),
        "sigmoid" if two else "",
    )


def neuron_formula(pic: Picture, layer: int, unit: int, input_names, point: np.ndarray) -> tuple[str, str, float]:
    """(symbolic LaTeX with the current weights, LaTeX with the inputs at ``point`` plugged in, its value).

    layer counts connections from 1 (the first hidden layer); the last layer is the output's logits."""
    W, b = pic.weights[layer - 1][unit], float(pic.biases[layer - 1][unit])
    name = pic.activation if layer < len(pic.weights) else pic.output
    terms = "".join(f" {'-' if w < 0 else '+'} {abs(w):.2f}\\,{label}" for w, label in zip(W, input_names))
    f = f"\\operatorname{{{name}}}" if name else ""
    sym = f"{f}({terms.lstrip(' +')} {'-' if b < 0 else '+'} {abs(b):.2f})"
    vals = "".join(f" {'-' if w < 0 else '+'} {abs(w):.2f}\\cdot({v:.2f})" for w, v in zip(W, point))
    z = float(np.dot(W, point) + b)
    value = {
        "relu": max(z, 0.0),
        "tanh": float(np.tanh(z)),
        "sigmoid": float(1 / (1 + np.exp(-z))),
        "gelu": float(nn.functional.gelu(torch.tensor(z))),
    }.get(name, z)
    return sym, f"{f}({vals.lstrip(' +')} {'-' if b < 0 else '+'} {abs(b):.2f}) = {value:.3f}", value
