"""Train K variants of one MLP at once: stacked weights, batched matmuls, one optimizer.

Adam and SGD act elementwise, so one optimizer over weights stacked along a variant axis is K
independent optimizers, and the summed loss gives each variant exactly its own gradient. Each
variant keeps its own L1/L2 strength, dropout rate, input jitter and early-stopping patience.
All variants see the same mini-batches in the same order and start from the same weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from core import losses, models, optimizers
from core.data import Dataset
from core.errors import ConfigError, DivergenceError
from core.train import resolve_device

CROSS_ENTROPY = losses.per_model("cross_entropy", "classification")


@dataclass(frozen=True)
class BatchedRun:
    """One variant of a batched run, as it ends."""

    history: dict  # "train_loss", "val_loss", "train_acc", "val_acc": one value per epoch run
    best_epoch: int  # 1-based epoch whose weights the model holds (early stopping: lowest validation loss)
    stopped_early: bool  # True when patience ran out before the last epoch
    model: nn.Module  # the MLP with those weights, on the CPU, in eval mode


def _forward(Ws, bs, x, act, p_drop=None, gen=None):
    """x (B, in) shared by all variants -> logits (K, B, classes). Dropout (training only) uses each
    variant's own rate: mask ~ Bernoulli(1 - p), scaled by 1 / (1 - p)."""
    K = Ws[0].shape[0]
    h = x.expand(K, *x.shape) if x.dim() == 2 else x
    for i, (W, b) in enumerate(zip(Ws, bs)):
        h = torch.baddbmm(b[:, None, :], h, W.transpose(1, 2))
        if i < len(Ws) - 1:
            h = act(h)
            if p_drop is not None and bool((p_drop > 0).any()):
                keep = 1 - p_drop[:, None, None]
                mask = (torch.rand(h.shape, generator=gen).to(h.device) < keep).to(h.dtype)
                h = h * mask / keep
    return h


def _scores(logits, y):
    """(K,) cross-entropy (the loss of core.losses) and accuracy of K variants' logits (K, B, classes)."""
    return CROSS_ENTROPY(logits, y), (logits.argmax(-1) == y).float().mean(1)


def train_together(
    dataset: Dataset,
    settings: list[dict],
    widths=(128, 128),
    activation: str = "relu",
    epochs: int = 300,
    lr: float = 0.01,
    batch_size: int = 32,
    seed: int = 0,
    device: str = "auto",
    on_epoch=None,
) -> list[BatchedRun]:
    """settings: per variant {"l1", "l2", "dropout", "input_noise", "patience"} (missing = 0).
    Early stopping watches the validation split only. Returns one BatchedRun per variant, in order."""
    if dataset.task != "classification":
        raise ConfigError("Batched variant training is for classification datasets.")
    K = len(settings)
    dev = resolve_device(device)
    torch.manual_seed(seed)
    base = models.build(
        "mlp",
        in_features=dataset.n_features,
        widths=tuple(widths),
        out_features=dataset.n_classes,
        activation=activation,
    )
    linears = [m for m in base.net if isinstance(m, nn.Linear)]
    Ws = [l.weight.detach().to(dev).expand(K, *l.weight.shape).clone().requires_grad_() for l in linears]
    bs = [l.bias.detach().to(dev).expand(K, *l.bias.shape).clone().requires_grad_() for l in linears]
    col = lambda key: torch.tensor([float(s.get(key, 0)) for s in settings], device=dev)
    l1, l2, p_drop, noise = col("l1"), col("l2"), col("dropout"), col("input_noise")
    patience = [int(s.get("patience", 0)) for s in settings]
    act = models.ACTIVATIONS[activation]()
    opt = optimizers.make("adam", Ws + bs, lr)
    gen = torch.Generator().manual_seed(seed)
    Xt, yt, Xv, yv = (
        torch.as_tensor(a, device=dev) for a in (dataset.X_train, dataset.y_train, dataset.X_val, dataset.y_val)
    )
    n, bsz = len(Xt), min(batch_size, len(Xt))
    hist = [{"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []} for _ in range(K)]
    best = [math.inf] * K
    best_epoch, since, stopped = [0] * K, [0] * K, [False] * K
    best_state = [None] * K
    for epoch in range(1, epochs + 1):
        order = torch.randperm(n, generator=gen).to(dev)
        for i in range(0, n, bsz):
            idx = order[i : i + bsz]
            xb = Xt[idx].expand(K, len(idx), -1)
            if bool((noise > 0).any()):
                xb = xb + noise[:, None, None] * torch.randn(xb.shape, generator=gen).to(dev)
            data_loss, _ = _scores(_forward(Ws, bs, xb, act, p_drop, gen), yt[idx])
            penalty = sum(l1 * W.abs().sum((1, 2)) + l2 * (W * W).sum((1, 2)) for W in Ws)
            total = data_loss + penalty  # (K,): summing keeps each variant's gradient its own
            if not torch.isfinite(total).all():
                raise DivergenceError(
                    f"Training diverged at epoch {epoch} with learning rate {lr:g}; try {lr / 10:g}.", epoch, 0
                )
            opt.zero_grad(set_to_none=True)
            total.sum().backward()
            opt.step()
        with torch.no_grad():
            tl, ta = _scores(_forward(Ws, bs, Xt, act), yt)
            vl, va = _scores(_forward(Ws, bs, Xv, act), yv)
        for k in range(K):
            if stopped[k]:
                continue
            for key, v in (("train_loss", tl), ("val_loss", vl), ("train_acc", ta), ("val_acc", va)):
                hist[k][key].append(float(v[k]))
            if float(vl[k]) < best[k]:
                best[k], best_epoch[k], since[k] = float(vl[k]), epoch, 0
                if patience[k]:
                    best_state[k] = [t[k].detach().clone() for t in Ws + bs]
            else:
                since[k] += 1
            if patience[k] and since[k] >= patience[k]:
                stopped[k] = epoch < epochs
        if on_epoch:
            on_epoch({"epoch": epoch, "epochs": epochs})
        if all(stopped):
            break
    out = []
    for k in range(K):
        tensors = best_state[k] if patience[k] and best_state[k] is not None else [t[k].detach() for t in Ws + bs]
        m = models.build(
            "mlp",
            in_features=dataset.n_features,
            widths=tuple(widths),
            out_features=dataset.n_classes,
            activation=activation,
            dropout=float(p_drop[k]),
        )
        with torch.no_grad():
            for layer, W, b in zip(
                [l for l in m.net if isinstance(l, nn.Linear)], tensors[: len(Ws)], tensors[len(Ws) :]
            ):
                layer.weight.copy_(W.cpu())
                layer.bias.copy_(b.cpu())
        out.append(
            BatchedRun(hist[k], best_epoch[k] if patience[k] else len(hist[k]["train_loss"]), stopped[k], m.eval())
        )
    return out
