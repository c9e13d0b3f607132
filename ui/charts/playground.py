"""Chart builders of the playground page: pure functions from plain data to an alt.Chart."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, TRAIN


def cross_validation_folds(folds: list[float], metric: str) -> alt.Chart:
    """One bar per fold's validation score, with the mean across folds as a rule."""
    df = pd.DataFrame({"fold": [f"fold {i + 1}" for i in range(len(folds))], metric: [float(v) for v in folds]})
    mean = pd.DataFrame({"mean": [float(np.mean(folds))]})
    bars = alt.Chart(df).mark_bar(color=TRAIN).encode(
        x=alt.X("fold:N", title="fold", sort=None), y=alt.Y(f"{metric}:Q", title=f"validation {metric}"),
        tooltip=["fold", alt.Tooltip(f"{metric}:Q", format=".4f")])
    rule = alt.Chart(mean).mark_rule(color=ACCENT, strokeDash=[4, 3]).encode(
        y="mean:Q", tooltip=[alt.Tooltip("mean:Q", title=f"mean {metric}", format=".4f")])
    return alt.layer(bars, rule, title=f"Validation {metric} of each fold (dashed: the mean)").properties(height=220)
