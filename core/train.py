"""One training loop for every model: optimizers, losses, penalties, early stopping, events.

Like minGPT's trainer it knows nothing about the model it trains; it reports each epoch through
a callback (``on_epoch``) so that a page can draw a progress bar and live curves.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from core import checks, losses, optimizers
from core.data import Dataset
from core.errors import ConfigError, DivergenceError
from core.params import flat, penalized_weights

OPTIMIZERS = tuple(optimizers.OPTIMIZERS)
LOSSES = tuple(losses.LOSSES)
MAX_EPOCHS = 5000


@dataclass(frozen=True)
class TrainConfig:
    optimizer: str = "adam"  # one of OPTIMIZERS
    lr: float = 0.01  # learning rate alpha in theta <- theta - alpha * step
    epochs: int = 100  # passes over the training split (fewer if early stopping fires)
    batch_size: int = 32  # samples per step; larger than the split means full-batch
    loss: str | None = None  # "cross_entropy" or "mse"; None picks cross-entropy, or MSE for regression
    momentum: float = 0.9  # beta of the momentum and Nesterov optimizers
    weight_decay: float = 0.01  # AdamW's decoupled decay (other optimizers use l2)
    l1: float = 0.0  # lambda of the L1 penalty lambda * sum|w| over weights (not biases)
    l2: float = 0.0  # lambda of the L2 penalty lambda * sum w^2 over weights (not biases)
    patience: int = 0  # early stopping: stop after this many epochs without a better validation loss; 0 = off
    input_noise: float = 0.0  # data augmentation: std of Gaussian jitter added to inputs each step
    seed: int = 0  # shuffling, dropout and jitter draw from this seed
    device: str = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
    record_trajectory: bool = True  # keep the flattened parameters after every epoch

    def __post_init__(self):
        optimizers.check(self.optimizer)
        if self.loss is not None:
            checks.choice("loss", self.loss, LOSSES)
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731  (frozen: normalise once)
        put("lr", checks.real("The learning rate", self.lr, 0, 10, open_low=True))
        put("epochs", checks.whole("Epochs", self.epochs, 1, MAX_EPOCHS))
        put("batch_size", checks.whole("The batch size", self.batch_size, 1, 10**7))
        for name in ("l1", "l2", "weight_decay", "input_noise"):
            put(name, checks.real(name, getattr(self, name), 0, 10))
        put("momentum", checks.real("Momentum", self.momentum, 0, 0.999999))
        put("patience", checks.whole("Patience (0 turns early stopping off)", self.patience, 0, MAX_EPOCHS))
        put("seed", checks.seed(self.seed))
        checks.choice("device", self.device, ("auto", "cpu", "cuda"))
        if not isinstance(self.record_trajectory, bool):
            raise ConfigError(f"record_trajectory must be True or False, got {self.record_trajectory!r:.40}.")


@dataclass
class History:
    """What one training run recorded, per epoch. Plain data: safe to cache and pickle."""

    config: dict
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)  # NaN for regression
    val_acc: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)  # mean over the epoch's steps of ||grad||_2
    trajectory: np.ndarray | None = None  # (epochs + 1, parameters): row 0 is the initial weights
    best_epoch: int = 0  # 1-based epoch whose weights the model holds at the end
    stopped_early: bool = False
    device: str = "cpu"
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def resolve_device(device: str) -> torch.device:
    checks.choice("device", device, ("auto", "cpu", "cuda"))
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device='cuda' was asked for but PyTorch sees no CUDA GPU; use 'auto' or 'cpu'.")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def flat_parameters(model: nn.Module) -> np.ndarray:
    return flat(model).cpu().numpy().copy()


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, task: str, loss: str) -> tuple[float, float]:
    """(data loss, accuracy) in eval mode; accuracy is per token for sequences, NaN for regression."""
    was_training = model.training
    model.eval()
    out = model(X)
    value = float(losses.single(loss, task)(out, y))
    acc = float("nan") if task == "regression" else float(losses.accuracy(out[None], y)[0])
    model.train(was_training)
    return value, acc


def _tensors(dataset: Dataset, device):
    def t(a):
        return torch.as_tensor(a, device=device)

    return t(dataset.X_train), t(dataset.y_train), t(dataset.X_val), t(dataset.y_val)


def fit(model: nn.Module, dataset: Dataset, on_epoch=None, **config) -> History:
    """Train ``model`` in place on ``dataset``; return the History. Config fields: see TrainConfig.

    on_epoch(event) is called after each epoch with a dict: epoch, epochs, train_loss, val_loss,
    train_acc, val_acc, grad_norm and model (live: read it, do not keep it).
    Raises DivergenceError when the loss becomes NaN or infinite. The model ends on the CPU,
    holding the best validation weights when early stopping is on.
    """
    unknown = set(config) - set(TrainConfig.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"Unknown training option(s) {sorted(unknown)}; see core.train.TrainConfig.")
    c = TrainConfig(**config)
    if not isinstance(dataset, Dataset):
        raise ConfigError(f"fit() trains on a core.data.Dataset, got {type(dataset).__name__}.")
    if not isinstance(model, nn.Module) or not any(True for _ in model.parameters()):
        raise ConfigError("fit() trains a model built by core.models.build (a torch module with parameters).")
    loss_name = losses.resolve(c.loss, dataset.task)
    criterion = losses.single(loss_name, dataset.task)
    device = resolve_device(c.device)
    if min(c.batch_size, len(dataset.X_train)) < 2 and any(isinstance(m, nn.BatchNorm1d) for m in model.modules()):
        raise ConfigError(
            "Batch norm normalises over the batch, so it needs batches of at least 2 samples; "
            "raise the batch size or turn batch norm off."
        )
    torch.manual_seed(c.seed)
    gen = torch.Generator().manual_seed(c.seed)
    model.to(device).train()
    Xt, yt, Xv, yv = _tensors(dataset, device)
    checks.fits(lambda: evaluate(model, Xt[:2], yt[:2], dataset.task, loss_name), f"the dataset {dataset.name!r}")
    opt = optimizers.make(c.optimizer, model.parameters(), c.lr, momentum=c.momentum, weight_decay=c.weight_decay)
    weights = penalized_weights(model)
    hist = History(config={**asdict(c), "loss": loss_name}, device=str(device))
    traj = [flat_parameters(model)] if c.record_trajectory else None
    best, best_state, since_best = math.inf, None, 0
    n, bs = len(Xt), min(c.batch_size, len(Xt))
    start = time.perf_counter()
    for epoch in range(1, c.epochs + 1):
        order = torch.randperm(n, generator=gen).to(device)
        norms = []
        for step, i in enumerate(range(0, n, bs)):
            idx = order[i : i + bs]
            if len(idx) < 2 and any(isinstance(m, nn.BatchNorm1d) for m in model.modules()):
                continue  # batch norm cannot normalise a batch of one
            xb, yb = Xt[idx], yt[idx]
            if c.input_noise > 0 and xb.is_floating_point():
                xb = xb + c.input_noise * torch.randn(xb.shape, generator=gen).to(device)
            loss = criterion(model(xb), yb)
            if c.l1:
                loss = loss + c.l1 * sum(w.abs().sum() for w in weights)
            if c.l2:
                loss = loss + c.l2 * sum((w * w).sum() for w in weights)
            if not torch.isfinite(loss):
                model.cpu()
                raise DivergenceError(
                    f"Training diverged: the loss became {float(loss.detach())} at epoch {epoch}, step {step + 1}, with "
                    f"learning rate {c.lr:g}. Steps that large overshoot the minimum; try a learning rate "
                    f"10x smaller ({c.lr / 10:g}).",
                    epoch,
                    step + 1,
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norms.append(
                float(
                    torch.linalg.vector_norm(
                        torch.cat([p.grad.reshape(-1) for p in model.parameters() if p.grad is not None])
                    )
                )
            )
            opt.step()
        tl, ta = evaluate(model, Xt, yt, dataset.task, loss_name)
        vl, va = evaluate(model, Xv, yv, dataset.task, loss_name)
        if not (math.isfinite(tl) and math.isfinite(vl)):
            model.cpu()
            raise DivergenceError(
                f"Training diverged: the loss became non-finite after epoch {epoch} with learning rate "
                f"{c.lr:g}. Try a learning rate 10x smaller ({c.lr / 10:g}).",
                epoch,
                0,
            )
        for lst, v in ((hist.train_loss, tl), (hist.val_loss, vl), (hist.train_acc, ta), (hist.val_acc, va)):
            lst.append(v)
        hist.grad_norm.append(float(np.mean(norms)) if norms else 0.0)
        if traj is not None:
            traj.append(flat_parameters(model))
        if vl < best:
            best, since_best, hist.best_epoch = vl, 0, epoch
            if c.patience:
                best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
        if on_epoch is not None:
            on_epoch(
                {
                    "epoch": epoch,
                    "epochs": c.epochs,
                    "train_loss": tl,
                    "val_loss": vl,
                    "train_acc": ta,
                    "val_acc": va,
                    "grad_norm": hist.grad_norm[-1],
                    "model": model,
                }
            )
        if c.patience and since_best >= c.patience:
            hist.stopped_early = epoch < c.epochs
            break
    if c.patience and best_state is not None:
        model.load_state_dict(best_state)
    else:
        hist.best_epoch = hist.epochs
    hist.seconds = time.perf_counter() - start
    hist.trajectory = np.stack(traj) if traj is not None else None
    model.cpu().eval()
    return hist


@torch.no_grad()
def predict(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """Raw outputs (logits, or regression values) in eval mode, as NumPy, on whatever device the
    model is on. The model's train/eval mode is restored, so this is safe to call mid-training."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out = model(torch.as_tensor(X, device=device)).cpu().numpy()
    model.train(was_training)
    return out
