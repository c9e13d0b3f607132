import numpy as np

from core.regularization import Metrics, SweepRow
from ui import i18n
from ui.charts import regularization as rcharts
from ui.charts.palette import ACCENT, TRAIN


def layer_data(spec, layer):
    return spec["datasets"][spec["layer"][layer]["data"]["name"]]


def metrics(acc):
    return Metrics(
        train_accuracy=1.0,
        val_accuracy=acc + 0.05,
        test_accuracy=acc,
        train_loss=0.1,
        val_loss=0.3,
        test_loss=0.4,
        accuracy_gap=1.0 - acc,
        loss_gap=0.3,
        weight_norm=2.0,
        near_zero=0.1,
        epochs_run=5,
        best_epoch=5,
        stopped_early=False,
    )


def test_gap_curves():
    history = {"train_loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.6]}
    spec = rcharts.gap_curves(history, "Loss, gap shaded").to_dict()
    assert spec["title"] == "Loss, gap shaded"
    band, lines = spec["layer"]
    assert band["encoding"]["y"]["field"] == "train" and band["encoding"]["y2"]["field"] == "validation"
    assert band["mark"]["color"] == ACCENT
    assert lines["encoding"]["color"]["field"] == "split" and lines["encoding"]["x"]["field"] == "epoch"
    assert lines["encoding"]["color"]["scale"]["domain"] == ["train", "validation"]
    assert len(layer_data(spec, 0)) == 3 and len(layer_data(spec, 1)) == 6  # 3 epochs; 3 epochs x 2 splits


def test_weight_histogram_counts_every_weight():
    w = np.random.default_rng(0).normal(size=500)
    spec = rcharts.weight_histogram(w, "Weight histogram", bins=20).to_dict()
    assert spec["title"] == "Weight histogram"
    assert spec["encoding"]["x"]["field"] == "from" and spec["encoding"]["y"]["field"] == "weights"
    assert spec["mark"]["color"] == TRAIN
    rows = spec["datasets"][spec["data"]["name"]]
    assert len(rows) == 20 and sum(r["weights"] for r in rows) == 500  # clipping keeps the extremes in the end bins


def test_sweep_chart_one_point_per_strength_and_measure_in_two_panels():
    rows = [SweepRow(1e-4, metrics(0.8)), SweepRow(1e-2, metrics(0.9)), SweepRow(1e-1, metrics(0.7))]
    acc = rcharts.sweep_chart(rows, "L2 strength λ₂ (log scale)", log=True).to_dict()
    assert acc["title"]["text"].startswith("Accuracy against strength")
    enc = acc["encoding"]
    assert enc["x"]["field"] == "strength" and enc["x"]["title"] == "L2 strength λ₂ (log scale)"
    assert enc["x"]["scale"]["type"] == "log" and enc["y"]["field"] == "value"
    assert enc["y"]["scale"]["domain"] == [0, 1]  # accuracies on their own 0-to-1 axis
    assert enc["color"]["scale"]["domain"] == list(rcharts.SWEEP_PANELS["accuracy"])
    assert acc["height"] >= 280  # readable at 1280 px: the plot area is not squeezed by the legend (now on top)
    data = acc["datasets"][acc["data"]["name"]]
    assert len(data) == 3 * len(rcharts.SWEEP_PANELS["accuracy"])
    assert [d["value"] for d in data if d["measure"] == "test accuracy"] == [0.8, 0.9, 0.7]
    gap = rcharts.sweep_chart(rows, "L2", log=False, panel="gap").to_dict()
    assert gap["encoding"]["x"]["scale"]["type"] == "linear"
    gdata = gap["datasets"][gap["data"]["name"]]
    assert {d["measure"] for d in gdata} == set(rcharts.SWEEP_PANELS["gap"])
    np.testing.assert_allclose([d["value"] for d in gdata if d["measure"] == "loss gap (test − train)"], [0.3] * 3)


def test_charts_speak_the_readers_language():
    rows = [SweepRow(1e-4, metrics(0.8)), SweepRow(1e-2, metrics(0.9))]
    i18n.use("zh")
    try:
        gap = rcharts.gap_curves({"train_loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, "x").to_dict()
        hist = rcharts.weight_histogram(np.arange(10.0), "x").to_dict()
        sweep = rcharts.sweep_chart(rows, "x", log=True).to_dict()
    finally:
        i18n.use("en")
    assert gap["layer"][1]["encoding"]["color"]["scale"]["domain"] == ["训练集", "验证集"]
    assert gap["layer"][0]["encoding"]["x"]["title"] == "轮次" and gap["layer"][0]["encoding"]["y"]["title"] == "损失"
    assert hist["encoding"]["x"]["title"] == "权重值" and hist["encoding"]["y"]["title"] == "权重个数"
    assert sweep["title"]["text"] == "准确率随强度的变化" and sweep["encoding"]["y"]["title"] == "准确率"
    measures = {d["measure"] for d in sweep["datasets"][sweep["data"]["name"]]}
    assert measures == {"测试准确率", "验证准确率", "训练准确率"} == set(sweep["encoding"]["color"]["scale"]["domain"])
