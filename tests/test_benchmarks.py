"""The benchmark harness itself (no timing is checked): a fast wrong answer is a failure, and the
report holds every pair with its ratio."""

import pytest

from benchmarks import __main__ as bench
from benchmarks.common import compare


def test_compare_interleaves_and_reports_the_ratio():
    p = compare(
        "t",
        "case",
        "slow",
        lambda: sum(range(20000)),
        "fast",
        lambda: sum(range(2000)),
        "same sum",
        rounds=3,
        min_time=0.005,
    )
    assert p.ratio > 1 and p.ratio_lo <= p.ratio <= p.ratio_hi and p.rounds == 3


def test_a_wrong_surface_is_refused(monkeypatch):
    from benchmarks import surface
    from core import grid_eval

    real = grid_eval.evaluate_plane
    monkeypatch.setattr(grid_eval, "evaluate_plane", lambda *a, **k: (real(*a, **k)[0] + 1, None))
    with pytest.raises(AssertionError, match="differ"):
        surface.run(quick=True)


def test_quick_inference_report(tmp_path):
    report = bench.main(["--quick", "--only", "inference", "--out", str(tmp_path)])
    cases = {p["case"] for p in report["pairs"]}
    assert {"moons_mlp batch 1", "moons_mlp batch 256"} <= cases
    assert all(p["check"] for p in report["pairs"])
    md = (tmp_path / "quick.md").read_text()
    assert "onnxruntime fp32" in md and "torch eager" in md
