"""Altair chart builders: pure functions from plain data to an alt.Chart, titled, with units."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, CLASS_COLORS, COUNT_SCHEME, SPLITS, TRAIN
from ui.i18n import N_, _

# The class names of the built-in toy datasets (core.data): shown in the reader's language. Other
# names (Iris species, digits, the labels of a user's CSV) are shown as they are.
TOY_CLASSES = (
    N_("class 0"),
    N_("class 1"),
    N_("outer"),
    N_("inner"),
    N_("arm 0"),
    N_("arm 1"),
    N_("same sign"),
    N_("opposite sign"),
)


def class_label(name) -> str:
    name = str(name)
    return _(name) if name in TOY_CLASSES else name


def _splits() -> list[str]:
    return [_("train"), _("validation")]


def history_frame(history: dict, metric: str) -> pd.DataFrame:
    """Long table (epoch, split, value) from {"train_<metric>": [...], "val_<metric>": [...]}."""
    rows = []
    for split, key in zip(_splits(), (f"train_{metric}", f"val_{metric}")):
        for i, v in enumerate(history.get(key, [])):
            if v is not None and np.isfinite(v):
                rows.append({"epoch": i + 1, "split": split, metric: float(v)})
    return pd.DataFrame(rows, columns=["epoch", "split", metric])


def curves(
    history: dict, metric: str, title: str, y_title: str, log: bool = False, epochs: int | None = None
) -> alt.Chart:
    """Train and validation curves of one metric against epoch, with tooltips and zoom."""
    df = history_frame(history, metric)
    x = alt.X("epoch:Q", title=_("epoch"), scale=alt.Scale(domain=[1, max(2, epochs or int(df["epoch"].max() or 2))]))
    y = alt.Y(f"{metric}:Q", title=y_title, scale=alt.Scale(type="log" if log else "linear", zero=False))
    color = alt.Color("split:N", title=None, scale=alt.Scale(domain=_splits(), range=list(SPLITS.values())))
    tooltip = [
        alt.Tooltip("epoch:Q", title=_("epoch")),
        alt.Tooltip("split:N", title=_("split")),
        alt.Tooltip(f"{metric}:Q", title=y_title, format=".4f"),
    ]
    return (
        alt.Chart(df, title=title)
        .mark_line(point=len(df) < 60)
        .encode(x, y, color, tooltip=tooltip)
        .properties(height=220)
        .interactive(bind_y=False)
    )


def decision_boundary(
    boundary: dict, X: np.ndarray, y: np.ndarray, class_names, title: str, feature_names=("x1", "x2")
) -> alt.Chart:
    """Predicted class over a grid (shade = confidence) with the data points on top."""
    xs, ys, proba = boundary["xs"], boundary["ys"], boundary["proba"]
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    gx, gy = np.meshgrid(xs, ys)
    pred = proba.argmax(-1)
    names = [class_label(c) for c in class_names]
    cells = pd.DataFrame(
        {
            "x": gx.ravel() - dx,
            "x2": gx.ravel() + dx,
            "y": gy.ravel() - dy,
            "y2": gy.ravel() + dy,
            "predicted": [names[i] for i in pred.ravel()],
            "confidence": proba.max(-1).ravel(),
        }
    )
    colors = alt.Scale(domain=names, range=CLASS_COLORS[: len(names)])
    fx, fy = (_("{feature} (standardized)").format(feature=f) for f in feature_names[:2])
    grid = (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x=alt.X("x:Q", title=fx, scale=alt.Scale(domain=[xs[0] - dx, xs[-1] + dx], nice=False)),
            x2="x2",
            y=alt.Y("y:Q", title=fy, scale=alt.Scale(domain=[ys[0] - dy, ys[-1] + dy], nice=False)),
            y2="y2",
            color=alt.Color("predicted:N", scale=colors, title=_("class")),
            opacity=alt.Opacity(
                "confidence:Q", scale=alt.Scale(domain=[1 / len(names), 1], range=[0.05, 0.45]), legend=None
            ),
            tooltip=[
                alt.Tooltip("predicted:N", title=_("predicted class")),
                alt.Tooltip("confidence:Q", title=_("confidence"), format=".2f"),
            ],
        )
    )
    pts = pd.DataFrame({"x": X[:, 0], "y": X[:, 1], "class": [names[int(i)] for i in y]})
    points = (
        alt.Chart(pts)
        .mark_circle(size=28, stroke="white", strokeWidth=0.6, opacity=0.95)
        .encode(
            x="x:Q",
            y="y:Q",
            color=alt.Color("class:N", scale=colors),
            tooltip=[
                alt.Tooltip("class:N", title=_("class")),
                alt.Tooltip("x:Q", title=fx, format=".2f"),
                alt.Tooltip("y:Q", title=fy, format=".2f"),
            ],
        )
    )
    return alt.layer(grid, points, title=title).properties(height=360)


def confusion_matrix(cm, class_names, title: str | None = None) -> alt.Chart:
    names = [class_label(c) for c in class_names]
    rows = [
        {"actual": names[i], "predicted": names[j], "samples": int(v)}
        for i, r in enumerate(cm)
        for j, v in enumerate(r)
    ]
    df = pd.DataFrame(rows)
    base = alt.Chart(df, title=title or _("Confusion matrix (validation)")).encode(
        x=alt.X("predicted:N", sort=names, title=_("predicted class")),
        y=alt.Y("actual:N", sort=names, title=_("true class")),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("samples:Q", scale=alt.Scale(scheme=COUNT_SCHEME), title=_("samples")),
        tooltip=[
            alt.Tooltip("actual:N", title=_("true class")),
            alt.Tooltip("predicted:N", title=_("predicted class")),
            alt.Tooltip("samples:Q", title=_("samples")),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text="samples:Q",
        color=alt.condition(
            alt.datum.samples > max(1, df["samples"].max()) / 2, alt.value("white"), alt.value("black")
        ),
    )
    return (heat + text).properties(height=max(160, 28 * len(names)))


def regression_fit(
    X: np.ndarray, y: np.ndarray, line_x: np.ndarray, line_y: np.ndarray, title: str, x_title: str | None = None
) -> alt.Chart:
    x_title = x_title or _("{feature} (standardized)").format(feature="x")
    pts = (
        alt.Chart(pd.DataFrame({"x": X[:, 0], "y": np.ravel(y)}))
        .mark_circle(size=30, color=TRAIN)
        .encode(
            x=alt.X("x:Q", title=x_title),
            y=alt.Y("y:Q", title="y"),
            tooltip=[alt.Tooltip("x:Q", title=x_title, format=".3f"), alt.Tooltip("y:Q", title="y", format=".3f")],
        )
    )
    line = (
        alt.Chart(pd.DataFrame({"x": line_x, "y": line_y}))
        .mark_line(color=ACCENT, strokeWidth=3)
        .encode(x="x:Q", y="y:Q")
    )
    return alt.layer(pts, line, title=title).properties(height=320).interactive()


def bars(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str) -> alt.Chart:
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(x=alt.X(f"{x}:N", title=x_title, sort=None), y=alt.Y(f"{y}:Q", title=y_title), tooltip=list(df.columns))
        .properties(height=220)
    )
