import dataclasses

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, log_loss

from core import batched_variants, boundary, data, models
from core import regularization as reg
from core.errors import ConfigError

CFG = {"widths": (64, 64), "epochs": 150, "lr": 0.01, "device": "cpu"}


VARIANTS = {
    "none": {},
    "l1": {"l1": 1e-3},
    "l2": {"l2": 1e-2},
    "dropout": {"dropout": 0.3},
    "early_stopping": {"early_stopping": 10},
    "batch_norm": {"batch_norm": 1},
    "augmentation": {"augmentation": 0.2},
}


def moons(n=120):
    return reg.hold_out_test(data.load("moons", n_samples=n, noise=0.35))


@pytest.fixture(scope="module")
def overfit():
    splits = moons()
    return splits, reg.run_variants(splits, VARIANTS, **CFG)


def test_l1_zeroes_weights_and_l2_shrinks_them(overfit):
    _, v = overfit
    assert v["l1"].metrics.near_zero > v["none"].metrics.near_zero + 0.2
    assert v["l2"].metrics.weight_norm < 0.8 * v["none"].metrics.weight_norm


def test_early_stopping_keeps_the_epoch_of_the_best_validation_loss(overfit):
    _, v = overfit
    es = v["early_stopping"]
    m = es.metrics
    assert m.stopped_early and m.epochs_run < CFG["epochs"]
    assert m.best_epoch == int(np.argmin(es.history["val_loss"])) + 1  # chosen on validation, nothing else
    assert m.val_loss == min(es.history["val_loss"])
    assert m.val_accuracy == es.history["val_acc"][m.best_epoch - 1]


def test_some_remedy_narrows_the_gap(overfit):
    _, v = overfit
    base = v["none"].metrics.loss_gap
    assert base > 0.1  # the default setting overfits
    assert min(x.metrics.loss_gap for n, x in v.items() if n != "none") < base


def test_same_seed_same_result_and_same_initial_weights(overfit):
    splits, v = overfit
    again = reg.run_variants(splits, VARIANTS, **CFG)
    assert all(again[n].history == v[n].history for n in VARIANTS)
    firsts = []
    for opts in ({}, {"dropout": 0.3}, {"batch_norm": True}):
        torch.manual_seed(0)
        m = models.build("mlp", widths=(64, 64), **opts)
        firsts.append(next(p for p in m.parameters() if p.dim() > 1).detach().clone())
    assert all(torch.equal(firsts[0], f) for f in firsts[1:])


def test_test_split_is_disjoint_from_train_and_validation_and_restandardized():
    ds = data.load("moons", n_samples=120, noise=0.35)
    splits = reg.hold_out_test(ds)
    assert splits.sizes == (60, 30, 30)
    raw = lambda X, d: X.astype(np.float64) * d.std + d.mean
    rows = lambda X: {tuple(np.round(r, 4)) for r in X}
    test, train, val = (rows(raw(X, splits.data)) for X in (splits.X_test, splits.data.X_train, splits.data.X_val))
    assert len(test) == 30 and not test & train and not test & val
    assert test | train == rows(raw(ds.X_train, ds)) and val == rows(raw(ds.X_val, ds))  # nothing lost, val untouched
    np.testing.assert_allclose(splits.data.X_train.mean(0), 0, atol=1e-5)  # mean and std of the train rows only
    np.testing.assert_allclose(splits.data.X_train.std(0), 1, atol=1e-4)


def test_test_metrics_and_ranking_against_sklearn_on_the_exported_onnx(overfit):
    splits, v = overfit
    oracle = {}
    for name, variant in v.items():
        logits = boundary.onnx_logits(variant.onnx)(splits.X_test)
        acc = accuracy_score(splits.y_test, logits.argmax(1))
        assert variant.metrics.test_accuracy == pytest.approx(acc, abs=1e-6)
        proba = boundary.softmax(logits.astype(np.float64))
        assert variant.metrics.test_loss == pytest.approx(log_loss(splits.y_test, proba, labels=[0, 1]), rel=1e-4)
        oracle[name] = acc
        val = accuracy_score(splits.data.y_val, boundary.onnx_logits(variant.onnx)(splits.data.X_val).argmax(1))
        assert variant.metrics.val_accuracy == pytest.approx(val, abs=1e-6)
    ranked = [x.name for x in reg.rank(v)]
    assert [oracle[n] for n in ranked] == sorted(oracle.values(), reverse=True)


def test_records_are_frozen(overfit):
    _, v = overfit
    with pytest.raises(dataclasses.FrozenInstanceError):
        v["none"].name = "x"
    run = batched_variants.train_together(moons().data, [{}], widths=(8,), epochs=2, device="cpu")[0]
    assert isinstance(run, batched_variants.BatchedRun)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.best_epoch = 3


def test_sweep_and_limits():
    splits = moons()
    rows = reg.sweep(splits, "l2", reg.sweep_values(1e-4, 1e-1, 3), **{**CFG, "epochs": 30})
    np.testing.assert_allclose([r.strength for r in rows], [1e-4, 10**-2.5, 1e-1])
    assert rows[0].metrics.weight_norm > rows[-1].metrics.weight_norm
    best = reg.best_of(rows)
    assert best.metrics.test_accuracy == max(r.metrics.test_accuracy for r in rows)
    with pytest.raises(ConfigError, match="2 to 12"):
        reg.sweep_values(1e-5, 1e-1, 40)
    with pytest.raises(ConfigError, match="from"):
        reg.train_variant(splits, "x", {"dropout": 1.5})
    with pytest.raises(ConfigError, match="at least one"):
        reg.run_variants(splits, {})
    with pytest.raises(ConfigError, match="hold_out_test"):
        reg.run_variants(splits.data, {"none": {}})


def test_patience_sweep_labels_each_distinct_whole_value_once():
    """Issue 12: patience values were rounded to whole numbers after naming, so two rows read '1'."""
    splits = moons()
    assert reg.sweep_values(1, 3, 6, log=True, whole=True) == [1, 2, 3]
    with pytest.raises(ConfigError, match="widen"):
        reg.sweep_values(1.0, 1.4, 4, whole=True)
    cfg = {**CFG, "epochs": 40}
    rows = reg.sweep(splits, "early_stopping", [1, 1.2, 2, 3], **cfg)
    assert [r.strength for r in rows] == [1, 2, 3]
    for r in rows:  # each row holds the run of its own patience
        alone = reg.run_variants(splits, {"x": {"early_stopping": r.strength}}, **cfg)["x"]
        assert r.metrics == alone.metrics


@pytest.mark.parametrize("remedies", [{}, {"l1": 1e-3}, {"l2": 1e-2}])
def test_batched_training_equals_one_at_a_time(remedies):
    """Stacked weights + one Adam == K separate trainings (the deterministic remedies, 10 epochs)."""
    splits = moons()
    cfg = {**CFG, "epochs": 10}
    alone = reg.train_variant(splits, "x", remedies, export=False, **cfg)
    together = reg.run_variants(splits, {"other": {"l2": 0.1}, "x": remedies}, **cfg)["x"]
    np.testing.assert_allclose(together.history["train_loss"], alone.history["train_loss"], rtol=1e-4)
    np.testing.assert_allclose(together.weights, alone.weights, atol=1e-4)


@pytest.mark.parametrize("n_in,widths,n_out", [(2, (128, 128), 2), (64, (128, 128), 10), (2, (), 2), (3, (5,), 4)])
def test_parameter_count_against_the_built_model(n_in, widths, n_out):
    model = models.build("mlp", in_features=n_in, widths=widths, out_features=n_out)
    assert reg.mlp_parameters(n_in, widths, n_out) == models.n_parameters(model)


def test_cost_is_variants_times_parameters_times_rows_times_epochs():
    splits = moons()  # 60 training rows
    c = reg.cost(splits, 6, (128, 128), 300)
    assert (c.variants, c.parameters, c.rows, c.epochs) == (6, 17154, 60, 300)
    assert c.total == 6 * 17154 * 60 * 300 and not c.over_budget


def test_training_past_the_budget_is_refused_before_any_step(monkeypatch):
    """Issue 12 item 9: the cost is estimated first; past the budget nothing trains, and the message names the
    budget and what to lower."""
    splits = reg.hold_out_test(data.load("moons", n_samples=1000, noise=0.35))  # 500 training rows
    c = reg.cost(splits, 6, (128, 128), 1000)
    assert c.total == 6 * 17154 * 500 * 1000 > reg.MAX_COST and c.over_budget
    monkeypatch.setattr(reg, "train_together", lambda *a, **k: pytest.fail("trained past the budget"))
    with pytest.raises(ConfigError, match=r"budget of 2e\+10; lower the epochs, the samples or the number of variants"):
        reg.run_variants(splits, dict(list(VARIANTS.items())[:6]), widths=(128, 128), epochs=1000)
    with pytest.raises(ConfigError, match="budget"):
        reg.sweep(splits, "l2", reg.sweep_values(1e-4, 1e-1, 12), widths=(128, 128), epochs=1000)
    at_budget = int(reg.MAX_COST // (6 * 17154 * 500))  # the most epochs that fit stay allowed
    assert not reg.cost(splits, 6, (128, 128), at_budget).over_budget
    assert reg.cost(splits, 6, (128, 128), at_budget + 1).over_budget
