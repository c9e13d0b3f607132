"""Every chart builder of ui/charts (the general ones and the loss surface's) through to_dict():
the data it draws, its encodings, titles and the palette's colours."""

import numpy as np
import pandas as pd

from core import landscape
from core import toy_surfaces as toys
from ui import charts
from ui.charts import landscape as lc
from ui.charts.palette import CLASS_COLORS, OPTIMIZER_COLORS, SPLITS


def _data(spec, layer=None):
    """The rows drawn by a chart (or one of its layers), from the spec's datasets."""
    src = spec["layer"][layer] if layer is not None else spec
    name = src.get("data", spec.get("data", {})).get("name")
    return spec["datasets"][name]


def test_curves_draw_both_splits_with_the_palette():
    h = {"train_loss": [1.0, 0.5, float("nan")], "val_loss": [1.2, 0.7, 0.6]}
    spec = charts.curves(h, "loss", "Loss per epoch", "loss").to_dict()
    rows = _data(spec)
    assert len(rows) == 5  # the NaN is dropped
    assert spec["title"] == "Loss per epoch" and spec["encoding"]["y"]["field"] == "loss"
    assert spec["encoding"]["color"]["scale"]["range"] == list(SPLITS.values())


def test_decision_boundary_colours_each_cell_by_the_argmax_class():
    xs, ys = np.linspace(-1, 1, 3), np.linspace(-1, 1, 4)
    proba = np.random.default_rng(0).dirichlet([1, 1, 1], size=(4, 3))
    X, y = np.array([[0.0, 0.0], [0.5, 0.5]]), np.array([0, 2])
    spec = charts.decision_boundary({"xs": xs, "ys": ys, "proba": proba}, X, y, ["a", "b", "c"], "Boundary").to_dict()
    cells, points = _data(spec, 0), _data(spec, 1)
    assert len(cells) == 12 and len(points) == 2
    assert [c["predicted"] for c in cells] == [["a", "b", "c"][i] for i in proba.argmax(-1).ravel()]
    assert spec["layer"][0]["encoding"]["color"]["scale"]["range"] == CLASS_COLORS[:3]


def test_confusion_matrix_shows_every_count():
    cm = [[5, 1], [0, 7]]
    spec = charts.confusion_matrix(cm, ["no", "yes"]).to_dict()
    rows = _data(spec)
    assert sorted((r["actual"], r["predicted"], r["samples"]) for r in rows) == [
        ("no", "no", 5),
        ("no", "yes", 1),
        ("yes", "no", 0),
        ("yes", "yes", 7),
    ]


def test_regression_fit_and_bars():
    spec = charts.regression_fit(np.zeros((4, 1)), np.ones(4), np.arange(3.0), np.arange(3.0), "Fit").to_dict()
    assert len(_data(spec, 0)) == 4 and len(_data(spec, 1)) == 3 and spec["title"] == "Fit"
    df = pd.DataFrame({"fold": ["fold 1", "fold 2"], "accuracy": [0.9, 0.8]})
    spec = charts.bars(df, "fold", "accuracy", "Folds", "fold", "accuracy").to_dict()
    assert [r["accuracy"] for r in _data(spec)] == [0.9, 0.8] and spec["encoding"]["y"]["title"] == "accuracy"


def test_toy_map_and_steps_chart_follow_the_paths():
    xs, ys, Z = toys.grid("saddle", 10)
    paths = [toys.path("saddle", o, (1.5, 0.01), 0.05, 5) for o in ("sgd", "adam")]
    spec = lc.toy_map(xs, ys, Z, paths, 5, False, False, ("x", "y"), "Saddle").to_dict()
    assert len(_data(spec, 0)) == 100  # one cell per grid point
    assert len(_data(spec, 1)) == 12  # six points per path
    assert spec["layer"][1]["encoding"]["color"]["scale"]["range"] == list(OPTIMIZER_COLORS.values())
    steps = lc.steps_chart(paths, 3, log=False).to_dict()
    assert len(_data(steps)) == 8 and steps["title"] == "Loss against step"


def test_toy_map_draws_core_grid_and_paths_as_they_are():
    """The page's map (70 x 70 cells, cached paths cut at the slider) shows core's numbers unchanged."""
    from ui.formulas import OPTIMIZER_NAMES

    xs, ys, Z = toys.grid("regression", 70)
    paths = [toys.path("regression", o, (-0.5, 1.5), 1.2, 200) for o in ("sgd", "adam")]  # SGD diverges at 5
    spec = lc.toy_map(xs, ys, Z, paths, 150, True, True, ("w", "b"), "Bowl").to_dict()
    cells = _data(spec, 0)
    gx, gy = np.meshgrid(xs, ys)
    assert [c["value"] for c in cells] == Z.ravel().tolist()
    assert [(c["x"], c["y"]) for c in cells] == list(zip(gx.ravel().tolist(), gy.ravel().tolist()))
    rows, ends = _data(spec, 1), _data(spec, 2)
    for p in paths:
        mine = [r for r in rows if r["optimizer"] == OPTIMIZER_NAMES[p["optimizer"]]]
        n = min(151, len(p["loss"]))
        assert [r["step"] for r in mine] == list(range(n))
        assert [r["loss"] for r in mine] == p["loss"][:n].tolist()
        clipped = np.clip(p["points"][:n], [xs[0], ys[0]], [xs[-1], ys[-1]])
        assert [(r["x"], r["y"]) for r in mine] == [tuple(q) for q in clipped.tolist()]
    assert [e["state"] for e in ends] == ["diverged", "now"]
    steps = lc.steps_chart(paths, 150).to_dict()
    assert [r["loss"] for r in _data(steps)] == [v for p in paths for v in p["loss"][:151].tolist()]


def test_surface_map_names_the_models_loss_and_draws_the_path():
    s = landscape.Surface(
        np.linspace(-1, 1, 3),
        np.linspace(-1, 1, 3),
        np.arange(9.0).reshape(3, 3) + 1,
        np.full((3, 3), 0.5),
        [],
        "pca",
        trajectory=np.array([[0.5, 0.5], [0.0, 0.0]]),
        loss_name="mse",
    )
    spec = lc.surface_map(s, "loss", False, False, "A map", highlight=1).to_dict()
    assert "mean squared error" in str(spec["layer"][0]["encoding"]["color"]["title"])
    assert len(spec["layer"]) == 4 and len(_data(spec, 1)) == 2
    assert lc.value_range([s.loss], log=False) == (1.0, 9.0)


def test_slices_chart_drops_non_finite_losses():
    sl = {"A": {"alphas": np.array([0.0, 1.0, 2.0]), "loss": np.array([1.0, np.inf, 2.0])}}
    spec = lc.slices_chart(sl, "α", "Slices").to_dict()
    assert [r["loss"] for r in _data(spec)] == [1.0, 2.0]


def test_loss_surface_charts_speak_chinese_and_legends_name_the_optimizers():
    from ui import i18n
    from ui.formulas import OPTIMIZER_NAMES

    xs, ys, Z = toys.grid("saddle", 5)
    paths = [toys.path("saddle", "sgd", (1.5, 0.01), 0.05, 3)]
    i18n.use("zh")
    try:
        spec = lc.steps_chart(paths, 3).to_dict()
        toy = lc.toy_map(xs, ys, Z, paths, 3, False, False, ("x", "y"), "t").to_dict()
    finally:
        i18n.use("en")
    assert spec["title"] == "损失随步数的变化" and spec["encoding"]["y"]["title"] == "损失（对数刻度）"
    assert toy["layer"][1]["encoding"]["color"]["title"] == "优化器"
    en = lc.steps_chart(paths, 3).to_dict()
    assert {r["optimizer"] for r in _data(en)} == {OPTIMIZER_NAMES["sgd"]}
    assert en["encoding"]["color"]["scale"]["domain"] == [OPTIMIZER_NAMES[o] for o in OPTIMIZER_COLORS]
