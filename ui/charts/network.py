"""The living network: each neuron a small heatmap of its activation over the input plane, each weight an
edge coloured by sign and sized by magnitude (as TensorFlow Playground draws it); and the plane itself,
with the data, the decision boundary and a grid of click targets for drawing points."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, CLASS_COLORS, MUTED, SIGNED_SCHEME, TRAIN
from ui.i18n import N_, _

MAX_CELLS = 4800  # thumbnail cells in all: under Altair's 5,000-row limit
POSITIVE, NEGATIVE = TRAIN, ACCENT  # edge colours: blue for weights above zero, orange-red below


def layout(sizes: list[int]) -> list[list[tuple[float, float]]]:
    """(x, y) centre of each unit of each layer: layers 3 apart, units 1.6 apart, centred."""
    return [[(3.0 * l, 1.6 * ((n - 1) / 2 - u)) for u in range(n)] for l, n in enumerate(sizes)]


def node_names(sizes: list[int], input_names) -> list[list[str]]:
    names = [list(input_names)]
    for l, n in enumerate(sizes[1:-1], 1):
        names.append([f"h{l}_{u + 1}" for u in range(n)])
    names.append(["out" if sizes[-1] == 1 else f"out_{u + 1}" for u in range(sizes[-1])])
    return names


def thumbnail_resolution(n_nodes: int, most: int = 12) -> int:
    """Cells per side of each neuron's thumbnail so that every cell of every node fits MAX_CELLS."""
    return int(max(4, min(most, np.sqrt(MAX_CELLS / max(n_nodes, 1)))))


def frames(pic, input_names, backward: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cells, edges) tables of the drawing; edges carry weight and gradient, cells their activation."""
    sizes = [m.shape[0] for m in pic.maps]
    pos, names = layout(sizes), node_names(sizes, input_names)
    R = pic.maps[0].shape[1]
    cells = []
    for l, layer in enumerate(pic.maps):
        for u, grid in enumerate(layer):
            x, y = pos[l][u]
            bias = float(pic.biases[l - 1][u]) if l else float("nan")
            grad = float(pic.bias_grads[l - 1][u]) if l else float("nan")
            shown = 1 - 2 * grid if l == len(sizes) - 1 and sizes[-1] == 1 else grid  # P(1) -> class 0 blue, 1 red
            for j in range(R):
                for i in range(R):
                    cells.append(
                        (
                            names[l][u],
                            x - 0.5 + i / R,
                            x - 0.5 + (i + 1) / R,
                            y - 0.5 + j / R,
                            y - 0.5 + (j + 1) / R,
                            float(np.clip(shown[j, i], -1, 1)),
                            bias,
                            grad,
                        )
                    )
    cells = pd.DataFrame(cells, columns=["neuron", "x", "x2", "y", "y2", "activation", "bias", "gradient"])
    edges = []
    for l, (W, G) in enumerate(zip(pic.weights, pic.weight_grads)):
        for o in range(W.shape[0]):
            for i in range(W.shape[1]):
                (xa, ya), (xb, yb) = pos[l][i], pos[l + 1][o]
                value = float(G[o, i] if backward else W[o, i])
                edges.append(
                    (
                        f"{names[l][i]} → {names[l + 1][o]}",
                        xa + 0.5,
                        xb - 0.5,
                        ya,
                        yb,
                        float(W[o, i]),
                        float(G[o, i]),
                        "+" if value >= 0 else "−",
                        abs(value),
                    )
                )
    edges = pd.DataFrame(edges, columns=["edge", "x", "x2", "y", "y2", "weight", "gradient", "sign", "size"])
    top = edges["size"].max() if len(edges) else 0.0
    edges["width"] = 0.5 + 6 * edges["size"] / top if top > 0 else 1.0
    return cells, edges


def network(pic, input_names, selected: str | None = None, backward: bool = False) -> alt.Chart:
    """The drawing: thumbnails (activation over the plane, red below 0, blue above) joined by weighted edges."""
    cells, edges = frames(pic, input_names, backward)
    axis = {"axis": None, "scale": alt.Scale(zero=False)}
    edge_color = alt.Color(
        "sign:N",
        scale=alt.Scale(domain=["+", "−"], range=[POSITIVE, NEGATIVE]),
        legend=alt.Legend(title=_("gradient sign") if backward else _("weight sign"), orient="bottom"),
    )
    lines = (
        alt.Chart(edges)
        .mark_rule(opacity=0.75)
        .encode(
            alt.X("x:Q", **axis),
            alt.Y("y:Q", **axis),
            x2="x2:Q",
            y2="y2:Q",
            color=edge_color,
            strokeWidth=alt.StrokeWidth("width:Q", legend=None, scale=None),
            tooltip=[
                alt.Tooltip("edge:N", title=_("edge")),
                alt.Tooltip("weight:Q", title=_("weight"), format=".4f"),
                alt.Tooltip("gradient:Q", title=_("gradient ∂L/∂w"), format=".4g"),
            ],
        )
    )
    thumbs = (
        alt.Chart(cells)
        .mark_rect()
        .encode(
            x="x:Q",
            x2="x2:Q",
            y="y:Q",
            y2="y2:Q",
            color=alt.Color(
                "activation:Q",
                scale=alt.Scale(scheme=SIGNED_SCHEME, domain=[-1, 1]),
                legend=alt.Legend(title=_("activation"), orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("neuron:N", title=_("neuron")),
                alt.Tooltip("bias:Q", title=_("bias"), format=".4f"),
                alt.Tooltip("gradient:Q", title=_("gradient ∂L/∂b"), format=".4g"),
            ],
        )
    )
    layers = [lines, thumbs]
    if selected is not None and selected in set(cells["neuron"]):
        box = cells[cells["neuron"] == selected].agg({"x": "min", "x2": "max", "y": "min", "y2": "max"}).to_frame().T
        layers.append(
            alt.Chart(box)
            .mark_rect(fill=None, stroke="black", strokeWidth=2.5)
            .encode(x="x:Q", x2="x2:Q", y="y:Q", y2="y2:Q")
        )
    n_max = max(m.shape[0] for m in pic.maps)
    title = (
        _("Backward pass: edges show ∂L/∂w of the last batch")
        if backward
        else _("Forward pass: what each neuron computes")
    )
    return alt.layer(*layers).properties(title=title, height=max(240, 70 * n_max), width="container")


PLANE_GRID = 24  # click targets per side of the drawing plane


def plane(
    X: np.ndarray,
    y: np.ndarray,
    class_names,
    xs=None,
    ys=None,
    proba=None,
    title: str = N_("Data"),
    clickable: bool = False,
    extent: float = 3.0,
) -> alt.Chart:
    """The input plane: points coloured by class, the boundary P(class 1) beneath when given, and with
    ``clickable`` a grid of invisible targets whose click selection ("pick") carries x1 and x2."""
    axis_x = alt.X("x1:Q", title="x1", scale=alt.Scale(domain=[-extent, extent]))
    axis_y = alt.Y("x2:Q", title="x2", scale=alt.Scale(domain=[-extent, extent]))
    layers = []
    if proba is not None:
        dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
        gx, gy = np.meshgrid(xs, ys)
        bg = pd.DataFrame(
            {
                "x1": gx.ravel() - dx,
                "x1e": gx.ravel() + dx,
                "x2": gy.ravel() - dy,
                "x2e": gy.ravel() + dy,
                "p": proba.ravel(),
            }
        )
        layers.append(
            alt.Chart(bg)
            .mark_rect(opacity=0.55)
            .encode(
                axis_x,
                axis_y,
                x2="x1e:Q",
                y2="x2e:Q",
                color=alt.Color(
                    "p:Q",
                    title=_("P(class 1)"),
                    scale=alt.Scale(range=[CLASS_COLORS[0], "white", CLASS_COLORS[1]], domain=[0, 0.5, 1]),
                ),
            )
        )
    names = [str(c) for c in class_names]
    pts = pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "class": [names[int(c)] for c in y]})
    layers.append(
        alt.Chart(pts)
        .mark_circle(size=36, stroke="white", strokeWidth=0.6, opacity=0.9)
        .encode(
            axis_x,
            axis_y,
            color=alt.Color(
                "class:N", title=_("class"), scale=alt.Scale(domain=names, range=CLASS_COLORS[: len(names)])
            ),
            tooltip=["x1:Q", "x2:Q", "class:N"],
        )
    )
    if clickable:
        g = np.linspace(-extent, extent, PLANE_GRID)
        gx, gy = np.meshgrid(g, g)
        targets = pd.DataFrame({"x1": gx.ravel(), "x2": gy.ravel()})
        pick = alt.selection_point(name="pick", fields=["x1", "x2"], nearest=True, on="click")
        layers.append(
            alt.Chart(targets).mark_point(opacity=0.0, size=10, color=MUTED).encode(axis_x, axis_y).add_params(pick)
        )
    return alt.layer(*layers).properties(title=_(title), height=380, width="container")


def loss_curves(df: pd.DataFrame, title: str, y_title: str) -> alt.Chart:
    """Loss per epoch of the run under way, train and validation, full width."""
    return (
        alt.Chart(df, title=title)
        .mark_line(point=len(df) < 60)
        .encode(
            alt.X("epoch:Q", title=_("epoch"), axis=alt.Axis(format="d", tickMinStep=1)),
            alt.Y("loss:Q", title=y_title, scale=alt.Scale(zero=False)),
            alt.Color("split:N", title=None, scale=alt.Scale(range=[TRAIN, ACCENT])),
            tooltip=["epoch:Q", "split:N", alt.Tooltip("loss:Q", format=".4f")],
        )
        .properties(height=220, width="container")
    )
