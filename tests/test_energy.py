"""Energy readings on a machine with no counter are positive, labelled estimates; the estimate's and the
prediction's arithmetic against hand calculations; the BigModel's data has its known answer."""

import time

import numpy as np
import pytest

from core import bigmodel_data, energy, models
from core.errors import ConfigError, DatasetError


def test_estimate_is_positive_labelled_and_repeated(monkeypatch):
    m = energy.Meter(device="cpu")
    r = m.measure(lambda: sum(range(200)), min_seconds=0.05)
    assert r.joules > 0 and r.seconds > 0 and r.repeats > 1
    if m.source == energy.ESTIMATE:
        assert r.is_estimate and "estimate" in r.label and "Estimate" in r.why and "W per core" in r.why
        assert r.joules == pytest.approx(r.seconds * energy.estimate_watts(), rel=1e-9)
    else:
        assert r.source in ("NVML (Zeus)", "RAPL (Zeus)")


def test_estimate_window_by_hand(monkeypatch):
    m = energy.Meter(device="cpu")
    m.source = energy.ESTIMATE
    joules, seconds = m.window(lambda: time.sleep(0.05))
    assert seconds >= 0.05 and joules == pytest.approx(seconds * energy.WATTS_PER_CORE * energy.cores())


def test_trace_has_one_power_point_per_epoch():
    m = energy.Meter(device="cpu")
    _, tr = energy.traced(m, lambda cb: [(time.sleep(0.01), cb()) for _ in range(4)])
    assert len(tr.watts) == 4 and all(w > 0 for w in tr.watts) and tr.joules > 0


def test_prediction_by_hand():
    p = energy.predict(1000, 500, 1e9, 20.0)
    assert p.flops == 3e6 and p.seconds == pytest.approx(3e-3) and p.joules == pytest.approx(0.06)
    for bad in (0, -5, float("nan"), float("inf"), "x", 1e30):
        with pytest.raises(ConfigError):
            energy.predict(bad, 500, 1e9, 20.0)


def test_bigmodel_is_the_articles_network_and_its_data_has_a_known_answer():
    model = models.build("bigmodel")
    assert models.describe(model) == "MLP 1000-200-100-1 (relu)" and models.n_parameters(model) == 220_401
    ds = bigmodel_data.load(200, noise=0.1)
    full = np.concatenate([ds.X_train, ds.X_val]) @ bigmodel_data.rule()
    y = np.concatenate([ds.y_train, ds.y_val]).ravel()
    assert np.std(y - full) == pytest.approx(0.1, rel=0.2)  # the residual of the true rule is the noise
    assert bigmodel_data.best_r2(0.1) == pytest.approx(1 / 1.01)
    with pytest.raises(DatasetError):
        bigmodel_data.load(5)
