"""python -m benchmarks [--quick] [--only inference,landscape,training,pages] [--out benchmarks/results]

Runs every comparison, each pair interleaved in the same run after its outputs were checked equal,
and writes a JSON report and a Markdown table (device, versions, threads; each figure's median and
spread; each ratio pair by pair). --quick runs a subset in under 2 minutes on a 2-core CPU (CI runs it
to keep it working and checks no timing)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import common, inference, pages, surface, training  # noqa: E402

SUITES = {"inference": inference.run, "landscape": surface.run, "training": training.run, "pages": pages.run}


def _fmt_s(s: float) -> str:
    return f"{s * 1e6:.0f} µs" if s < 1e-3 else f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def markdown(report: dict) -> str:
    env = report["environment"]
    lines = [
        f"Measured {report['date']} on {env['processor']} ({env['cpu_count']} cores, torch threads "
        f"{env['torch_threads']}), Python {env['python']}, torch {env['torch']}, onnxruntime {env['onnxruntime']}"
        f"{', ' + env['cuda'] if env['cuda'] else ', no GPU'}; {'quick' if report['quick'] else 'full'} run, "
        f"{report['seconds']:.0f} s. Ratio = alternative / ours (above 1: ours is faster), median of the "
        "interleaved rounds [25th-75th percentile].",
        "",
        "| suite | case | alternative | ours | alternative time | our time | ratio | goal | outputs checked |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in report["pairs"]:
        goal = "" if p["goal"] is None else f"{p['goal']:g}x {'met' if p['ratio'] >= p['goal'] else '**not met**'}"
        lines.append(
            f"| {p['suite']} | {p['case']} | {p['base']} | {p['ours']} | {_fmt_s(p['base_s'])} | "
            f"{_fmt_s(p['ours_s'])} | **{p['ratio']:.2f}x** [{p['ratio_lo']:.2f}-{p['ratio_hi']:.2f}] | "
            f"{goal} | {p['check']}{'; ' + p['note'] if p['note'] else ''} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default=",".join(SUITES))
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    args = ap.parse_args(argv)
    start = time.perf_counter()
    pairs = []
    failed = []
    for name in args.only.split(","):
        print(f"benchmarks: {name} ...", flush=True)
        try:
            pairs += [p.row() for p in SUITES[name](args.quick)]
        except AssertionError as e:  # a wrong answer: reported, and the run fails after the report is written
            failed.append(f"{name}: {e}")
    report = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick,
        "environment": common.environment(),
        "seconds": time.perf_counter() - start,
        "pairs": pairs,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "quick" if args.quick else "cpu"
    (out / f"{stem}.json").write_text(json.dumps(report, indent=1))
    (out / f"{stem}.md").write_text(markdown(report))
    print(markdown(report))
    if failed:
        raise SystemExit("benchmarks failed: " + "; ".join(failed))
    return report


if __name__ == "__main__":
    main()
