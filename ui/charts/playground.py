"""Chart builders of the playground page: pure functions from plain data to an alt.Chart."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, TRAIN
from ui.i18n import N_, _

# the headline score of core.metrics.cross_validate, as the learner reads it
METRIC_NAMES = {"accuracy": N_("accuracy"), "r2": "R²"}


def metric_name(metric: str) -> str:
    return _(METRIC_NAMES.get(metric, metric))


def cross_validation_folds(folds: list[float], metric: str) -> alt.Chart:
    """One bar per fold's validation score, with the mean across folds as a rule."""
    name = metric_name(metric)
    df = pd.DataFrame(
        {"fold": [_("fold {i}").format(i=i + 1) for i in range(len(folds))], metric: [float(v) for v in folds]}
    )
    mean = pd.DataFrame({"mean": [float(np.mean(folds))]})
    bars = (
        alt.Chart(df)
        .mark_bar(color=TRAIN)
        .encode(
            x=alt.X("fold:N", title=_("fold"), sort=None),
            y=alt.Y(f"{metric}:Q", title=_("validation {metric}").format(metric=name)),
            tooltip=[alt.Tooltip("fold:N", title=_("fold")), alt.Tooltip(f"{metric}:Q", title=name, format=".4f")],
        )
    )
    rule = (
        alt.Chart(mean)
        .mark_rule(color=ACCENT, strokeDash=[4, 3])
        .encode(y="mean:Q", tooltip=[alt.Tooltip("mean:Q", title=_("mean {metric}").format(metric=name), format=".4f")])
    )
    return alt.layer(
        bars, rule, title=_("Validation {metric} of each fold (dashed: the mean)").format(metric=name)
    ).properties(height=220)
