"""Altair chart builders: pure functions from plain data to an alt.Chart, titled, with units."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, CLASS_COLORS, COUNT_SCHEME, SPLITS, TRAIN



def history_frame(history: dict, metric: str) -> pd.DataFrame:
    """Long table (epoch, split, value) from {"train_<metric>": [...], "val_<metric>": [...]}."""
    rows = []
    for split, key in (("train", f"train_{metric}"), ("validation", f"val_{metric}")):
        for i, v in enumerate(history.get(key, [])):
            if v is not None and np.isfinite(v):
                rows.append({"epoch": i + 1, "split": split, metric: float(v)})
    return pd.DataFrame(rows, columns=["epoch", "split", metric])


def curves(history: dict, metric: str, title: str, y_title: str, log: bool = False, epochs: int | None = None) -> alt.Chart:
    """Train and validation curves of one metric against epoch, with tooltips and zoom."""
    df = history_frame(history, metric)
    x = alt.X("epoch:Q", title="epoch", scale=alt.Scale(domain=[1, max(2, epochs or int(df["epoch"].max() or 2))]))
    y = alt.Y(f"{metric}:Q", title=y_title, scale=alt.Scale(type="log" if log else "linear", zero=False))
    color = alt.Color("split:N", title=None, scale=alt.Scale(domain=["train", "validation"], range=list(SPLITS.values())))
    return (alt.Chart(df, title=title).mark_line(point=len(df) < 60)
            .encode(x, y, color, tooltip=["epoch", "split", alt.Tooltip(f"{metric}:Q", format=".4f")])
            .properties(height=220).interactive(bind_y=False))


def decision_boundary(boundary: dict, X: np.ndarray, y: np.ndarray, class_names, title: str,
                      feature_names=("x1", "x2")) -> alt.Chart:
    """Predicted class over a grid (shade = confidence) with the data points on top."""
    xs, ys, proba = boundary["xs"], boundary["ys"], boundary["proba"]
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    gx, gy = np.meshgrid(xs, ys)
    pred = proba.argmax(-1)
    names = [str(c) for c in class_names]
    cells = pd.DataFrame({"x": gx.ravel() - dx, "x2": gx.ravel() + dx, "y": gy.ravel() - dy, "y2": gy.ravel() + dy,
                          "predicted": [names[i] for i in pred.ravel()], "confidence": proba.max(-1).ravel()})
    colors = alt.Scale(domain=names, range=CLASS_COLORS[: len(names)])
    fx, fy = feature_names[0], feature_names[1]
    grid = alt.Chart(cells).mark_rect().encode(
        x=alt.X("x:Q", title=f"{fx} (standardized)", scale=alt.Scale(domain=[xs[0] - dx, xs[-1] + dx], nice=False)),
        x2="x2", y=alt.Y("y:Q", title=f"{fy} (standardized)", scale=alt.Scale(domain=[ys[0] - dy, ys[-1] + dy], nice=False)),
        y2="y2", color=alt.Color("predicted:N", scale=colors, title="class"),
        opacity=alt.Opacity("confidence:Q", scale=alt.Scale(domain=[1 / len(names), 1], range=[0.05, 0.45]), legend=None),
        tooltip=[alt.Tooltip("predicted:N"), alt.Tooltip("confidence:Q", format=".2f")])
    pts = pd.DataFrame({"x": X[:, 0], "y": X[:, 1], "class": [names[int(i)] for i in y]})
    points = alt.Chart(pts).mark_circle(size=28, stroke="white", strokeWidth=0.6, opacity=0.95).encode(
        x="x:Q", y="y:Q", color=alt.Color("class:N", scale=colors), tooltip=["class", alt.Tooltip("x:Q", format=".2f"),
                                                                             alt.Tooltip("y:Q", format=".2f")])
    return alt.layer(grid, points, title=title).properties(height=360)


def confusion_matrix(cm, class_names, title: str = "Confusion matrix (validation)") -> alt.Chart:
    names = [str(c) for c in class_names]
    rows = [{"actual": names[i], "predicted": names[j], "samples": int(v)} for i, r in enumerate(cm) for j, v in enumerate(r)]
    df = pd.DataFrame(rows)
    base = alt.Chart(df, title=title).encode(
        x=alt.X("predicted:N", sort=names, title="predicted class"), y=alt.Y("actual:N", sort=names, title="true class"))
    heat = base.mark_rect().encode(color=alt.Color("samples:Q", scale=alt.Scale(scheme=COUNT_SCHEME), title="samples"),
                                   tooltip=["actual", "predicted", "samples"])
    text = base.mark_text(fontSize=12).encode(
        text="samples:Q",
        color=alt.condition(alt.datum.samples > max(1, df["samples"].max()) / 2, alt.value("white"), alt.value("black")))
    return (heat + text).properties(height=max(160, 28 * len(names)))


def regression_fit(X: np.ndarray, y: np.ndarray, line_x: np.ndarray, line_y: np.ndarray, title: str,
                   x_title: str = "x (standardized)") -> alt.Chart:
    pts = alt.Chart(pd.DataFrame({"x": X[:, 0], "y": np.ravel(y)})).mark_circle(size=30, color=TRAIN).encode(
        x=alt.X("x:Q", title=x_title), y=alt.Y("y:Q", title="y"), tooltip=["x", "y"])
    line = alt.Chart(pd.DataFrame({"x": line_x, "y": line_y})).mark_line(color=ACCENT, strokeWidth=3).encode(x="x:Q", y="y:Q")
    return alt.layer(pts, line, title=title).properties(height=320).interactive()


def bars(df: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str) -> alt.Chart:
    return alt.Chart(df, title=title).mark_bar().encode(
        x=alt.X(f"{x}:N", title=x_title, sort=None), y=alt.Y(f"{y}:Q", title=y_title), tooltip=list(df.columns)
    ).properties(height=220)
