"""The lab report of an experiment, in one zip: figures, every run's settings and metrics, the link, the model.

For homework and papers: ``runs.csv`` (one row per run: its settings, status and final metrics),
``curves.csv`` (every run's curves per epoch), ``figures/*.svg`` drawn here with no plotting library
(learning curves overlaid, validation accuracy against each varied setting, the best run's decision
boundary), any Vega-Lite chart specs the page adds (``figures/*.vl.json``, open them at
vega.github.io/editor), ``link.txt`` (the URL that reproduces the view), and the best run's ONNX
bundle (model, config, data split and a train.py that retrains it).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html import escape

import numpy as np

from core import bundle, experiments, models
from core.errors import ConfigError

W, H, PAD = 560, 340, 50  # figure size and margin, in SVG pixels
COLORS = ["#1f77b4", "#E4572E", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def runs_csv(results) -> str:
    keys = list(results[0].settings)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["run", *keys, "status", "val_acc", "val_loss", "epochs", "seconds", "message"])
    for i, r in enumerate(results, 1):
        w.writerow(
            [
                i,
                *(r.settings.get(k) for k in keys),
                r.status,
                f"{r.val_acc:.6g}",
                f"{r.val_loss:.6g}",
                len(r.history.get("val_loss", [])),
                f"{r.seconds:.3f}",
                r.message,
            ]
        )
    return out.getvalue()


def curves_csv(results) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["run", "epoch", "train_loss", "val_loss", "train_acc", "val_acc"])
    for i, r in enumerate(results, 1):
        h = r.history
        for e in range(len(h.get("val_loss", []))):
            w.writerow([i, e + 1, *(f"{h[k][e]:.6g}" for k in ("train_loss", "val_loss", "train_acc", "val_acc"))])
    return out.getvalue()


def _svg(title: str, x_title: str, y_title: str, body: list[str], xr, yr) -> str:
    ticks = []
    for t in np.linspace(*yr, 5):
        y = H - PAD - (t - yr[0]) / (yr[1] - yr[0] or 1) * (H - 2 * PAD)
        ticks.append(f'<text x="{PAD - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{t:.3g}</text>')
    for t in np.linspace(*xr, 5):
        x = PAD + (t - xr[0]) / (xr[1] - xr[0] or 1) * (W - 2 * PAD)
        ticks.append(f'<text x="{x:.1f}" y="{H - PAD + 14}" text-anchor="middle" font-size="10">{t:.3g}</text>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">'
        f'<rect width="{W}" height="{H}" fill="white"/>'
        f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{escape(title)}</text>'
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="black"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="black"/>'
        f'<text x="{W / 2}" y="{H - 12}" text-anchor="middle" font-size="12">{escape(x_title)}</text>'
        f'<text x="14" y="{H / 2}" transform="rotate(-90 14 {H / 2})" text-anchor="middle" font-size="12">'
        f"{escape(y_title)}</text>{''.join(ticks)}{''.join(body)}</svg>"
    )


def _scale(v, r, lo, hi):
    return lo + (np.asarray(v, float) - r[0]) / ((r[1] - r[0]) or 1) * (hi - lo)


def curves_svg(results, key: str = "val_loss") -> str:
    ok = [(i, r) for i, r in enumerate(results, 1) if r.history.get(key)]
    if not ok:
        return _svg("No finished runs", "epoch", key, [], (0, 1), (0, 1))
    ys = np.concatenate([r.history[key] for _, r in ok])
    xr, yr = (1, max(len(r.history[key]) for _, r in ok)), (float(ys.min()), float(ys.max()))
    body = []
    for n, (i, r) in enumerate(ok):
        v = r.history[key]
        px, py = _scale(np.arange(1, len(v) + 1), xr, PAD, W - PAD), _scale(v, yr, H - PAD, PAD)
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py))
        body.append(
            f'<polyline points="{pts}" fill="none" stroke="{COLORS[n % len(COLORS)]}" stroke-width="1.5">'
            f"<title>run {i}</title></polyline>"
        )
    return _svg(f"{key} per epoch, every run", "epoch", key, body, xr, yr)


def scatter_svg(results, setting: str) -> str:
    pts = [(float(r.settings[setting]) if not isinstance(r.settings[setting], str) else None, r) for r in results]
    labels = sorted({str(r.settings[setting]) for r in results})
    xs = [p if p is not None else labels.index(str(r.settings[setting])) for p, r in pts]
    xr = (min(xs), max(xs)) if min(xs) != max(xs) else (min(xs) - 1, max(xs) + 1)
    body = []
    for x, (_, r) in zip(xs, pts):
        acc = r.val_acc if np.isfinite(r.val_acc) else 0.0
        colour = COLORS[0] if r.status == "ok" else COLORS[1]
        body.append(
            f'<circle cx="{_scale(x, xr, PAD, W - PAD):.1f}" cy="{_scale(acc, (0, 1), H - PAD, PAD):.1f}" '
            f'r="5" fill="{colour}"><title>{escape(str(r.settings[setting]))}: {acc:.3f} '
            f"({r.status})</title></circle>"
        )
    return _svg(f"validation accuracy against {setting}", setting, "validation accuracy", body, xr, (0, 1))


def boundary_svg(result) -> str:
    if result.proba is None:
        return _svg("No boundary: the run did not finish", "x1", "x2", [], (-3, 3), (-3, 3))
    n = result.proba.shape[0]
    cw, ch = (W - 2 * PAD) / n, (H - 2 * PAD) / n
    body = [
        f'<rect x="{PAD + i * cw:.1f}" y="{H - PAD - (j + 1) * ch:.1f}" width="{cw + 0.5:.1f}" '
        f'height="{ch + 0.5:.1f}" fill="{COLORS[1] if result.proba[j, i] >= 0.5 else COLORS[0]}" '
        f'fill-opacity="{0.25 + 0.5 * abs(result.proba[j, i] - 0.5):.2f}"/>'
        for j in range(n)
        for i in range(n)
    ]
    return _svg("decision boundary of the best run (P(class 1) >= 0.5 in orange)", "x1", "x2", body, (-3, 3), (-3, 3))


def best(results):
    ok = [r for r in results if r.status == "ok"]
    return max(ok, key=lambda r: r.val_acc) if ok else None


def build(results, link: str, specs: dict | None = None) -> bytes:
    """The report as zip bytes. ``specs``: {name: Vega-Lite dict} of the page's charts, added as they are."""
    if not results:
        raise ConfigError("Run an experiment first: the report describes its runs.")
    varied = [k for k in results[0].settings if len({str(r.settings[k]) for r in results}) > 1]
    top = best(results)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lab_report/runs.csv", runs_csv(results))
        z.writestr("lab_report/curves.csv", curves_csv(results))
        z.writestr("lab_report/link.txt", link + "\n")
        z.writestr("lab_report/figures/learning_curves.svg", curves_svg(results))
        for k in varied:
            z.writestr(f"lab_report/figures/accuracy_vs_{k}.svg", scatter_svg(results, k))
        for name, spec in (specs or {}).items():
            z.writestr(f"lab_report/figures/{name}.vl.json", json.dumps(spec, default=str))
        if top is not None:
            z.writestr("lab_report/figures/best_boundary.svg", boundary_svg(top))
            model = models.from_config(top.model_config)
            import torch

            model.load_state_dict({k: torch.as_tensor(np.array(v)) for k, v in top.weights.items()})
            ds = experiments.dataset_of(top.settings)
            z.writestr(
                "lab_report/best_run_bundle.zip",
                bundle.make_bundle(
                    model.eval(),
                    ds,
                    experiments.train_options(top.settings),
                    {"val_acc": top.val_acc, "val_loss": top.val_loss},
                    "best_run",
                ),
            )
        z.writestr(
            "lab_report/README.txt",
            (
                f"An experiment of {len(results)} runs ({sum(r.status == 'ok' for r in results)} finished).\n"
                "runs.csv: settings and final metrics of every run; curves.csv: every run's curves per epoch;\n"
                "figures/: SVG figures and Vega-Lite specs; link.txt: opens the same experiment settings;\n"
                "best_run_bundle.zip: the best run's ONNX model, config, data split and train.py.\n"
            ),
        )
    return buf.getvalue()
