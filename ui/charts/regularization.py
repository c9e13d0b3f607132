"""Charts of the Regularization page: the generalization gap, weight histograms and strength sweeps."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, CLASS_COLORS, SPLITS, TRAIN

SWEEP_MEASURES = {  # measure shown in the sweep -> its colour
    "test accuracy": ACCENT,
    "validation accuracy": CLASS_COLORS[3],
    "accuracy gap (train − test)": TRAIN,
    "loss gap (test − train)": CLASS_COLORS[2],
}


def gap_curves(history: dict, title: str) -> alt.Chart:
    """Train and validation loss against epoch with the gap between them shaded."""
    n = len(history["train_loss"])
    df = pd.DataFrame({"epoch": np.arange(1, n + 1), "train": history["train_loss"], "validation": history["val_loss"]})
    band = alt.Chart(df).mark_area(opacity=0.25, color=ACCENT).encode(
        x=alt.X("epoch:Q", title="epoch"), y=alt.Y("train:Q", title="loss"), y2="validation:Q")
    long = df.melt("epoch", var_name="split", value_name="loss")
    lines = alt.Chart(long).mark_line().encode(
        x="epoch:Q", y="loss:Q", color=alt.Color("split:N", scale=alt.Scale(domain=["train", "validation"],
                                                                             range=list(SPLITS.values())), title=None,
                                             legend=alt.Legend(orient="bottom")),
        tooltip=["epoch", "split", alt.Tooltip("loss:Q", format=".4f")])
    return alt.layer(band, lines, title=title).properties(height=200)


def weight_histogram(weights: np.ndarray, title: str, bins: int = 40) -> alt.Chart:
    """How many weights fall in each value bin (the extreme 0.5% clipped into the end bins)."""
    lim = float(np.quantile(np.abs(weights), 0.995)) or 1.0
    counts, edges = np.histogram(np.clip(weights, -lim, lim), bins=bins, range=(-lim, lim))
    df = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "weights": counts})
    return alt.Chart(df, title=title).mark_bar(color=TRAIN, binSpacing=0).encode(
        x=alt.X("from:Q", title="weight value", bin="binned"), x2="to:Q", y=alt.Y("weights:Q", title="number of weights"),
        tooltip=[alt.Tooltip("from:Q", format=".3f"), alt.Tooltip("to:Q", format=".3f"), "weights"]).properties(height=160)


def sweep_frame(rows) -> pd.DataFrame:
    """Long table (strength, measure, value) from core.regularization.SweepRow records."""
    records = []
    for r in rows:
        m = r.metrics
        values = (m.test_accuracy, m.val_accuracy, m.accuracy_gap, m.loss_gap)
        records += [{"strength": r.strength, "measure": k, "value": float(v)} for k, v in zip(SWEEP_MEASURES, values)]
    return pd.DataFrame(records, columns=["strength", "measure", "value"])


def sweep_chart(rows, x_title: str, log: bool) -> alt.Chart:
    """Test and validation accuracy and the gaps against a remedy's strength, one point per strength trained."""
    df = sweep_frame(rows)
    color = alt.Color("measure:N", title=None, sort=list(SWEEP_MEASURES),
                      scale=alt.Scale(domain=list(SWEEP_MEASURES), range=list(SWEEP_MEASURES.values())),
                      legend=alt.Legend(orient="bottom", columns=2, labelLimit=300))
    return alt.Chart(df, title="Under- and over-regularization: accuracy and gaps against strength").mark_line(
        point=True).encode(x=alt.X("strength:Q", title=x_title, scale=alt.Scale(type="log" if log else "linear")),
                           y=alt.Y("value:Q", title="accuracy or gap"), color=color,
                           tooltip=["strength", "measure", alt.Tooltip("value:Q", format=".4f")]).properties(height=320)

