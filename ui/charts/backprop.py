"""Backprop page drawings: the stage formulas (LaTeX) and the charts (the graph is in backprop_graph).

Pure builders from NumPy values and a ``core.backprop.Step`` to text or an ``alt.Chart``. Sized for a
1280 px window: each formula row stays under ``BUDGET`` em of the 820 px column. Chart titles, axes and
legends are in the reader's language; formulas stay LaTeX.
"""

from __future__ import annotations

import re

import altair as alt
import numpy as np
import pandas as pd

from core.backprop import derivative
from ui.charts.backprop_graph import FONT, MAX_EDGE_LABELS, graph_dot  # noqa: F401 - the page's one import
from ui.charts.palette import ACCENT, CLASS_COLORS, TRAIN
from ui.i18n import _

BUDGET = 36.0  # em per formula row: KaTeX's display font is 19.4 px, the column 820 px (42 em) at 1280 px
MAX_TERM = 28.0  # em: the widest matrix, leaving room for the widest left-hand side, dL/dW^(1) =
ROW = r" \\[6pt] "  # between the rows of one aligned formula (bmatrix rows use plain \\)


def num(v, digits: int = 4) -> str:
    r"""A number in LaTeX; 1.2e-05 as 1.2\times10^{-5}."""
    s = f"{float(v) + 0.0:.{digits}g}"
    if "e" in s:
        m, e = s.split("e")
        s = rf"{m}\times10^{{{int(e)}}}"
    return s


def mat(M) -> str:
    """A bracketed matrix; fewer digits where 4 would make it wider than MAX_TERM em (tiny or huge numbers)."""
    for digits in (4, 3, 2):
        tex = (
            r"\begin{bmatrix}"
            + r" \\ ".join(" & ".join(num(x, digits) for x in row) for row in np.atleast_2d(M))
            + r"\end{bmatrix}"
        )
        if tex_width(tex) <= MAX_TERM:
            break
    return tex


def vec(v) -> str:  # a column
    return mat(np.ravel(v)[:, None])


# --- how wide KaTeX draws a row, in em (calibrated in Chromium; errs wide)
_CMD = {
    "odot": 1.3,
    "cdot": 1.0,
    "times": 1.3,
    "leftarrow": 1.6,
    "Rightarrow": 1.6,
    "partial": 0.6,
    "delta": 0.5,
    "alpha": 0.7,
    "sum": 1.6,
    "log": 1.7,
    "top": 0.8,
    "quad": 1.0,
    "qquad": 2.0,
    ";": 0.3,
    ",": 0.2,
    "|": 0.6,
    "!": -0.2,
    "hat": 0.0,
    "left": 0.0,
    "right": 0.0,
    "mathrm": 0.0,
    "text": 0.0,
}
_CHAR = {"=": 1.35, "+": 1.25, ".": 0.3, ",": 0.45, "(": 0.4, ")": 0.4, "[": 0.3, "]": 0.3, "'": 0.3, "|": 0.3}
_OPEN = set("=+-([{&,") | {"start", "op"}


def _group(s: str, i: int) -> tuple[str, int]:
    """The braced group or single token at s[i:], and the index after it."""
    if s[i] != "{":
        return (s[i : i + 2], i + 2) if s[i] == "\\" else (s[i], i + 1)
    depth, j = 0, i
    while True:
        depth += {"{": 1, "}": -1}.get(s[j], 0)
        if depth == 0:
            return s[i + 1 : j], j + 1
        j += 1


def tex_width(s: str) -> float:
    """Estimated width in em of one row of LaTeX as KaTeX draws it in display style."""
    w, i, prev = 0.0, 0, "start"
    while i < len(s):
        c = s[i]
        if s.startswith(r"\begin{bmatrix}", i):
            j = s.index(r"\end{bmatrix}", i)
            rows = [r.split("&") for r in s[i + 15 : j].split(r"\\")]
            cols = max(len(r) for r in rows)
            w += sum(max(tex_width(r[k]) for r in rows if k < len(r)) for k in range(cols)) + 1.05 * (cols - 1) + 2.0
            i, prev = j + 13, "x"
        elif s.startswith(r"\frac", i):
            (a, i), prev = _group(s, i + 5), "x"
            b, i = _group(s, i)
            w += max(tex_width(a), tex_width(b)) + 0.4
        elif c == "\\":
            name = re.match(r"\\([A-Za-z]+|.)", s[i:]).group(1)
            w, i = w + _CMD.get(name, 1.0), i + 1 + len(name)
            prev = "op" if name in ("odot", "cdot", "times", "leftarrow", "Rightarrow", "quad") else "x"
        elif c in "^_":
            g, i = _group(s, i + 1)
            w += 0.75 * tex_width(g)
        elif c in "{} &":
            i += 1
            prev = "&" if c == "&" else prev
        else:  # a minus after an operator is unary: no spacing
            w += (0.8 if prev in _OPEN else 1.25) if c == "-" else _CHAR.get(c, 0.5 if c.isdigit() else 0.62)
            prev, i = (c if c in _OPEN else "x"), i + 1
    return w


def formula(lhs: str, steps: list[list[str]], rel: str = "=") -> str:
    """lhs rel steps[0] = steps[1] = ...: an aligned block whose rows each stay under BUDGET.

    A step is a list of terms (later terms begin with their operator: "+ b", "\\odot v"); a row breaks
    between steps (the new row begins "= ") or, when one step alone is too wide, between its terms."""
    lw, rows = tex_width(lhs), []
    for s, terms in enumerate(steps):
        for k, term in enumerate(terms):
            joint = " " if k else (f" {rel} " if s == 0 else " = ")
            if rows and (s > 0 or k > 0) and lw + tex_width(rows[-1] + joint + term) <= BUDGET:
                rows[-1] += joint + term
            else:
                rows.append(("&" + joint if k == 0 else r"&\quad ") + term)
    return r"\begin{aligned}" + lhs + " " + ROW.join(rows) + r"\end{aligned}"


def row_widths(block: str) -> list[float]:
    """Estimated em width of each row of a ``formula`` block (the left-hand side counts on every row)."""
    rows = block[len(r"\begin{aligned}") : -len(r"\end{aligned}")].split(ROW)
    lw = tex_width(rows[0].split("&", 1)[0])
    return [lw + tex_width(r.split("&", 1)[1] if i == 0 else r) for i, r in enumerate(rows)]


def stage_formulas(params, r, stage, activation: str, output_activation: str | None, loss: str, y) -> list[str]:
    """Every formula of one stage as LaTeX blocks, with the numbers filled in; the update shows W and b."""
    kind, l = stage
    n, L, d = len(params), l + 1, r"\frac{\partial L}{\partial %s}"
    fn = activation if l < n - 1 else (output_activation or "linear")
    f = r"\mathrm{%s}" % fn
    if kind == "forward":
        W, b = params[l]
        return [
            formula(
                f"z^{{({L})}}",
                [
                    [f"W^{{({L})}} a^{{({l})}}", f"+ b^{{({L})}}"],
                    [mat(W), vec(r.activations[l]), "+ " + vec(b)],
                    [vec(r.zs[l])],
                ],
            ),
            formula(f"a^{{({L})}}", [[f"{f}(z^{{({L})}})"], [vec(r.activations[L])]]),
        ]
    if kind == "loss":
        out, k = r.output, r.output.size
        if loss == "mse":
            blocks = [
                formula(
                    "L",
                    [
                        [r"\frac{1}{%d}\sum_k (\hat y_k - y_k)^2" % k],
                        [r"\frac{1}{%d}\left\| %s - %s \right\|^2" % (k, vec(out), vec(y))],
                        [num(r.loss)],
                    ],
                )
            ]
            grad = r"\frac{2}{%d}(\hat y - y)" % k
        else:
            c, p = int(np.ravel(y)[0]), np.exp(out - out.max()) / np.exp(out - out.max()).sum()
            blocks = [
                formula("p", [[r"\mathrm{softmax}(z)"], [r"\mathrm{softmax}" + vec(out)], [vec(p)]]),
                formula("L", [[r"-\log p_{%d}" % c], [r"-\log %s" % num(p[c])], [num(r.loss)]]),
            ]
            grad = r"p - \mathrm{onehot}(%d)" % c
        return blocks + [formula(d % r"\hat y", [[grad], [vec(r.dL_da[-1])]])]
    if kind == "backward":
        W, (dW, _), delta = params[l][0], r.grads[l], vec(r.deltas[l])
        blocks = [
            formula(
                rf"\delta^{{({L})}}",
                [
                    [d % f"a^{{({L})}}", rf"\odot {f}'(z^{{({L})}})"],
                    [vec(r.dL_da[l]), r"\odot " + vec(derivative(fn, r.zs[l]))],
                    [delta],
                ],
            ),
            formula(
                d % f"W^{{({L})}}",
                [[rf"\delta^{{({L})}} a^{{({l})\top}}"], [delta, mat(r.activations[l][None])], [mat(dW)]],
            ),
            formula(d % f"b^{{({L})}}", [[rf"\delta^{{({L})}}"], [delta]]),
        ]
        if l > 0:
            blocks.append(
                formula(
                    d % f"a^{{({l})}}",
                    [[rf"W^{{({L})\top}} \delta^{{({L})}}"], [mat(W.T), delta], [vec(r.dL_da[l - 1])]],
                )
            )
        return blocks
    blocks = []
    for i, ((W, b), (W2, b2), (dW, db)) in enumerate(zip(params, r.params, r.grads)):
        for name, show, old, g, new in (("W", mat, W, dW, W2), ("b", vec, b, db, b2)):
            t = f"{name}^{{({i + 1})}}"
            blocks.append(
                formula(
                    t,
                    [[t, rf"- \alpha {d % t}"], [show(old), rf"- {num(r.lr)} \cdot " + show(g)], [show(new)]],
                    rel=r"\leftarrow",
                )
            )
    return blocks


# --- charts
def loss_chart(losses, diverged_at: int | None = None) -> alt.Chart:
    """The loss before each step; a dashed rule at the step where a diverged run stopped."""
    df = pd.DataFrame({"step": np.arange(1, len(losses) + 1), "loss": losses})
    step, loss = alt.Tooltip("step:Q", title=_("step")), alt.Tooltip("loss:Q", title=_("loss"))
    line = (
        alt.Chart(df, title=_("Loss before each step"))
        .mark_line(color=TRAIN)
        .encode(x=alt.X("step:Q", title=_("step")), y=alt.Y("loss:Q", title=_("loss")), tooltip=[step, loss])
    )
    rule = (
        alt.Chart(pd.DataFrame({"step": [diverged_at] * (diverged_at is not None)}))
        .mark_rule(color=ACCENT, strokeDash=[4, 3])
        .encode(x="step:Q", tooltip=[alt.Tooltip("step:Q", title=_("diverged at step"))])
    )
    return alt.layer(line, rule).interactive()


def params_chart(history: np.ndarray, names: list[str]) -> alt.Chart:
    """Every parameter after each step, one colour each (by layer where there are more than ten)."""
    df = (
        pd.DataFrame(history, columns=names)
        .assign(step=np.arange(1, len(history) + 1))
        .melt("step", var_name="parameter", value_name="value")
    )
    df["layer"] = [_("layer {n}").format(n=n) for n in df["parameter"].str.extract(r"^[Wb](\d+)", expand=False)]
    by = "parameter" if len(names) <= len(CLASS_COLORS) else "layer"
    domain = list(dict.fromkeys(df[by]))
    return (
        alt.Chart(df, title=_("Every parameter after each step"))
        .mark_line()
        .encode(
            x=alt.X("step:Q", title=_("step")),
            y=alt.Y("value:Q", title=_("parameter value")),
            detail="parameter:N",
            color=alt.Color(f"{by}:N", scale=alt.Scale(domain=domain, range=CLASS_COLORS[: len(domain)]), title=None),
            tooltip=[
                alt.Tooltip("step:Q", title=_("step")),
                alt.Tooltip("parameter:N", title=_("parameter")),
                alt.Tooltip("value:Q", title=_("value")),
            ],
        )
        .interactive()
    )


def vanishing_chart(norms: dict[str, list[float]]) -> alt.Chart:
    """||dL/dW|| per layer for each activation, log scale."""
    df, names = (
        pd.DataFrame(
            [{"activation": a, "layer": l + 1, "norm": v} for a, vs in norms.items() for l, v in enumerate(vs)]
        ),
        list(norms),
    )
    return (
        alt.Chart(df, title=_("‖∂L/∂W‖ per layer (layer 1 is nearest the input), one sample, 4 units per layer"))
        .mark_line(point=True)
        .encode(
            x=alt.X("layer:O", title=_("layer")),
            y=alt.Y("norm:Q", scale=alt.Scale(type="log"), title=_("gradient norm (log scale)")),
            color=alt.Color(
                "activation:N",
                title=_("activation function"),
                scale=alt.Scale(domain=names, range=CLASS_COLORS[: len(names)]),
            ),
            tooltip=[
                alt.Tooltip("activation:N", title=_("activation function")),
                alt.Tooltip("layer:O", title=_("layer")),
                alt.Tooltip("norm:Q", title=_("gradient norm")),
            ],
        )
    )
