"""Charts of the attention page: one map, every layer and head, the head view, the positional encoding.

The head view follows BertViz (Vig 2019, "A Multiscale Visualization of Attention in the Transformer Model").
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ui.charts.palette import ACCENT, SIGNED_SCHEME, WEIGHT_SCHEME
from ui.i18n import _

WEIGHT = alt.Scale(scheme=WEIGHT_SCHEME, domain=[0, 1])  # attention weights are row-wise probabilities
HEAD_VIEW_MIN = 0.02  # lighter lines are left out of the head view: they would only grey it
LABEL_ROOM = 12  # pixels per cell from which every token label fits (11 px text); below, overlapping ones are dropped


def _tips(*fields: str) -> list[alt.Tooltip]:
    """Tooltips titled in the reader's language (the data keeps its English field names)."""
    names = {
        "query": _("query"),
        "key": _("key"),
        "weight": _("weight"),
        "layer": _("layer"),
        "head": _("head"),
        "position": _("position"),
        "dimension": _("dimension"),
        "value": _("value"),
    }
    return [
        alt.Tooltip(f, title=names[f.split(":")[0]], **({"format": ".3f"} if f.endswith(":Q") else {})) for f in fields
    ]


def _upright(**kw) -> alt.Axis:
    """A y axis whose title reads across, above the labels: a rotated Chinese title lies on its side."""
    return alt.Axis(titleAngle=0, titleAlign="right", titleBaseline="bottom", titleX=0, titleY=-6, **kw)


def _title(text: str) -> alt.TitleParams:
    """A title placed over the whole chart, axis labels included: long token labels cannot push it off the left."""
    return alt.TitleParams(text, anchor="start", frame="bounds")


def labels(tokens) -> list[str]:
    """Unique axis labels: position, then token (tokens repeat)."""
    return [f"{i}: {t}" for i, t in enumerate(tokens)]


def heatmap(att: np.ndarray, toks: list[str], title: str, size: int = 320) -> alt.Chart:
    """One (T, T) map: row = query token, column = the key token it reads; ``size`` is the map's side in pixels.
    Axis labels and legend are added around that square (autosize "pad"; Streamlit's default "fit" squeezes them
    inside it, which shrank a 16-piece map to about 230x160): show it with ``width="content"`` in a row wide
    enough. Labels that would overlap are left out (hover a cell for its tokens)."""
    rows = [
        {"query": toks[i], "key": toks[j], "weight": float(att[i, j])}
        for i in range(len(toks))
        for j in range(len(toks))
    ]
    overlap = size / max(len(toks), 1) < LABEL_ROOM  # drop labels only where they cannot all fit
    return (
        alt.Chart(pd.DataFrame(rows), title=_title(title))
        .mark_rect()
        .encode(
            x=alt.X("key:N", sort=toks, title=_("key token (attended to)"), axis=alt.Axis(labelOverlap=overlap)),
            y=alt.Y("query:N", sort=toks, title=_("query token"), axis=_upright(labelOverlap=overlap)),
            color=alt.Color("weight:Q", scale=WEIGHT, title=_("attention")),
            tooltip=_tips("query:N", "key:N", "weight:Q"),
        )
        .properties(width=size, height=size, autosize="pad")
    )


def grid(att: np.ndarray, toks: list[str], cell: int = 70, spacing: int = 8) -> alt.Chart:
    """Every layer (rows) and head (columns) of an (L, H, T, T) array as a small map."""
    L, H, T = att.shape[:3]
    idx = np.indices((L, H, T, T)).reshape(4, -1)
    df = pd.DataFrame(
        {
            "layer": idx[0] + 1,
            "head": idx[1] + 1,
            "query": np.array(toks)[idx[2]],
            "key": np.array(toks)[idx[3]],
            "weight": att.reshape(-1),
        }
    )
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X("key:N", sort=toks, axis=None),
            y=alt.Y("query:N", sort=toks, axis=None),
            color=alt.Color("weight:Q", scale=WEIGHT, title=_("attention")),
            tooltip=_tips("layer:O", "head:O", "query:N", "key:N", "weight:Q"),
        )
        .properties(width=cell, height=cell)
        .facet(
            row=alt.Row("layer:O", title=_("layer"), header=alt.Header(titleAngle=0)),
            column=alt.Column("head:O", title=_("head")),
            spacing=spacing,
        )
    )


def head_view(att: np.ndarray, toks: list[str], title: str, width: int = 320) -> alt.Chart:
    """Query tokens on the left, keys on the right, lines as thick and opaque as the attention; ``width`` is the
    lines' width, the token labels are added around it (show it with ``width="content"``)."""
    T = len(toks)
    rows = []
    for i in range(T):
        for j in range(T):
            w = float(att[i, j])
            if w < HEAD_VIEW_MIN:
                continue
            pair = f"{i}-{j}"
            rows += [
                {"pair": pair, "side": 0, "pos": i, "weight": w, "query": toks[i], "key": toks[j]},
                {"pair": pair, "side": 1, "pos": j, "weight": w, "query": toks[i], "key": toks[j]},
            ]
    lines = (
        alt.Chart(pd.DataFrame(rows, columns=["pair", "side", "pos", "weight", "query", "key"]))
        .mark_line(color=ACCENT)
        .encode(
            x=alt.X("side:Q", axis=None, scale=alt.Scale(domain=[-0.35, 1.35])),
            y=alt.Y("pos:Q", axis=None, scale=alt.Scale(reverse=True)),
            detail="pair:N",
            opacity=alt.Opacity("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.05, 1]), legend=None),
            strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.5, 6]), legend=None),
            tooltip=_tips("query:N", "key:N", "weight:Q"),
        )
    )
    words = pd.DataFrame([{"side": s, "pos": i, "token": t} for s in (0, 1) for i, t in enumerate(toks)])
    left = (
        alt.Chart(words[words.side == 0]).mark_text(align="right", dx=-6).encode(x="side:Q", y="pos:Q", text="token:N")
    )
    right = (
        alt.Chart(words[words.side == 1]).mark_text(align="left", dx=6).encode(x="side:Q", y="pos:Q", text="token:N")
    )
    return alt.layer(lines, left, right, title=_title(title)).properties(
        width=width, height=max(200, 22 * T), autosize="pad"
    )  # token labels around the lines


def positional_encoding(pe: np.ndarray) -> alt.Chart:
    """PE[position, dimension] of a (T, d) array, values in [-1, 1] on a diverging scale."""
    T, d = pe.shape
    df = pd.DataFrame([{"position": p, "dimension": i, "value": float(pe[p, i])} for p in range(T) for i in range(d)])
    return (
        alt.Chart(df, title=_title(_("Sinusoidal positional encoding PE[position, dimension]")))
        .mark_rect()
        .encode(
            x=alt.X("dimension:O", title=_("embedding dimension"), axis=alt.Axis(labelOverlap=True)),
            y=alt.Y("position:O", title=_("position"), axis=_upright(labelOverlap=False)),
            color=alt.Color("value:Q", scale=alt.Scale(scheme=SIGNED_SCHEME, domain=[-1, 1]), title=_("value")),
            tooltip=_tips("position:O", "dimension:O", "value:Q"),
        )
        .properties(height=22 * T, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    )  # fits the width; rows keep 22 px
