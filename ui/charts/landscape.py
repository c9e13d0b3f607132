"""Charts of the loss-surface page: maps with optimizer paths and trajectories, slices, steps."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from core.losses import LOSSES
from ui.charts.palette import ACCENT, OPTIMIZER_COLORS, SURFACE_SCHEME
from ui.formulas import OPTIMIZER_NAMES
from ui.i18n import _

PATH_COLORS = OPTIMIZER_COLORS


def _optimizer_colors():
    """The palette's colour of each optimizer, keyed by the name the reader sees (legends show names, not keys)."""
    return alt.Scale(domain=[_(OPTIMIZER_NAMES[o]) for o in PATH_COLORS], range=list(PATH_COLORS.values()))


def _cells(xs, ys, Z):
    """Rect cells: Z[j, i] at (xs[i], ys[j])."""
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    gx, gy = np.meshgrid(xs, ys)
    return pd.DataFrame(
        {
            "x": gx.ravel(),
            "y": gy.ravel(),
            "x0": gx.ravel() - dx,
            "x1": gx.ravel() + dx,
            "y0": gy.ravel() - dy,
            "y1": gy.ravel() + dy,
            "value": Z.ravel(),
        }
    )


def value_range(arrays, log: bool) -> tuple[float, float] | None:
    """(min, max) of the finite values (positive ones on a log scale) over several maps, so that
    maps shown side by side share one colour scale; None when there are none."""
    vals = np.concatenate([np.ravel(a) for a in arrays])
    vals = vals[np.isfinite(vals) & ((vals > 0) if log else True)]
    return (float(vals.min()), float(vals.max())) if len(vals) else None


def _map(
    cells: pd.DataFrame,
    title,
    value_title,
    log,
    contour,
    x_title,
    y_title,
    scheme=SURFACE_SCHEME,
    reverse=False,
    shared: tuple[float, float] | None = None,
):
    if log:
        cells = cells.assign(value=np.where(cells["value"] > 0, cells["value"], np.nan))
    rng = shared or value_range([cells["value"].to_numpy()], log)
    if contour and rng:  # banded levels stand in for contour lines
        lo, hi = (np.log10(rng[0]), np.log10(rng[1])) if log else rng
        levels = np.linspace(lo, hi, 12)[1:-1]
        scale = alt.Scale(type="threshold", domain=list(10**levels if log else levels), scheme=scheme, reverse=reverse)
    else:
        scale = alt.Scale(
            type="log" if log else "linear",
            scheme=scheme,
            reverse=reverse,
            **({"domain": list(rng)} if shared and rng else {}),
        )
    xd = [float(cells["x0"].min()), float(cells["x1"].max())]
    yd = [float(cells["y0"].min()), float(cells["y1"].max())]
    return (
        alt.Chart(cells, title=title)
        .mark_rect()
        .encode(
            x=alt.X("x0:Q", title=x_title, scale=alt.Scale(domain=xd, nice=False)),
            x2="x1",
            y=alt.Y("y0:Q", title=y_title, scale=alt.Scale(domain=yd, nice=False)),
            y2="y1",
            color=alt.Color("value:Q", scale=scale, title=value_title, legend=alt.Legend(format=".3g")),
            tooltip=[
                alt.Tooltip("x:Q", format=".3f", title=x_title),
                alt.Tooltip("y:Q", format=".3f", title=y_title),
                alt.Tooltip("value:Q", format=".4g", title=value_title),
            ],
        )
    )


def toy_map(xs, ys, Z, paths: list[dict], upto: int, log: bool, contour: bool, axes, title: str):
    """The toy surface with each optimizer's path up to step ``upto``; a diverged path ends in an X.
    Clicking a cell selects it (selection "start")."""
    pick = alt.selection_point(name="start", fields=["x", "y"], on="click", clear=False)
    base = _map(_cells(xs, ys, Z), title, _("loss"), log, contour, axes[0], axes[1]).add_params(pick)
    (x0, x1), (y0, y1) = (xs[0], xs[-1]), (ys[0], ys[-1])
    rows, ends = [], []
    for p in paths:
        pts = p["points"][: upto + 1]
        for k, (a, b) in enumerate(pts):
            rows.append(
                {
                    "optimizer": _(OPTIMIZER_NAMES[p["optimizer"]]),
                    "step": k,
                    "x": float(np.clip(a, x0, x1)),
                    "y": float(np.clip(b, y0, y1)),
                    "loss": float(p["loss"][k]),
                }
            )
        if len(pts):
            ends.append(
                {
                    "optimizer": _(OPTIMIZER_NAMES[p["optimizer"]]),
                    "x": float(np.clip(pts[-1][0], x0, x1)),
                    "y": float(np.clip(pts[-1][1], y0, y1)),
                    "state": _("diverged") if p["diverged"] is not None and upto >= p["diverged"] - 1 else _("now"),
                }
            )
    colors = _optimizer_colors()
    df = pd.DataFrame(rows, columns=["optimizer", "step", "x", "y", "loss"])
    lines = (
        alt.Chart(df)
        .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(size=12))
        .encode(
            x="x:Q",
            y="y:Q",
            order="step:Q",
            color=alt.Color("optimizer:N", scale=colors, title=_("optimizer")),
            tooltip=[
                alt.Tooltip("optimizer:N", title=_("optimizer")),
                alt.Tooltip("step:Q", title=_("step")),
                alt.Tooltip("loss:Q", format=".4g", title=_("loss")),
            ],
        )
    )
    end = (
        alt.Chart(pd.DataFrame(ends, columns=["optimizer", "x", "y", "state"]))
        .mark_point(size=220, filled=True)
        .encode(
            x="x:Q",
            y="y:Q",
            color=alt.Color("optimizer:N", scale=colors),
            shape=alt.Shape(
                "state:N", scale=alt.Scale(domain=[_("now"), _("diverged")], range=["circle", "cross"]), title=_("end")
            ),
            tooltip=[alt.Tooltip("optimizer:N", title=_("optimizer")), alt.Tooltip("state:N", title=_("end"))],
        )
    )
    return alt.layer(base, lines, end).properties(height=460)


def steps_chart(paths: list[dict], upto: int, log: bool = True):
    rows = [
        {"optimizer": _(OPTIMIZER_NAMES[p["optimizer"]]), "step": k, "loss": float(v)}
        for p in paths
        for k, v in enumerate(p["loss"][: upto + 1])
        if np.isfinite(v) and (v > 0 or not log)
    ]
    df = pd.DataFrame(rows, columns=["optimizer", "step", "loss"])
    return (
        alt.Chart(df, title=_("Loss against step"))
        .mark_line()
        .encode(
            x=alt.X("step:Q", title=_("step")),
            y=alt.Y(
                "loss:Q",
                title=_("loss (log scale)") if log else _("loss"),
                scale=alt.Scale(type="log" if log else "linear"),
            ),
            color=alt.Color("optimizer:N", scale=_optimizer_colors(), title=_("optimizer")),
            tooltip=[
                alt.Tooltip("optimizer:N", title=_("optimizer")),
                alt.Tooltip("step:Q", title=_("step")),
                alt.Tooltip("loss:Q", format=".4g", title=_("loss")),
            ],
        )
        .properties(height=460)
        .interactive()
    )


def surface_map(
    s,
    metric: str,
    log: bool,
    contour: bool,
    title: str,
    highlight: int | None = None,
    shared: tuple[float, float] | None = None,
):
    """Loss (or validation accuracy) over the plane (alpha down direction 1, beta along direction 2),
    with the projected trajectory when there is one; ``shared``: a colour range common to several maps."""
    Z = (s.loss if metric == "loss" else s.accuracy).T  # rows follow beta (y), columns alpha (x)
    value = (
        _("training loss ({loss})").format(loss=_(LOSSES[s.loss_name].label).lower())
        if metric == "loss"
        else _("validation accuracy")
    )
    base = _map(
        _cells(s.alphas, s.betas, Z),
        title,
        value,
        log and metric == "loss",
        contour,
        _("α (direction 1)"),
        _("β (direction 2)"),
        scheme=SURFACE_SCHEME,
        reverse=metric != "loss",
        shared=shared,
    )
    layers = [base]
    if s.trajectory is not None:
        t = s.trajectory
        lo, hi = s.alphas[0], s.alphas[-1]
        df = pd.DataFrame({"epoch": np.arange(len(t)), "x": np.clip(t[:, 0], lo, hi), "y": np.clip(t[:, 1], lo, hi)})
        layers.append(alt.Chart(df).mark_line(color="white", strokeWidth=2).encode(x="x:Q", y="y:Q", order="epoch:Q"))
        pick = alt.selection_point(name="epoch_pick", fields=["epoch"], on="click")  # click a point: that epoch
        layers.append(
            alt.Chart(df)
            .mark_circle(color="white", size=40, opacity=0.9)
            .encode(x="x:Q", y="y:Q", tooltip=[alt.Tooltip("epoch:Q", title=_("epoch"))])
            .add_params(pick)
        )
        if highlight is not None:
            layers.append(
                alt.Chart(df.iloc[[highlight]])
                .mark_point(size=260, color=ACCENT, filled=True, shape="diamond")
                .encode(x="x:Q", y="y:Q", tooltip=[alt.Tooltip("epoch:Q", title=_("epoch"))])
            )
    return alt.layer(*layers).properties(height=380)


def slices_chart(slices: dict, x_title: str, title: str):
    rows = [
        {"model": name, "alpha": float(a), "loss": float(l)}
        for name, sl in slices.items()
        for a, l in zip(sl["alphas"], sl["loss"])
        if np.isfinite(l)
    ]
    return (
        alt.Chart(pd.DataFrame(rows, columns=["model", "alpha", "loss"]), title=title)
        .mark_line()
        .encode(
            x=alt.X("alpha:Q", title=x_title),
            y=alt.Y("loss:Q", title=_("training loss")),
            color=alt.Color("model:N", title=_("model")),
            tooltip=[
                alt.Tooltip("model:N", title=_("model")),
                alt.Tooltip("alpha:Q", format=".2f", title="α"),
                alt.Tooltip("loss:Q", format=".4g", title=_("training loss")),
            ],
        )
        .properties(height=300)
        .interactive()
    )
