"""ui.charts.network: the drawing's tables and specs (to_dict), within Altair's row limit."""

import numpy as np

from core import formula, stepper
from ui.charts import network as net


def _pic(widths=(4, 2), feats=("x1", "x2", "x1·x2"), r=8):
    X, y = formula.plane_points("xor", 0, 80, 0.1)
    ds = formula.plane_dataset(X, y, list(feats), 0)
    rs = stepper.start(
        {
            "in_features": len(feats),
            "widths": widths,
            "out_features": 2,
            "activation": "tanh",
            "dropout": 0.0,
            "batch_norm": False,
        },
        {"optimizer": "sgd", "lr": 0.1, "batch_size": 10},
        0,
    )
    rs = stepper.advance(rs, ds, batches=2)
    xs = np.linspace(-3, 3, r)
    return stepper.picture(rs, list(feats), xs, xs), list(feats)


def test_edges_carry_sign_and_size_and_every_neuron_its_cells():
    pic, feats = _pic()
    cells, edges = net.frames(pic, feats)
    assert len(edges) == 3 * 4 + 4 * 2 + 2 * 1
    assert set(edges["sign"]) <= {"+", "−"} and edges["width"].max() <= 6.5
    assert cells["neuron"].nunique() == 3 + 4 + 2 + 1 and len(cells) == 10 * 64
    back = net.frames(pic, feats, backward=True)[1]
    np.testing.assert_allclose(back["size"], np.abs(back["gradient"]))


def test_network_spec_and_the_row_limit():
    pic, feats = _pic((8, 8, 8, 8), tuple(formula.FEATURES))
    n = sum(m.shape[0] for m in pic.maps)
    r = net.thumbnail_resolution(n)
    assert n * r * r <= net.MAX_CELLS
    pic, feats = _pic((8, 8, 8, 8), tuple(formula.FEATURES), r)
    spec = net.network(pic, feats, selected="h1_1").to_dict()
    assert len(spec["layer"]) == 3 and spec["layer"][0]["mark"]["type"] == "rule"


def test_plane_with_click_targets_and_boundary():
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = (X[:, 0] > 0).astype(int)
    xs = np.linspace(-3, 3, 10)
    spec = net.plane(X, y, ("0", "1"), xs, xs, np.full((10, 10), 0.5), clickable=True).to_dict()
    assert spec["params"][0]["name"] == "pick" and len(spec["layer"]) == 3
