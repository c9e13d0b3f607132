"""Charts of the zoo page: what a model predicts for the input in its try-it box."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, TRAIN


def probabilities(
    class_names,
    p: np.ndarray,
    title: str = "Class probabilities",
    axis_title: str = "probability",
    class_title: str = "class",
) -> alt.Chart:
    """One bar per class, the predicted (most probable) class highlighted (titles already translated)."""
    names = [str(c) for c in class_names]
    p = np.asarray(p, dtype=float)
    df = pd.DataFrame({"class": names, "probability": p, "predicted": p == p.max()})
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            x=alt.X("class:N", sort=names, title=None),
            y=alt.Y("probability:Q", title=axis_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            color=alt.condition(alt.datum.predicted, alt.value(ACCENT), alt.value(TRAIN)),
            tooltip=[
                alt.Tooltip("class:N", title=class_title),
                alt.Tooltip("probability:Q", title=axis_title, format=".1%"),
            ],
        )
        .properties(height=160)
    )
