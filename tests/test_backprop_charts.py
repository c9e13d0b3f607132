"""The Backprop page's drawings at a 1280 px window (issue 11): every formula row fits the 820 px column,
the update shows the weights and the biases of every layer, and the graph's text is not shrunk."""

import itertools
import re

import numpy as np
import pytest

from core import backprop as bp
from ui import backprop as ui_bp
from ui.charts import backprop as charts
from ui.charts import palette

EM_PX = 19.36  # KaTeX's display font at Streamlit's 16 px root (1.21 em)
COLUMN_PX = 820  # the main column at a 1280 px window with the sidebar open (measured in Chromium)


def _networks():
    """Every network the page allows (inputs 2-4, 1-2 hidden layers of 1-4 units, 1-3 outputs) and the presets."""
    for n_in, hidden, width, n_out in itertools.product((2, 3, 4), (1, 2), (1, 2, 3, 4), (1, 2, 3)):
        yield [n_in] + [width] * hidden + [n_out]
    yield from ([1, 1], [2, 2, 1])


def _step(sizes, loss, scale, seed=0):
    params = bp.random_params(sizes, seed, scale)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=sizes[0]) * scale
    y = rng.normal(size=sizes[-1]) if loss == "mse" else np.array(sizes[-1] - 1)
    return params, y, bp.step(params, x, y, "tanh", loss, 0.1)


def _blocks(sizes, loss, scale):
    params, y, r = _step(sizes, loss, scale)
    for stage in ui_bp.stages(len(params)):
        for block in charts.stage_formulas(params, r, stage, "tanh", None, loss, y):
            yield stage, block


@pytest.mark.parametrize("loss", bp.LOSSES)
def test_every_formula_row_fits_the_column_at_1280px(loss):
    assert charts.BUDGET * EM_PX < COLUMN_PX - 60
    for sizes in _networks():
        for scale in (1.5, 1e-40, 1e3) if len(sizes) == 4 or sizes[0] == 4 else (1.5,):
            for stage, block in _blocks(sizes, loss, scale):
                widths = charts.row_widths(block)
                assert max(widths) <= charts.BUDGET, (sizes, scale, stage, block)


# Rows as Chromium drew them (em of .katex-html at 1280 px): the estimate must never be narrower.
MEASURED = [
    (15.45, r"\begin{aligned}L & = -\log p_{2} = -\log 0.3333 = 1.099\end{aligned}"),
    (
        32.97,
        r"\begin{aligned}\frac{\partial L}{\partial W^{(1)}} & = \delta^{(1)} a^{(0)\top} = \begin{bmatrix}0.6134 \\ 0.4002 \\ -0.8043\end{bmatrix} \begin{bmatrix}0.1886 & -0.1982\end{bmatrix} = \begin{bmatrix}0.1157 & -0.1215 \\ 0.07548 & -0.0793 \\ -0.1517 & 0.1594\end{bmatrix}\end{aligned}",
    ),
    (
        33.77,
        r"\begin{aligned}W^{(1)} & \leftarrow W^{(1)} - \alpha \frac{\partial L}{\partial W^{(1)}} = \begin{bmatrix}0.2905 & -0.4884 \\ -0.9737 & -1.026 \\ 0.6645 & 0.8756\end{bmatrix} - 0.1 \cdot \begin{bmatrix}0.1157 & -0.1215 \\ 0.07548 & -0.0793 \\ -0.1517 & 0.1594\end{bmatrix} \\[6pt] & = \begin{bmatrix}0.279 & -0.4762 \\ -0.9813 & -1.018 \\ 0.6797 & 0.8596\end{bmatrix}\end{aligned}",
    ),
    (
        24.53,
        r"\begin{aligned}p & = \mathrm{softmax}(z) = \mathrm{softmax}\begin{bmatrix}3.765\times10^{-6} \\ -4.414\times10^{-6} \\ -1.639\times10^{-6}\end{bmatrix} = \begin{bmatrix}0.3333 \\ 0.3333 \\ 0.3333\end{bmatrix}\end{aligned}",
    ),
    (
        34.19,
        r"\begin{aligned}\frac{\partial L}{\partial a^{(1)}} & = W^{(2)\top} \delta^{(2)} = \begin{bmatrix}-4.7\times10^{-6} & 1.2\times10^{-6} & 1.9\times10^{-6} & -3.6\times10^{-6} \\ -3.8\times10^{-6} & -1.2\times10^{-6} & 1.5\times10^{-6} & 2.2\times10^{-6} \\ 1.7\times10^{-6} & 5\times10^{-6} & 1.9\times10^{-6} & 2.5\times10^{-7} \\ 1.5\times10^{-6} & 4.8\times10^{-6} & -1.1\times10^{-6} & -1.9\times10^{-6}\end{bmatrix} \\[6pt] &\quad \begin{bmatrix}2.65\times10^{-6} \\ -1.51\times10^{-6} \\ -2.509\times10^{-6} \\ 1.608\times10^{-6}\end{bmatrix} = \begin{bmatrix}-2.477\times10^{-11} \\ -8.415\times10^{-12} \\ -7.309\times10^{-12} \\ -3.626\times10^{-12}\end{bmatrix}\end{aligned}",
    ),
]


@pytest.mark.parametrize("em, block", MEASURED)
def test_width_estimate_errs_wide_of_chromium(em, block):
    assert em <= max(charts.row_widths(block)) <= 1.2 * em


def test_update_stage_shows_the_weights_and_biases_of_every_layer():
    for sizes in _networks():
        params, y, r = _step(sizes, "mse", 1.5)
        blocks = charts.stage_formulas(params, r, ("update", -1), "tanh", None, "mse", y)
        assert len(blocks) == 2 * len(params)
        for l, (W2, b2) in enumerate(r.params):
            w_block, b_block = blocks[2 * l], blocks[2 * l + 1]
            assert w_block.startswith(r"\begin{aligned}W^{(%d)} & \leftarrow" % (l + 1))
            assert b_block.startswith(r"\begin{aligned}b^{(%d)} & \leftarrow" % (l + 1))
            assert b_block.endswith(charts.vec(b2) + r"\end{aligned}") and w_block.endswith(
                charts.mat(W2) + r"\end{aligned}"
            )


def test_formulas_show_the_numbers_of_the_step():
    params, y, r = _step([2, 3, 1], "mse", 1.5)
    z, a = charts.stage_formulas(params, r, ("forward", 0), "tanh", None, "mse", y)
    assert charts.mat(params[0][0]) in z and charts.vec(r.zs[0]) in z and r"\mathrm{tanh}" in a
    delta, dW, _, da = charts.stage_formulas(params, r, ("backward", 1), "tanh", None, "mse", y)
    assert charts.vec(r.deltas[1]) in delta and charts.mat(r.grads[1][0]) in dW and charts.vec(r.dL_da[0]) in da
    assert (
        charts.vec(bp.derivative("tanh", r.zs[0]))
        in charts.stage_formulas(params, r, ("backward", 0), "tanh", None, "mse", y)[0]
    )
    assert charts.num(1.2e-5) == r"1.2\times10^{-5}" and charts.num(-0.0) == "0"


def _graphs():
    for sizes in _networks():
        params, _, r = _step(sizes, "mse", 1.5)
        for stage in ui_bp.stages(len(params)):
            yield sizes, params, stage, charts.graph_dot(sizes, params, r, stage)


def test_graph_text_is_laid_out_at_a_readable_size_and_never_shrunk():
    """Streamlit draws graph text at 9.6 SVG units and scales the SVG down to the column: the spec lays text
    out at 10 pt and caps the drawing at 8.5 in (816 px), so at 1280 px the text is drawn at 12.8 px."""
    colours = {v.lower() for v in (palette.ACCENT, palette.MUTED, *palette.LIGHT)} | {"white", "black"}
    for sizes, _params, _stage, dot in _graphs():
        width_in = float(re.search(r'size="([\d.]+),([\d.]+)"', dot).group(1))
        assert width_in * 72 * 4 / 3 <= COLUMN_PX
        assert {int(v) for v in re.findall(r"fontsize=(\d+)", dot)} == {charts.FONT} and charts.FONT >= 10
        labels = [ln for ln in dot.splitlines() if "->" in ln and ' label="' in ln]
        assert len(labels) <= charts.MAX_EDGE_LABELS
        assert {c.lower() for c in re.findall(r'color="([^"]+)"', dot)} <= colours
        for l, units in enumerate(sizes):  # unit 1 on top, as in the tables
            if units > 1:
                assert " -> ".join(f"n{l}_{j}" for j in range(units)) + " [style=invis]" in dot


def test_small_networks_label_every_focused_edge():
    for sizes in ([1, 1], [2, 2, 1]):
        params, _, r = _step(sizes, "mse", 1.5)
        dot = charts.graph_dot(sizes, params, r, ("update", -1))
        assert dot.count('label="w←') == sum(W.size for W, _ in params)
        dot = charts.graph_dot(sizes, params, r, ("backward", 0))
        assert dot.count("\\ng=") == params[0][0].size


def test_charts_use_the_palette():
    run = bp.run_steps([(np.array([[0.5]]), np.array([0.0]))], [2.0], [2.0], "linear", "mse", 100.0, 2000)
    spec = charts.loss_chart(run.loss, run.diverged_at).to_dict()
    assert spec["layer"][0]["mark"]["color"] == palette.TRAIN and spec["layer"][1]["mark"]["color"] == palette.ACCENT
    spec = charts.params_chart(run.params, ui_bp.param_names([(np.ones((1, 1)), np.ones(1))])).to_dict()
    assert spec["encoding"]["color"]["scale"]["range"] == palette.CLASS_COLORS[:2]
    spec = charts.vanishing_chart({"sigmoid": [0.1, 0.2], "relu": [1.0, 1.0]}).to_dict()
    assert spec["encoding"]["color"]["scale"]["range"] == palette.CLASS_COLORS[:2]
