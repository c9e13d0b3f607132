"""Charts of the Regularization page: the generalization gap, weight histograms and strength sweeps."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, CLASS_COLORS, SPLITS, TRAIN
from ui.i18n import N_, _

# the sweep's two panels: measure -> its colour. Accuracies share a 0-to-1 axis; the gaps get their own,
# since the loss gap (test - train cross-entropy) can run well past 1 and would flatten the accuracies.
SWEEP_PANELS = {
    "accuracy": {N_("test accuracy"): ACCENT, N_("validation accuracy"): CLASS_COLORS[3], N_("train accuracy"): TRAIN},
    "gap": {N_("accuracy gap (train − test)"): TRAIN, N_("loss gap (test − train)"): CLASS_COLORS[2]},
}
SWEEP_TITLES = {
    "accuracy": (
        N_("Accuracy against strength"),
        N_("too much regularization lowers train and test accuracy together"),
    ),
    "gap": (N_("Generalization gaps against strength"), N_("too little regularization leaves them wide")),
}
SWEEP_Y = {"accuracy": N_("accuracy"), "gap": N_("gap")}


def gap_curves(history: dict, title: str) -> alt.Chart:
    """Train and validation loss against epoch with the gap between them shaded."""
    train, val, epoch, loss = _("train"), _("validation"), _("epoch"), _("loss")
    n = len(history["train_loss"])
    df = pd.DataFrame({"epoch": np.arange(1, n + 1), "train": history["train_loss"], "validation": history["val_loss"]})
    band = (
        alt.Chart(df)
        .mark_area(opacity=0.25, color=ACCENT)
        .encode(x=alt.X("epoch:Q", title=epoch), y=alt.Y("train:Q", title=loss), y2="validation:Q")
    )
    long = df.rename(columns={"train": train, "validation": val}).melt("epoch", var_name="split", value_name="loss")
    lines = (
        alt.Chart(long)
        .mark_line()
        .encode(
            x="epoch:Q",
            y="loss:Q",
            color=alt.Color(
                "split:N",
                scale=alt.Scale(domain=[train, val], range=list(SPLITS.values())),
                title=None,
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("epoch:Q", title=epoch),
                alt.Tooltip("split:N", title=_("split")),
                alt.Tooltip("loss:Q", title=loss, format=".4f"),
            ],
        )
    )
    return alt.layer(band, lines, title=title).properties(height=200)


def weight_histogram(weights: np.ndarray, title: str, bins: int = 40) -> alt.Chart:
    """How many weights fall in each value bin (the extreme 0.5% clipped into the end bins)."""
    lim = float(np.quantile(np.abs(weights), 0.995)) or 1.0
    counts, edges = np.histogram(np.clip(weights, -lim, lim), bins=bins, range=(-lim, lim))
    df = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "weights": counts})
    return (
        alt.Chart(df, title=title)
        .mark_bar(color=TRAIN, binSpacing=0)
        .encode(
            x=alt.X("from:Q", title=_("weight value"), bin="binned"),
            x2="to:Q",
            y=alt.Y("weights:Q", title=_("number of weights")),
            tooltip=[
                alt.Tooltip("from:Q", title=_("from"), format=".3f"),
                alt.Tooltip("to:Q", title=_("to"), format=".3f"),
                alt.Tooltip("weights:Q", title=_("number of weights")),
            ],
        )
        .properties(height=160)
    )


def sweep_frame(rows, panel: str = "accuracy") -> pd.DataFrame:
    """Long table (strength, measure, value) of one panel from core.regularization.SweepRow records;
    measures in this run's language."""
    records = []
    for r in rows:
        m = r.metrics
        values = {
            "test accuracy": m.test_accuracy,
            "validation accuracy": m.val_accuracy,
            "train accuracy": m.train_accuracy,
            "accuracy gap (train − test)": m.accuracy_gap,
            "loss gap (test − train)": m.loss_gap,
        }
        records += [{"strength": r.strength, "measure": _(k), "value": float(values[k])} for k in SWEEP_PANELS[panel]]
    return pd.DataFrame(records, columns=["strength", "measure", "value"])


def sweep_chart(rows, x_title: str, log: bool, panel: str = "accuracy") -> alt.Chart:
    """One panel of the sweep (accuracies, or the gaps) against a remedy's strength, one point per strength."""
    measures = {_(k): c for k, c in SWEEP_PANELS[panel].items()}
    color = alt.Color(
        "measure:N",
        title=None,
        sort=list(measures),
        scale=alt.Scale(domain=list(measures), range=list(measures.values())),
        legend=alt.Legend(orient="top", direction="horizontal", labelLimit=320),
    )
    y_scale = alt.Scale(domain=[0, 1]) if panel == "accuracy" else alt.Scale(zero=True)
    title, subtitle = SWEEP_TITLES[panel]
    return (
        alt.Chart(sweep_frame(rows, panel), title=alt.Title(_(title), subtitle=_(subtitle), anchor="start"))
        .mark_line(point=alt.OverlayMarkDef(size=60))
        .encode(
            x=alt.X("strength:Q", title=x_title, scale=alt.Scale(type="log" if log else "linear", nice=False)),
            y=alt.Y("value:Q", title=_(SWEEP_Y[panel]), scale=y_scale),
            color=color,
            tooltip=[
                alt.Tooltip("strength:Q", title=x_title, format=".3g"),
                alt.Tooltip("measure:N", title=_("measure")),
                alt.Tooltip("value:Q", title=_("value"), format=".4f"),
            ],
        )
        .properties(height=280)
    )
