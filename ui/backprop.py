"""Backprop page pieces: presets, the editable network tables, the stage list and the graph."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import backprop as bp

PRESETS = {
    "linear": "Articles' linear regression: y = w x + b at x = 2, y = 2",
    "xor": "XOR network (2-2-1 sigmoid, hand-set weights)",
    "random": "Random weights (seeded)",
}


def preset(name: str, sizes: list[int], seed: int):
    """(sizes, params, x, y, activation, output_activation, loss) for a preset."""
    if name == "linear":
        return [1, 1], [(np.array([[0.5]]), np.array([0.0]))], np.array([2.0]), np.array([2.0]), "linear", None, "mse"
    if name == "xor":
        params = [(np.array([[6.0, 6.0], [-6.0, -6.0]]), np.array([-3.0, 9.0])), (np.array([[6.0, 6.0]]), np.array([-9.0]))]
        return [2, 2, 1], params, np.array([1.0, 0.0]), np.array([1.0]), "sigmoid", "sigmoid", "mse"
    rng = np.random.default_rng(seed)
    return sizes, bp.random_params(sizes, seed, 1.5), rng.normal(size=sizes[0]).round(2), None, None, None, None


def _editor(label: str, arr: np.ndarray, key: str, row_names, col_names) -> tuple[np.ndarray, str | None]:
    df = pd.DataFrame(np.atleast_2d(arr), index=row_names, columns=col_names)
    st.caption(label)
    out = st.data_editor(df, key=key, num_rows="fixed")
    values = out.apply(pd.to_numeric, errors="coerce").to_numpy(float)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = bad[0]
        return values, f"{label}: the cell at row {row_names[r]}, column {col_names[c]} is not a finite number. Type a number there."
    return values, None


def edit_network(sizes, params, x, y, loss, key):
    """Editable tables for W, b, x and y. Returns (params, x, y, problems)."""
    problems, new = [], []
    cols = st.columns(len(params) + 1)
    with cols[0]:
        xv, p = _editor("input x", x[None], f"{key}_x", ["x"], [f"x{i + 1}" for i in range(sizes[0])])
        problems.append(p)
        if loss == "mse":
            yv, p = _editor("target y", np.asarray(y, float)[None], f"{key}_y", ["y"], [f"y{i + 1}" for i in range(sizes[-1])])
            problems.append(p)
            yv = yv[0]
        else:
            yv = np.array(st.number_input(f"target class (0 to {sizes[-1] - 1})", value=int(np.ravel(y)[0]) if y is not None
                                          else 0, step=1, key=f"{key}_cls"))
    for l, (W, b) in enumerate(params):
        with cols[l + 1]:
            rows = [f"unit {j + 1}" for j in range(W.shape[0])]
            Wv, p1 = _editor(f"W{l + 1} (layer {l + 1} weights)", W, f"{key}_W{l}", rows, [f"in {i + 1}" for i in range(W.shape[1])])
            bv, p2 = _editor(f"b{l + 1} (biases)", b[:, None], f"{key}_b{l}", rows, ["b"])
            problems += [p1, p2]
            new.append((Wv, bv[:, 0]))
    return new, xv[0], yv, [p for p in problems if p]


def stages(n_layers: int) -> list[tuple[str, int]]:
    """(kind, layer) in order: forward 1..L, loss, backward L..1, update."""
    return ([("forward", l) for l in range(n_layers)] + [("loss", n_layers - 1)] +
            [("backward", l) for l in reversed(range(n_layers))] + [("update", -1)])


def _fmt(v) -> str:
    return f"{v:.4g}"


def graph_dot(sizes, params, r, stage) -> str:
    """Nodes with their values; edges with weight (and gradient once computed). The current stage glows."""
    kind, layer = stage
    order = stages(len(params))
    done_back = {l for k, l in order[: order.index(stage) + 1] if k == "backward"} if kind != "update" else set(range(len(params)))
    lines = ["digraph bp {", "rankdir=LR; splines=line; nodesep=0.3; ranksep=1.4;",
             'node [shape=circle, fontname="Helvetica", fontsize=9, width=0.9, fixedsize=true];',
             'edge [fontname="Helvetica", fontsize=8];']
    for l, n in enumerate(sizes):
        lit = (kind == "forward" and l == layer + 1) or (kind == "backward" and l == layer + 1) or (kind == "loss" and l == len(sizes) - 1)
        for j in range(n):
            a = r["activations"][l][j]
            label = f"x{j + 1}\\n{_fmt(a)}" if l == 0 else f"a={_fmt(a)}\\nz={_fmt(r['zs'][l - 1][j])}"
            if l > 0 and (l - 1) in done_back:
                label += f"\\nδ={_fmt(r['deltas'][l - 1][j])}"
            fill = "#E4572E" if lit else ("#dbe9f6" if l == 0 else "#f3f5f9")
            font = "white" if lit else "black"
            lines.append(f'n{l}_{j} [label="{label}", style=filled, fillcolor="{fill}", fontcolor="{font}"];')
    for l, (W, _) in enumerate(params):
        lit = kind in ("forward", "backward") and layer == l or kind == "update"
        for j in range(W.shape[0]):
            for i in range(W.shape[1]):
                label = f"w={_fmt(W[j, i])}"
                if l in done_back:
                    label += f"\\ng={_fmt(r['grads'][l][0][j, i])}"
                color = "#E4572E" if lit else "#9aa3b2"
                lines.append(f'n{l}_{i} -> n{l + 1}_{j} [label="{label}", color="{color}", fontcolor="{color}"];')
    if kind == "loss" or kind == "update" or kind == "backward":
        lines.append(f'loss [shape=box, label="L = {_fmt(r["loss"])}", style=filled, fillcolor="{"#E4572E" if kind == "loss" else "#fde3d9"}"];')
        for j in range(sizes[-1]):
            lines.append(f"n{len(sizes) - 1}_{j} -> loss [style=dashed];")
    lines.append("}")
    return "\n".join(lines)


def vec(v) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(_fmt(x) for x in np.ravel(v)) + r"\end{bmatrix}"


def mat(M) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(" & ".join(_fmt(x) for x in row) for row in np.atleast_2d(M)) + r"\end{bmatrix}"
