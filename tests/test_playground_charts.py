import numpy as np

from ui.charts import playground as pg_charts
from ui.charts.palette import ACCENT, TRAIN


def test_cross_validation_folds_draws_each_fold_and_the_mean():
    spec = pg_charts.cross_validation_folds([0.9, 0.8, 1.0], "accuracy").to_dict()
    bars, rule = spec["layer"]
    rows = spec["datasets"][bars["data"]["name"]]
    assert [r["fold"] for r in rows] == ["fold 1", "fold 2", "fold 3"] and [r["accuracy"] for r in rows] == [
        0.9,
        0.8,
        1.0,
    ]
    assert bars["mark"]["color"] == TRAIN and bars["encoding"]["y"]["title"] == "validation accuracy"
    mean = spec["datasets"][rule["data"]["name"]][0]["mean"]
    np.testing.assert_allclose(mean, 0.9)  # the oracle: (0.9 + 0.8 + 1.0) / 3
    assert rule["mark"]["color"] == ACCENT and "dashed: the mean" in spec["title"]


def test_the_names_of_the_losses_and_optimizers_are_the_core_tables_labels():
    from core.losses import LOSSES
    from core.optimizers import OPTIMIZERS
    from ui.formulas import LOSS, LOSS_NAMES, LOSS_NOTE, OPTIMIZER, OPTIMIZER_NAMES

    assert list(LOSS_NAMES) == list(LOSSES) == list(LOSS) == list(LOSS_NOTE)
    assert list(OPTIMIZER_NAMES) == list(OPTIMIZERS) == list(OPTIMIZER)
    assert {k: v.label for k, v in LOSSES.items()} == LOSS_NAMES  # the English is the table's own label
    assert {k: v.label for k, v in OPTIMIZERS.items()} == OPTIMIZER_NAMES


def test_chart_titles_and_toy_class_names_follow_the_language():
    from ui import charts, i18n

    i18n.use("zh")
    try:
        spec = pg_charts.cross_validation_folds([0.9, 0.8], "accuracy").to_dict()
        assert spec["title"] == "每一折的验证准确率（虚线：平均值）"
        cm = charts.confusion_matrix([[3, 1], [0, 4]], ["outer", "inner"]).to_dict()
        rows = cm["datasets"][cm["data"]["name"]]
        assert {r["actual"] for r in rows} == {"外圈", "内圈"} and cm["layer"][0]["title"] == "混淆矩阵（验证集）"
        curves = charts.curves({"train_loss": [1.0], "val_loss": [2.0]}, "loss", "t", "y").to_dict()
        assert curves["encoding"]["x"]["title"] == "轮次"
        assert curves["encoding"]["color"]["scale"]["domain"] == ["训练集", "验证集"]
        assert charts.class_label("setosa") == "setosa"  # names that are not the toy sets' stay as they are
    finally:
        i18n.use("en")
