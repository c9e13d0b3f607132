"""Loss-surface grid speed: chunked batched evaluation against a per-point loop, in the same run.

    python benchmarks/landscape.py [--resolution 101] [--device auto|cpu|cuda] [--model mlp|transformer]

The model is the two-moons MLP 2-64-64-2 (4,482 parameters) on 2,000 training points, as in
../shared/GPU.md. The loop is timed on a subset of the grid and scaled to the full grid (it is
linear in the number of points); the batched paths are timed on the full grid. Prints the ratio.
"""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core import data, landscape, models, train, zoo  # noqa: E402


def timer(dev):
    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def timed(fn, repeats=3):
        fn()
        sync()
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            sync()
            best = min(best, time.perf_counter() - t)
        return best
    return timed


def transformer(args, dev):
    """The zoo's reverse Transformer (17,802 parameters) on 256 training sequences of 8 tokens:
    vmap over functional_call against the per-point loop, as the loss surface page runs it."""
    e = zoo.entry("reverse_transformer")
    model = zoo.load_model(e).to(dev).eval()
    ds = data.load(e["dataset"]["name"], seed=e["dataset"]["seed"], **e["dataset"]["options"])
    X, y = (torch.as_tensor(v[:256], device=dev) for v in (ds.X_train, ds.y_train))
    R = min(args.resolution, 31)
    d1, d2 = (d.to(dev) for d in landscape.random_directions(model.cpu(), "filter", 0))
    model.to(dev)
    c = landscape.flat(model)
    axis = torch.linspace(-1, 1, R, device=dev)
    a, b = (t.reshape(-1) for t in torch.meshgrid(axis, axis, indexing="ij"))
    timed = timer(dev)
    n = min(args.loop_points, 100, R * R)
    thetas = c[None] + a[:n, None] * d1[None] + b[:n, None] * d2[None]
    loop = timed(lambda: landscape.evaluate_loop(model, thetas, X, y, "sequence"), 1) * (R * R / n)
    vm = timed(lambda: landscape.evaluate_plane(model, c, d1, d2, a, b, X, y, "sequence"), 1)
    print(f"device {dev}, threads {torch.get_num_threads()}, reverse_transformer, grid {R}x{R} = {R * R:,} points, "
          f"256 sequences x 8 tokens; loss and accuracy at every point")
    print(f"per-point loop (scaled from {n} points): {loop:8.3f} s   {loop / R / R * 1e3:6.2f} ms a point")
    print(f"vmap over functional_call, chunked:      {vm:8.3f} s   {vm / R / R * 1e3:6.2f} ms a point   "
          f"{loop / vm:5.2f}x the loop")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--resolution", type=int, default=101)
    p.add_argument("--device", default="auto")
    p.add_argument("--loop-points", type=int, default=1000)
    p.add_argument("--model", choices=["mlp", "transformer"], default="mlp",
                   help="transformer: the zoo's reverse_transformer on 256 training sequences (vmap path)")
    args = p.parse_args()
    dev = train.resolve_device(args.device)
    if dev.type == "cpu":
        torch.set_num_threads(2)
    if args.model == "transformer":
        return transformer(args, dev)
    ds = data.load("moons", n_samples=2700)
    torch.manual_seed(0)
    model = models.build("mlp", widths=(64, 64))
    train.fit(model, ds, epochs=5, device="cpu")
    model = model.to(dev).eval()
    R = args.resolution
    d1, d2 = (d.to(dev) for d in landscape.random_directions(model.cpu(), "filter", 0))
    model.to(dev)
    c = landscape.flat(model)
    axis = torch.linspace(-1, 1, R, device=dev)
    a, b = (t.reshape(-1) for t in torch.meshgrid(axis, axis, indexing="ij"))
    X, y = (torch.as_tensor(v[:2000], device=dev) for v in (ds.X_train, ds.y_train))

    timed = timer(dev)
    n = min(args.loop_points, R * R)
    thetas = c[None] + a[:n, None] * d1[None] + b[:n, None] * d2[None]
    loop = timed(lambda: landscape.evaluate_loop(model, thetas, X, y, "classification"), 1) * (R * R / n)
    fast = timed(lambda: landscape.evaluate_plane(model, c, d1, d2, a, b, X, y, "classification"))
    full = c[None] + a[:, None] * d1[None] + b[:, None] * d2[None]
    vm = timed(lambda: landscape.evaluate_grid(model, full, X, y, "classification"), 1)
    whole = timed(lambda: landscape.surface(model, ds, "filter", resolution=R, device=str(dev), max_points=2000), 1)
    goal = 100 if dev.type == "cuda" else 2
    print(f"device {dev}, threads {torch.get_num_threads()}, grid {R}x{R} = {R * R:,} points, 2,000 samples, "
          f"{models.n_parameters(model):,} parameters; loss and accuracy at every point")
    print(f"per-point loop (scaled from {n} points): {loop:8.3f} s")
    print(f"vmap over functional_call, chunked:      {vm:8.3f} s   {loop / vm:6.1f}x the loop")
    print(f"surface() path (affine MLP, chunked):    {fast:8.3f} s   {loop / fast:6.1f}x the loop  (goal: {goal}x)")
    print(f"surface() end to end, {R}x{R}, filter directions, training loss + validation accuracy "
          f"({len(ds.X_val)} points): {whole:.3f} s")


if __name__ == "__main__":
    main()
