"""Every loss the explorer trains with, in one table: training, the loss surface, batched
variants and the bundle's script all read it, so a surface always shows the loss its model was
trained with.

Each loss is written once, for a stack of C models' outputs at once (``per_model``); a single
model's loss is the same function on a stack of one. Outputs are logits: cross-entropy applies
the softmax inside; MSE on a classification task compares the softmax probabilities with one-hot
targets (the articles' squared error on class probabilities), on regression the raw outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from core.errors import ConfigError

TASKS = ("classification", "sequence", "regression")


def _cross_entropy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """out (C, N[, T], k) logits, y (N[, T]) class indices -> (C,) mean negative log-likelihood."""
    flat = out.reshape(out.shape[0], -1, out.shape[-1])  # (C, N*T, k)
    target = y.reshape(1, -1).expand(out.shape[0], -1)  # (C, N*T)
    return nn.functional.cross_entropy(flat.transpose(1, 2), target, reduction="none").mean(-1)


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """out (C, N[, T], k), y the same without C (regression targets) or class indices -> (C,)."""
    if y.is_floating_point():  # regression: the outputs themselves
        diff = out - y
    else:  # classification: softmax probabilities against one-hot targets
        diff = torch.softmax(out, -1) - nn.functional.one_hot(y, out.shape[-1]).to(out.dtype)
    return (diff * diff).reshape(out.shape[0], -1).mean(-1)


@dataclass(frozen=True)
class Loss:
    name: str  # the key in LOSSES, stored in every config
    label: str  # what the learner reads
    tasks: tuple  # the tasks it applies to
    per_model: Callable  # (outputs (C, N, ...), targets (N, ...)) -> (C,) losses


LOSSES = {
    "cross_entropy": Loss("cross_entropy", "Softmax cross-entropy", ("classification", "sequence"), _cross_entropy),
    "mse": Loss("mse", "Mean squared error", TASKS, _mse),
}


def default(task: str) -> str:
    """The loss a task trains with unless told otherwise: MSE for regression, else cross-entropy."""
    return "mse" if task == "regression" else "cross_entropy"


def resolve(name: str | None, task: str) -> str:
    """The loss to use: ``name`` checked against the table and the task, or the task's default."""
    if name is None:
        return default(task)
    if not isinstance(name, str) or name not in LOSSES:
        raise ConfigError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}.")
    if task not in LOSSES[name].tasks:
        raise ConfigError(f"{LOSSES[name].label} needs class labels; use mean squared error for {task}.")
    return name


def per_model(name: str | None, task: str) -> Callable:
    """(outputs (C, N, ...), targets) -> (C,): the loss of each of C models stacked on axis 0."""
    return LOSSES[resolve(name, task)].per_model


def single(name: str | None, task: str) -> Callable:
    """(outputs (N, ...), targets) -> scalar: the loss of one model."""
    fn = per_model(name, task)
    return lambda out, y: fn(out[None], y)[0]


def accuracy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The score beside every loss, in its one home. Per row of out (C, N[, T], classes): the share
    of samples whose first largest output is the label (argmax's rule); NaN where an output is not finite (their sum is then not finite). A
    running max over the classes reads each class plane out[..., j] in place, which stays fast
    when the outputs are a feature-major view."""
    k = out.shape[-1]
    best, pred = out[..., 0], torch.zeros(out.shape[:-1], dtype=torch.int16, device=out.device)
    for j in range(1, k):
        better = out[..., j] > best
        if j < k - 1:
            best = torch.where(better, out[..., j], best)
        pred.masked_fill_(better, j)
    hits = (pred == y.to(torch.int16)).reshape(out.shape[0], -1)
    acc = hits.sum(-1, dtype=torch.float32) / hits.shape[1]
    return acc.masked_fill_(~torch.isfinite(out.sum(dim=tuple(range(1, out.dim())))), float("nan"))
