"""The Backprop page's network graph as Graphviz DOT: units with z, a and delta, edges with w and dL/dw.

A pure builder from NumPy values and a ``core.backprop.Step`` to text. Streamlit draws the graph's text
at 9.6 SVG units whatever the spec says, so the graph stays under 8.5 inches and is shown unscaled
(12.8 px text in the 820 px column at a 1280 px window). Its labels are symbols and numbers only.
"""

from __future__ import annotations

import numpy as np

from ui.charts.palette import ACCENT, LIGHT, MUTED

GRAPH_SIZE = "8.5,60"  # inches: 612 pt = 816 px at most, so Streamlit never shrinks the graph's 12.8 px text
FONT = 10  # pt; Streamlit's CSS draws graph text at 9.6 units whatever the spec says: lay it out for that
MAX_EDGE_LABELS = 9  # more crowd the drawing and make the browser re-route curved edges for seconds: then hover


def graph_dot(sizes, params, r, stage) -> str:
    """Units with their values (z, a, and delta once computed); the focused layer's edges carry w (and the
    gradient g = dL/dw once computed), the update stage's the new weights; the current stage glows."""
    (kind, layer), n = stage, len(params)
    done = set(range(layer, n)) if kind == "backward" else set(range(n)) if kind == "update" else set()
    focus = set(range(n)) if kind == "update" else {layer} if kind in ("forward", "backward") else set()
    labelled = 0 < sum(params[l][0].size for l in focus) <= MAX_EDGE_LABELS  # labels need curved edges to stay clear
    lines = [
        "digraph bp {",
        f'graph [rankdir=LR, ordering=out, nodesep=0.12, ranksep=0.3, size="{GRAPH_SIZE}"'
        + ("];" if labelled else ", splines=line];"),
        f'node [shape=circle, fontname="Helvetica", fontsize={FONT}, width=0.9, fixedsize=true, style=filled, penwidth=0];',
        f'edge [fontname="Helvetica", fontsize={FONT}, arrowsize=0.5];',
    ]
    for l, units in enumerate(sizes):
        lit = kind in ("forward", "backward") and l == layer + 1 or kind == "loss" and l == n
        for j in range(units):
            a = _short(r.activations[l][j])
            label = f"x{j + 1} = {a}" if l == 0 else f"z={_short(r.zs[l - 1][j])}\\na={a}"
            if l > 0 and l - 1 in done:
                label += f"\\nδ={_short(r.deltas[l - 1][j])}"
            fill = ACCENT if lit else LIGHT[0] if l == 0 else LIGHT[1]
            lines.append(f'n{l}_{j} [label="{label}", fillcolor="{fill}", fontcolor="{"white" if lit else "black"}"];')
        if units > 1:  # keep unit 1 on top, as in the tables
            lines.append("{rank=same; " + " -> ".join(f"n{l}_{j}" for j in range(units)) + " [style=invis];}")
    top = max(float(np.max(np.abs(W))) for W, _ in params) or 1.0
    for l, (W, _) in enumerate(params):
        color = ACCENT if l in focus else MUTED
        for j, i in np.ndindex(W.shape):
            text = f"w={_short(W[j, i])}" + (f"\\ng={_short(r.grads[l][0][j, i])}" if l in done else "")
            if kind == "update":
                text = f"w←{_short(r.params[l][0][j, i])}"
            attrs = (
                f'color="{color}", fontcolor="{color}", penwidth={0.6 + 2.4 * abs(W[j, i]) / top:.2f}, '
                f'tooltip="W{l + 1}[{j + 1},{i + 1}]: {text.replace(chr(92) + "n", ", ")}"'
            )
            if l in focus and labelled:
                attrs += f', label="{text}"'
            lines.append(f"n{l}_{i} -> n{l + 1}_{j} [{attrs}];")
    if kind in ("loss", "backward", "update"):
        lines.append(
            f'loss [shape=box, width=1.0, height=0.4, label="L={_short(r.loss)}", '
            f'fillcolor="{ACCENT if kind == "loss" else LIGHT[2]}", '
            f'fontcolor="{"white" if kind == "loss" else "black"}"];'
        )
        lines += [f'n{n}_{j} -> loss [style=dashed, color="{MUTED}"];' for j in range(sizes[-1])]
    return "\n".join(lines + ["}"])


def _short(v) -> str:
    """At most 8 characters, so a label fits its unit's circle."""
    s = f"{float(v) + 0.0:.4g}"
    return s if len(s) <= 8 else f"{float(v):.2g}"
