import numpy as np

from core.regularization import Metrics, SweepRow
from ui.charts import regularization as rcharts
from ui.charts.palette import ACCENT, TRAIN


def layer_data(spec, layer):
    return spec["datasets"][spec["layer"][layer]["data"]["name"]]


def metrics(acc):
    return Metrics(train_accuracy=1.0, val_accuracy=acc + 0.05, test_accuracy=acc, train_loss=0.1, val_loss=0.3,
                   test_loss=0.4, accuracy_gap=1.0 - acc, loss_gap=0.3, weight_norm=2.0, near_zero=0.1, epochs_run=5,
                   best_epoch=5, stopped_early=False)


def test_gap_curves():
    history = {"train_loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.6]}
    spec = rcharts.gap_curves(history, "Loss, gap shaded").to_dict()
    assert spec["title"] == "Loss, gap shaded"
    band, lines = spec["layer"]
    assert band["encoding"]["y"]["field"] == "train" and band["encoding"]["y2"]["field"] == "validation"
    assert band["mark"]["color"] == ACCENT
    assert lines["encoding"]["color"]["field"] == "split" and lines["encoding"]["x"]["field"] == "epoch"
    assert len(layer_data(spec, 0)) == 3 and len(layer_data(spec, 1)) == 6  # 3 epochs; 3 epochs x 2 splits


def test_weight_histogram_counts_every_weight():
    w = np.random.default_rng(0).normal(size=500)
    spec = rcharts.weight_histogram(w, "Weight histogram", bins=20).to_dict()
    assert spec["title"] == "Weight histogram"
    assert spec["encoding"]["x"]["field"] == "from" and spec["encoding"]["y"]["field"] == "weights"
    assert spec["mark"]["color"] == TRAIN
    rows = spec["datasets"][spec["data"]["name"]]
    assert len(rows) == 20 and sum(r["weights"] for r in rows) == 500  # clipping keeps the extremes in the end bins


def test_sweep_chart_one_point_per_strength_and_measure():
    rows = [SweepRow(1e-4, metrics(0.8)), SweepRow(1e-2, metrics(0.9)), SweepRow(1e-1, metrics(0.7))]
    spec = rcharts.sweep_chart(rows, "L2 strength λ₂ (log scale)", log=True).to_dict()
    assert spec["title"].startswith("Under- and over-regularization")
    enc = spec["encoding"]
    assert enc["x"]["field"] == "strength" and enc["x"]["title"] == "L2 strength λ₂ (log scale)"
    assert enc["x"]["scale"]["type"] == "log" and enc["y"]["field"] == "value"
    assert enc["color"]["scale"]["domain"] == list(rcharts.SWEEP_MEASURES)
    data = spec["datasets"][spec["data"]["name"]]
    assert len(data) == 3 * len(rcharts.SWEEP_MEASURES)
    test = [d["value"] for d in data if d["measure"] == "test accuracy"]
    assert test == [0.8, 0.9, 0.7]

