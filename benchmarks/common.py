"""Timing that compares pairs fairly: the two sides run interleaved, round by round, so a machine
that slows down mid-run slows both; each figure is a median with its spread, each ratio the median
of the per-round ratios. A pair is timed only after its outputs were checked equal."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Pair:
    suite: str  # inference, landscape, training, pages
    case: str  # what is compared (model, batch ...)
    base: str  # the alternative, e.g. "torch eager"
    ours: str  # the project's path, e.g. "onnxruntime fp32"
    base_s: float  # median seconds of one call of the alternative
    ours_s: float  # median seconds of one call of ours
    ratio: float  # median over rounds of base / ours: above 1, ours is faster
    ratio_lo: float  # the 25th percentile of the per-round ratios
    ratio_hi: float  # the 75th percentile
    rounds: int  # rounds timed
    check: str  # how the outputs were checked equal before timing
    goal: float | None = None  # the ratio the issue asks for, where it names one
    note: str = ""

    def row(self) -> dict:
        return asdict(self)


def _per_call(fn, min_time: float) -> tuple[float, int]:
    """Seconds per call, running fn enough times (n) to fill min_time."""
    n, t = 1, 0.0
    while True:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        t = time.perf_counter() - start
        if t >= min_time or n >= 1 << 16:
            return t / n, n
        n *= 2 if t < min_time / 4 else 1
        if t >= min_time / 4:
            n = max(n, int(n * min_time / max(t, 1e-9)))


def compare(
    suite,
    case,
    base_name,
    base_fn,
    ours_name,
    ours_fn,
    check: str,
    rounds: int = 7,
    min_time: float = 0.05,
    goal: float | None = None,
    note: str = "",
) -> Pair:
    """Time base_fn and ours_fn interleaved over ``rounds`` rounds (after a warm-up of each)."""
    base_fn(), ours_fn()
    b, o = [], []
    for _ in range(rounds):
        b.append(_per_call(base_fn, min_time)[0])
        o.append(_per_call(ours_fn, min_time)[0])
    b, o = np.array(b), np.array(o)
    r = b / o
    return Pair(
        suite,
        case,
        base_name,
        ours_name,
        float(np.median(b)),
        float(np.median(o)),
        float(np.median(r)),
        float(np.percentile(r, 25)),
        float(np.percentile(r, 75)),
        rounds,
        check,
        goal,
        note,
    )


def environment() -> dict:
    import onnxruntime
    import torch

    return {
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onnxruntime": onnxruntime.__version__,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "ort_providers": onnxruntime.get_available_providers(),
    }


def matmul_gflops(n: int = 2048, repeats: int = 3) -> float:
    """The machine's fp32 matrix-product rate: the floor every dense benchmark is measured against."""
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = min(_per_call(lambda: a @ b, 0.2)[0] for _ in range(repeats))
    return 2 * n**3 / best / 1e9
