"""The loss-surface grid: the project's batched plane evaluation against a per-point loop of
forward passes and against the peer library loss-landscapes (3.0.6, a benchmark-only dependency),
on the two-moons MLP 2-64-64-2 over 2,000 samples; beside it, the FLOP floor of this machine."""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.common import compare, matmul_gflops
from core import data, grid_eval, landscape, models, train


def _setup(resolution: int):
    ds = data.load("moons", n_samples=2700)
    torch.manual_seed(0)
    model = models.build("mlp", widths=(64, 64), activation="tanh")
    train.fit(model, ds, epochs=3, device="cpu", record_trajectory=False)
    model.eval()
    d1, d2 = landscape.random_directions(model, "filter", 0)
    c = landscape.flat(model)
    axis = torch.linspace(-1, 1, resolution)
    a, b = (t.reshape(-1) for t in torch.meshgrid(axis, axis, indexing="ij"))
    X, y = (torch.as_tensor(v[:2000]) for v in (ds.X_train, ds.y_train))
    return model, c, d1, d2, a, b, X, y


def _flops(model, points: int, samples: int) -> float:
    """2 x multiply-adds of the forward passes: the arithmetic any method must do."""
    macs = sum(p.numel() for n, p in model.named_parameters() if n.endswith("weight"))
    return 2.0 * macs * samples * points


def run(quick: bool) -> list:
    R = 21 if quick else 51
    model, c, d1, d2, a, b, X, y = _setup(R)
    loss, _ = grid_eval.evaluate_plane(model, c, d1, d2, a, b, X, y, "classification")
    n = 50 if quick else 200  # the loop on the first n points, scaled (it is linear in the points)
    thetas = c[None] + a[:n, None] * d1[None] + b[:n, None] * d2[None]
    ref, _ = grid_eval.evaluate_loop(model, thetas, X, y, "classification")
    err = float((loss[:n] - ref).abs().max())
    assert err < 1e-4, f"plane and loop differ by {err}"
    scale = R * R / n
    floor = _flops(model, R * R, len(X)) / (matmul_gflops(1024 if quick else 2048) * 1e9)
    pairs = [
        compare(
            "landscape",
            f"{R}x{R} grid, 2,000 samples",
            "per-point loop (scaled)",
            lambda: grid_eval.evaluate_loop(model, thetas, X, y, "classification"),
            "evaluate_plane",
            lambda: grid_eval.evaluate_plane(model, c, d1, d2, a, b, X, y, "classification"),
            f"first {n} points: max |diff| {err:.1e}",
            rounds=3,
            min_time=0.0,
            note=f"loop timed on {n} points and scaled x{scale:.0f}; FLOP floor {floor:.3f} s",
        )
    ]
    p = pairs[0]
    pairs[0] = type(p)(
        **{
            **p.row(),
            "base_s": p.base_s * scale,
            "ratio": p.ratio * scale,
            "ratio_lo": p.ratio_lo * scale,
            "ratio_hi": p.ratio_hi * scale,
            "goal": None,
        }
    )
    peer = _loss_landscapes(model, c, d1, d2, R, X, y, loss)
    if peer is not None:
        pairs.append(peer)
    ours = pairs[0].ours_s
    pairs.append(
        type(p)(
            "landscape",
            f"{R}x{R} grid vs the FLOP floor",
            "FLOP floor (matmul rate)",
            "evaluate_plane",
            floor,
            ours,
            floor / ours,
            floor / ours,
            floor / ours,
            1,
            "arithmetic count",
            0.5,
            "goal: within 2x of the floor (ratio >= 0.5)",
        )
    )
    return pairs


def _loss_landscapes(model, c, d1, d2, R, X, y, _ours_loss):
    """loss-landscapes' planar_interpolation over the same plane, c + a d1 + b d2 with a, b in [-1, 1),
    checked point by point against evaluate_plane at the coordinates it visits (its columns
    alternate direction, so even columns sit one step higher: b = j + 1 against b = j)."""
    try:
        import loss_landscapes
        import loss_landscapes.metrics
    except ImportError:
        return None
    import copy

    def at(theta):
        return landscape.load_flat(copy.deepcopy(model), theta.numpy())

    start = c - d1 - d2
    ends = at(start), at(start + 2 * d1), at(start + 2 * d2)
    metric = loss_landscapes.metrics.Loss(torch.nn.CrossEntropyLoss(), X, y)

    def peer():
        return loss_landscapes.planar_interpolation(*(copy.deepcopy(m) for m in ends), metric, steps=R)

    theirs = peer()
    i, j = np.meshgrid(np.arange(R), np.arange(R), indexing="ij")
    bj = j + (i % 2 == 0)
    a = torch.as_tensor(-1 + 2 * i.ravel() / R, dtype=torch.float32)
    b = torch.as_tensor(-1 + 2 * bj.ravel() / R, dtype=torch.float32)
    ours = lambda: grid_eval.evaluate_plane(model, c, d1, d2, a, b, X, y, "classification")  # noqa: E731
    err = float(np.abs(ours()[0].numpy().reshape(R, R) - theirs).max())
    assert err < 1e-4, f"loss-landscapes and evaluate_plane differ by {err}"
    return compare(
        "landscape",
        f"{R}x{R} grid, 2,000 samples",
        "loss-landscapes 3.0.6 planar_interpolation",
        peer,
        "evaluate_plane",
        ours,
        f"every point: max |diff| {err:.1e}",
        rounds=3,
        min_time=0.0,
        goal=2.0,
    )
