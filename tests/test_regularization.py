import numpy as np
import pytest
import torch

from core import data, models, regularization as reg
from core.errors import ConfigError

CFG = {"widths": (64, 64), "epochs": 150, "lr": 0.01, "device": "cpu"}


VARIANTS = {"none": {}, "l1": {"l1": 1e-3}, "l2": {"l2": 1e-2}, "dropout": {"dropout": 0.3},
            "early_stopping": {"early_stopping": 10}, "batch_norm": {"batch_norm": 1},
            "augmentation": {"augmentation": 0.2}}


@pytest.fixture(scope="module")
def overfit():
    ds = data.load("moons", n_samples=80, noise=0.35)
    return ds, reg.run_variants(ds, VARIANTS, **CFG)


def test_l1_zeroes_weights_and_l2_shrinks_them(overfit):
    _, v = overfit
    assert v["l1"].metrics["near_zero"] > v["none"].metrics["near_zero"] + 0.2
    assert v["l2"].metrics["weight_norm"] < 0.8 * v["none"].metrics["weight_norm"]


def test_early_stopping_stops_early_and_keeps_the_best_weights(overfit):
    _, v = overfit
    m = v["early_stopping"].metrics
    assert m["stopped_early"] and m["epochs_run"] < CFG["epochs"]
    assert m["val_loss"] == min(v["early_stopping"].history["val_loss"])


def test_some_remedy_narrows_the_gap(overfit):
    _, v = overfit
    base = v["none"].metrics["loss_gap"]
    assert base > 0.1  # the default setting overfits
    assert min(x.metrics["loss_gap"] for n, x in v.items() if n != "none") < base


def test_same_seed_same_result_and_same_initial_weights(overfit):
    ds, v = overfit
    again = reg.run_variants(ds, VARIANTS, **CFG)
    assert all(again[n].history == v[n].history for n in VARIANTS)
    firsts = []
    for opts in ({}, {"dropout": 0.3}, {"batch_norm": True}):
        torch.manual_seed(0)
        m = models.build("mlp", widths=(64, 64), **opts)
        firsts.append(next(p for p in m.parameters() if p.dim() > 1).detach().clone())
    assert all(torch.equal(firsts[0], f) for f in firsts[1:])


def test_boundary_through_onnx_matches_pytorch(overfit):
    from core import boundary
    ds, v = overfit
    logits = boundary.onnx_logits(v["none"].onnx)(ds.X_val)
    assert (logits.argmax(1) == ds.y_val).mean() == pytest.approx(v["none"].metrics["val_accuracy"], abs=1e-6)


def test_sweep_and_limits():
    ds = data.load("moons", n_samples=80, noise=0.35)
    rows = reg.sweep(ds, "l2", reg.sweep_values(1e-4, 1e-1, 3), **{**CFG, "epochs": 30})
    np.testing.assert_allclose([r["strength"] for r in rows], [1e-4, 10 ** -2.5, 1e-1])
    assert rows[0]["weight_norm"] > rows[-1]["weight_norm"]
    with pytest.raises(ConfigError, match="2 to 12"):
        reg.sweep_values(1e-5, 1e-1, 40)
    with pytest.raises(ConfigError, match="from"):
        reg.train_variant(ds, "x", {"dropout": 1.5})
    with pytest.raises(ConfigError, match="at least one"):
        reg.run_variants(ds, {})


@pytest.mark.parametrize("remedies", [{}, {"l1": 1e-3}, {"l2": 1e-2}])
def test_batched_training_equals_one_at_a_time(remedies):
    """Stacked weights + one Adam == K separate trainings (the deterministic remedies, 10 epochs)."""
    ds = data.load("moons", n_samples=80, noise=0.35)
    cfg = {**CFG, "epochs": 10}
    alone = reg.train_variant(ds, "x", remedies, export=False, **cfg)
    together = reg.run_variants(ds, {"other": {"l2": 0.1}, "x": remedies}, **cfg)["x"]
    np.testing.assert_allclose(together.history["train_loss"], alone.history["train_loss"], rtol=1e-4)
    np.testing.assert_allclose(together.weights, alone.weights, atol=1e-4)
