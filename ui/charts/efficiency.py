"""Chart builders of the efficiency page: pure functions from plain data to an alt.Chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts.palette import ACCENT, CLASS_COLORS, MUTED, TRAIN
from ui.i18n import N_, _

LADDER_MEASURES = {
    "parameters": N_("parameters"),
    "training FLOPs": N_("training FLOPs"),
    "energy (kWh)": N_("energy (kWh)"),
    "carbon (kg CO2e)": N_("carbon (kg CO2e)"),
}
KINDS = {"your run": N_("your run"), "BigModel": N_("BigModel"), "published": N_("published")}


def scale_ladder(rows: list[dict]) -> alt.Chart:
    """One row of points per measure, on log axes: a run here beside the BigModel and published models."""
    kind = {k: _(label) for k, label in KINDS.items()}
    long = pd.DataFrame(
        [
            {"model": r["model"], "measure": _(label), "value": r[m], "kind": kind[r.get("kind")]}
            for r in rows
            for m, label in LADDER_MEASURES.items()
            if r.get(m) and r[m] > 0
        ]
    )
    return (
        alt.Chart(long, title=_("The scale ladder: orders of magnitude from a run here to GPT-3"))
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("value:Q", scale=alt.Scale(type="log"), title=_("value (log scale)")),
            y=alt.Y("model:N", sort=None, title=None, axis=alt.Axis(labelLimit=320)),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=[_(k) for k in KINDS.values()], range=[ACCENT, TRAIN, MUTED]),
                title=None,
                legend=alt.Legend(orient="top"),
            ),
            row=alt.Row("measure:N", sort=[_(m) for m in LADDER_MEASURES.values()], title=None),
            tooltip=["model", "measure", alt.Tooltip("value:Q", format=".3g")],
        )
        .properties(height=150, width=520)
    )


def power_over_time(seconds: list, watts: list, estimated: bool) -> alt.Chart:
    """Average power per epoch; on the estimate path it is the stated figure, so the line is flat by construction."""
    df = pd.DataFrame({"seconds": seconds, "watts": watts})
    title = (
        _("Power during training, per epoch (estimate: the stated power, flat by construction)")
        if estimated
        else _("Power during training, per epoch (measured)")
    )
    return (
        alt.Chart(df, title=title)
        .mark_line(point=True, color=MUTED if estimated else TRAIN)
        .encode(
            x=alt.X("seconds:Q", title=_("time since start (s)")),
            y=alt.Y("watts:Q", title=_("average power (W)"), scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("seconds:Q", format=".2f"), alt.Tooltip("watts:Q", format=".1f")],
        )
        .properties(height=220)
    )


def predicted_vs_measured(rows: list[dict], quantity: str = "seconds") -> alt.Chart:
    """Each run's predicted against measured value on log axes, with the line of perfect prediction."""
    df = pd.DataFrame(
        [
            {"run": r["run"], "predicted": r[f"predicted_{quantity}"], "measured": r[f"measured_{quantity}"]}
            for r in rows
        ]
    )
    lo, hi = float(min(df.min(numeric_only=True))), float(max(df.max(numeric_only=True)))
    line = pd.DataFrame({"predicted": [lo, hi], "measured": [lo, hi]})
    log = alt.Scale(type="log")
    pts = (
        alt.Chart(df)
        .mark_circle(size=90, color=ACCENT)
        .encode(
            x=alt.X("predicted:Q", scale=log, title=_("predicted time (s)")),
            y=alt.Y("measured:Q", scale=log, title=_("measured time (s)")),
            tooltip=["run", alt.Tooltip("predicted:Q", format=".3g"), alt.Tooltip("measured:Q", format=".3g")],
        )
    )
    diag = alt.Chart(line).mark_line(color=MUTED, strokeDash=[4, 4]).encode(x="predicted:Q", y="measured:Q")
    return alt.layer(
        diag,
        pts,
        title=_("Predicted against measured time, one point per run; the dashed line is a perfect prediction"),
    ).properties(height=280)


def tradeoff(rows: list[dict], x: str = "kilobytes", metric: str = "accuracy", names: dict | None = None) -> alt.Chart:
    """File size against the validation metric, one point per variant (``names``: variant -> label shown)."""
    df = pd.DataFrame([r for r in rows if r.get(x) and r.get(metric) == r.get(metric)])
    df["variant"] = [(names or {}).get(v, v) for v in df["variant"]]
    shown = list(dict.fromkeys(df["variant"]))
    label = _("accuracy") if metric == "accuracy" else "R²"
    return (
        alt.Chart(
            df[["variant", x, metric]], title=_("Trade-off: file size against validation {metric}").format(metric=label)
        )
        .mark_point(filled=True, size=140)
        .encode(
            x=alt.X(f"{x}:Q", scale=alt.Scale(type="log"), title=_("file size (KB, log scale)")),
            y=alt.Y(f"{metric}:Q", scale=alt.Scale(zero=False), title=_("validation {metric}").format(metric=label)),
            color=alt.Color("variant:N", scale=alt.Scale(domain=shown, range=CLASS_COLORS[: len(shown)]), title=None),
            tooltip=["variant", alt.Tooltip(f"{x}:Q", format=".3g"), alt.Tooltip(f"{metric}:Q", format=".3f")],
        )
        .properties(height=280)
    )
