"""Chart builders of the efficiency page: pure functions from plain data to an alt.Chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts.palette import ACCENT, CLASS_COLORS, MUTED, TRAIN

LADDER_MEASURES = ("parameters", "training FLOPs", "energy (kWh)", "carbon (kg CO2e)")


def scale_ladder(rows: list[dict]) -> alt.Chart:
    """One row of points per measure, on log axes: a run here beside the BigModel and published models."""
    long = pd.DataFrame([{"model": r["model"], "measure": m, "value": r[m], "kind": r["kind"]}
                         for r in rows for m in LADDER_MEASURES if r.get(m) and r[m] > 0])
    kinds = ["your run", "BigModel", "published"]
    return alt.Chart(long, title="The scale ladder: orders of magnitude from a run here to GPT-3").mark_point(
        filled=True, size=90).encode(
        x=alt.X("value:Q", scale=alt.Scale(type="log"), title="value (log scale)"),
        y=alt.Y("model:N", sort=None, title=None),
        color=alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=[ACCENT, TRAIN, MUTED]), title=None),
        row=alt.Row("measure:N", sort=list(LADDER_MEASURES), title=None),
        tooltip=["model", "measure", alt.Tooltip("value:Q", format=".3g")]).properties(height=150, width=700)


def power_over_time(seconds: list, watts: list, source: str) -> alt.Chart:
    df = pd.DataFrame({"seconds": seconds, "watts": watts})
    return alt.Chart(df, title=f"Power during training, per epoch ({source})").mark_line(point=True, color=TRAIN).encode(
        x=alt.X("seconds:Q", title="time since start (s)"), y=alt.Y("watts:Q", title="average power (W)"),
        tooltip=[alt.Tooltip("seconds:Q", format=".2f"), alt.Tooltip("watts:Q", format=".1f")]).properties(height=220)


def predicted_vs_measured(rows: list[dict], quantity: str = "seconds") -> alt.Chart:
    """Each run's predicted against measured value on log axes, with the line of perfect prediction."""
    df = pd.DataFrame([{"run": r["run"], "predicted": r[f"predicted_{quantity}"], "measured": r[f"measured_{quantity}"]}
                       for r in rows])
    lo, hi = float(min(df.min(numeric_only=True))), float(max(df.max(numeric_only=True)))
    line = pd.DataFrame({"predicted": [lo, hi], "measured": [lo, hi]})
    log = alt.Scale(type="log")
    pts = alt.Chart(df).mark_circle(size=90, color=ACCENT).encode(
        x=alt.X("predicted:Q", scale=log, title=f"predicted {quantity}"), y=alt.Y("measured:Q", scale=log,
                                                                             title=f"measured {quantity}"),
        tooltip=["run", alt.Tooltip("predicted:Q", format=".3g"), alt.Tooltip("measured:Q", format=".3g")])
    diag = alt.Chart(line).mark_line(color=MUTED, strokeDash=[4, 4]).encode(x="predicted:Q", y="measured:Q")
    return alt.layer(diag, pts, title=f"Predicted against measured {quantity}, one point per run").properties(height=280)


def tradeoff(rows: list[dict], x: str = "kilobytes", metric: str = "accuracy") -> alt.Chart:
    """Size (or energy) against the validation metric, one point per variant."""
    df = pd.DataFrame([r for r in rows if r.get(x) and r.get(metric) == r.get(metric)])
    names = list(dict.fromkeys(df["variant"]))
    return alt.Chart(df, title=f"Trade-off: {x} against validation {metric}").mark_point(filled=True, size=140).encode(
        x=alt.X(f"{x}:Q", scale=alt.Scale(type="log"), title=f"{x} (log scale)"),
        y=alt.Y(f"{metric}:Q", scale=alt.Scale(zero=False), title=f"validation {metric}"),
        color=alt.Color("variant:N", scale=alt.Scale(domain=names, range=CLASS_COLORS[: len(names)]), title=None),
        tooltip=list(df.columns)).properties(height=280)
