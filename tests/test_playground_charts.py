import numpy as np

from ui.charts import playground as pg_charts
from ui.charts.palette import ACCENT, TRAIN


def test_cross_validation_folds_draws_each_fold_and_the_mean():
    spec = pg_charts.cross_validation_folds([0.9, 0.8, 1.0], "accuracy").to_dict()
    bars, rule = spec["layer"]
    rows = spec["datasets"][bars["data"]["name"]]
    assert [r["fold"] for r in rows] == ["fold 1", "fold 2", "fold 3"] and [r["accuracy"] for r in rows] == [0.9, 0.8, 1.0]
    assert bars["mark"]["color"] == TRAIN and bars["encoding"]["y"]["title"] == "validation accuracy"
    mean = spec["datasets"][rule["data"]["name"]][0]["mean"]
    np.testing.assert_allclose(mean, 0.9)  # the oracle: (0.9 + 0.8 + 1.0) / 3
    assert rule["mark"]["color"] == ACCENT and "dashed: the mean" in spec["title"]
