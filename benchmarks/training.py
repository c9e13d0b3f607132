"""Training throughput (samples per second) of core.train.fit against a plain PyTorch loop doing the
same work: the cost of the trainer's bookkeeping (evaluation each epoch, gradient norms, trajectory)."""

from __future__ import annotations

import torch

from benchmarks.common import compare
from core import data, losses, models, optimizers, train


def _plain(model, ds, epochs, batch):
    X, y = torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train)
    opt = optimizers.make("adam", model.parameters(), 0.01)
    crit = losses.single("cross_entropy", ds.task)
    gen = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=gen)
        for i in range(0, len(X), batch):
            idx = order[i : i + batch]
            loss = crit(model(X[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()


def run(quick: bool) -> list:
    pairs = []
    for name, widths, n in (("moons", (32, 32), 1000), ("digits", (128,), None)):
        ds = data.load(name, **({"n_samples": n} if n else {}))
        epochs = 2 if quick else 10
        build = lambda: models.build("mlp", in_features=ds.n_features, widths=widths, out_features=ds.n_classes)  # noqa: E731
        torch.manual_seed(0)
        a, b = build(), build()
        b.load_state_dict(a.state_dict())
        p = compare(
            "training",
            f"{name} MLP {widths}, {len(ds.X_train)} samples x {epochs} epochs",
            "plain PyTorch loop",
            lambda: _plain(a, ds, epochs, 32),
            "core.train.fit",
            lambda: train.fit(b, ds, epochs=epochs, lr=0.01, device="cpu", record_trajectory=True),
            "same model, optimizer and batches (losses are not compared: the loops draw batches apart)",
            rounds=3,
            min_time=0.0,
        )
        seen = len(ds.X_train) * epochs
        pairs.append(
            type(p)(
                **{
                    **p.row(),
                    "note": f"{seen / p.ours_s:,.0f} samples/s with the trainer, {seen / p.base_s:,.0f} plain",
                }
            )
        )
    return pairs
