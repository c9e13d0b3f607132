"""Knowledge distillation (Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural Network").

A small student learns from a teacher's softened outputs p_T = softmax(z_teacher / T) as well as
from the labels:  L = alpha * T^2 * KL(p_T || softmax(z_student / T)) + (1 - alpha) * CE(z_student, y).
The T^2 factor keeps the soft term's gradients the same size as T changes (their magnitude scales
as 1/T^2). With alpha = 0 the same loop trains the label-only student it is compared with.

The teacher's soft targets need no labels, so the transfer set may be larger than the labelled set
(Hinton et al. 2015, section 2: "the transfer set ... could consist entirely of unlabeled data").
With ``labels`` set, only that many training samples keep their labels: the distilled student
learns from the teacher on every training input and from the labels it has; the label-only student
learns from those labels alone, for the same number of gradient steps. That is where distillation
pays for a small student: with every label and enough training, the two end up level.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core import losses, models
from core.data import Dataset
from core.errors import ConfigError


@dataclass(frozen=True)
class DistillConfig:
    temperature: float = 4.0  # T: softens both distributions; 1 = the plain softmax
    alpha: float = 0.9  # weight of the soft (teacher) term; 0 = labels only
    widths: tuple = (8,)  # the student's hidden layers
    epochs: int = 5
    lr: float = 0.01  # Adam
    batch_size: int = 64
    seed: int = 0
    labels: int | None = 100  # training samples that keep their label (a seeded subset); None: all

    def __post_init__(self):
        object.__setattr__(self, "widths", tuple(self.widths))
        if not (
            isinstance(self.temperature, (int, float))
            and math.isfinite(self.temperature)
            and 0.5 <= self.temperature <= 50
        ):
            raise ConfigError(f"The temperature T must be a number from 0.5 to 50, got {self.temperature!r}.")
        if not (isinstance(self.alpha, (int, float)) and math.isfinite(self.alpha) and 0 <= self.alpha <= 1):
            raise ConfigError(f"alpha must be a number from 0 to 1, got {self.alpha!r}.")
        if not (isinstance(self.epochs, int) and 1 <= self.epochs <= 500):
            raise ConfigError(f"Student epochs must be a whole number from 1 to 500, got {self.epochs!r}.")
        if self.labels is not None and not (
            isinstance(self.labels, int) and not isinstance(self.labels, bool) and self.labels >= 10
        ):
            raise ConfigError(
                f"Labelled samples must be a whole number of at least 10 (or None for all), got {self.labels!r}."
            )


def distillation_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    y: torch.Tensor,
    temperature: float,
    alpha: float,
    has_label: torch.Tensor | None = None,
) -> torch.Tensor:
    """Hinton et al. 2015: alpha T^2 KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) CE(s, y); logits (N, k).

    ``has_label`` (N,) bool: the cross-entropy averages over the labelled rows only (0 when none)."""
    T = temperature
    soft = (
        nn.functional.kl_div(torch.log_softmax(student / T, -1), torch.softmax(teacher / T, -1), reduction="batchmean")
        * T
        * T
    )
    if has_label is not None and not bool(has_label.all()):
        hard = nn.functional.cross_entropy(student[has_label], y[has_label]) if has_label.any() else student.sum() * 0
    else:
        hard = nn.functional.cross_entropy(student, y)
    return alpha * soft + (1 - alpha) * hard


def labelled_indices(n: int, labels: int | None, seed: int) -> torch.Tensor:
    """The training samples that keep their label: a seeded subset of ``labels`` of ``n`` (all when None)."""
    if labels is None or labels >= n:
        return torch.arange(n)
    return torch.as_tensor(np.random.default_rng(seed).permutation(n)[:labels])


def train_student(teacher: nn.Module, dataset: Dataset, config: DistillConfig, on_epoch=None) -> nn.Module:
    """A student MLP trained from ``teacher``'s soft targets (alpha > 0) or labels alone (alpha = 0)."""
    if dataset.task != "classification" or getattr(teacher, "config", None) is None:
        raise ConfigError(
            "Distillation here needs a classification teacher (soft targets over classes); "
            "pick a classifier from the zoo."
        )
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    student = models.build("mlp", in_features=dataset.n_features, widths=config.widths, out_features=dataset.n_classes)
    X, y = torch.as_tensor(dataset.X_train), torch.as_tensor(dataset.y_train)
    labelled = labelled_indices(len(X), config.labels, config.seed)
    has_label = torch.zeros(len(X), dtype=torch.bool)
    has_label[labelled] = True
    # the distilled student walks the whole transfer set; the label-only one its labels, as many steps
    pool = torch.arange(len(X)) if config.alpha > 0 else labelled.repeat(-(-len(X) // len(labelled)))[: len(X)]
    with torch.no_grad():
        soft_targets = teacher.eval()(X)  # (N, k) teacher logits, computed once
    opt = torch.optim.Adam(student.parameters(), lr=config.lr)
    for epoch in range(1, config.epochs + 1):
        order = pool[torch.randperm(len(pool), generator=gen)]
        for i in range(0, len(order), config.batch_size):
            idx = order[i : i + config.batch_size]
            loss = distillation_loss(
                student(X[idx]), soft_targets[idx], y[idx], config.temperature, config.alpha, has_label[idx]
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if on_epoch is not None:
            on_epoch({"epoch": epoch, "epochs": config.epochs})
    return student.eval()


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    with torch.no_grad():
        out = model.eval()(torch.as_tensor(X))
    return float(losses.accuracy(out[None], torch.as_tensor(y))[0])


@dataclass(frozen=True)
class Comparison:
    config: DistillConfig  # the settings these results belong to (alpha is the distilled student's)
    seeds: tuple  # one student pair per seed
    teacher_accuracy: float
    distilled: tuple  # validation accuracy of the distilled student, per seed
    label_only: tuple  # the same student trained on labels alone (alpha = 0), per seed
    teacher_parameters: int
    student_parameters: int

    @property
    def mean_gain(self) -> float:
        return float(np.mean(self.distilled) - np.mean(self.label_only))

    @property
    def seeds_won(self) -> int:
        """On how many seeds the distilled student beat the label-only one."""
        return sum(d > p for d, p in zip(self.distilled, self.label_only))


def compare(teacher: nn.Module, dataset: Dataset, config: DistillConfig, seeds=(0, 1, 2), progress=None) -> Comparison:
    """The distilled and the label-only student of the same size, trained from the same seeds."""
    distilled, plain, student = [], [], None
    for i, seed in enumerate(seeds):
        for j, alpha in enumerate((config.alpha, 0.0)):
            c = dataclasses.replace(config, alpha=alpha, seed=seed)
            cb = (
                (lambda e, k=2 * i + j: progress((k + e["epoch"] / e["epochs"]) / (2 * len(seeds))))
                if progress
                else None
            )
            student = train_student(teacher, dataset, c, cb)
            (distilled if j == 0 else plain).append(accuracy(student, dataset.X_val, dataset.y_val))
    return Comparison(
        config,
        tuple(seeds),
        accuracy(teacher, dataset.X_val, dataset.y_val),
        tuple(distilled),
        tuple(plain),
        models.n_parameters(teacher),
        models.n_parameters(student),
    )
