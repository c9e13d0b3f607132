"""core.experiments: plans and limits, seed-for-seed equality with a Playground training, a local Ray of two workers."""

import numpy as np
import pytest
import torch

from core import experiments as ex
from core import models
from core.errors import ConfigError
from core.train import fit

SMALL = {"epochs": 4, "n_samples": 120, "width": 4, "depth": 1}


def test_grid_and_random_plans():
    runs = ex.plan(SMALL, {"lr": (0.01, 0.1), "seed": (0, 1, 2)})
    assert len(runs) == 6 and {r["lr"] for r in runs} == {0.01, 0.1} and all(r["epochs"] == 4 for r in runs)
    rand = ex.plan(SMALL, {"lr": ex.SPACE["lr"], "width": ex.SPACE["width"]}, "random", n=5, seed=3)
    assert len(rand) == 5 and rand == ex.plan(SMALL, {"lr": ex.SPACE["lr"], "width": ex.SPACE["width"]}, "random", 5, 3)


@pytest.mark.parametrize(
    "base, space, words",
    [
        ({}, {"lr": ex.SPACE["lr"], "width": ex.SPACE["width"]}, "at most 48"),
        ({"epochs": 200}, {"lr": ex.SPACE["lr"], "seed": (0, 1, 2)}, "at most 4000"),
        ({}, {"lr": (0.5,)}, "Pick values"),
        ({}, {"dropout": (0.1,)}, "may vary"),
    ],
)
def test_too_large_or_unknown_is_refused(base, space, words):
    with pytest.raises(ConfigError, match=words):
        ex.plan(base, space)


def test_a_run_equals_the_playground_training():
    s = {**ex.BASE, **SMALL, "seed": 3, "lr": 0.03}
    r = ex.train_one(s)
    ds = ex.dataset_of(s)
    torch.manual_seed(3)  # as ui.playground.run_training builds and trains
    model = models.build("mlp", **ex.model_options(s, ds))
    hist = fit(model, ds, seed=3, device="cpu", record_trajectory=False, **ex.train_options(s))
    assert r.status == "ok" and r.history["val_loss"] == hist.val_loss
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(r.weights[k], v.numpy())


def test_divergence_is_marked_and_diff_reads_two_runs():
    bad = ex.train_one({**ex.BASE, **SMALL, "optimizer": "sgd", "lr": 10.0, "depth": 4, "width": 64, "epochs": 30})
    assert bad.status in ("diverged", "ok")  # SGD at 10 usually blows up; either way it is reported, never raised
    a = ex.train_one({**ex.BASE, **SMALL})
    b = ex.train_one({**ex.BASE, **SMALL, "lr": 0.1})
    d = ex.diff(a, b)
    assert d["changed"] == {"lr": (0.01, 0.1)} and 0 <= d["disagree"] <= 1
    assert ex.disagreement(a, a).sum() == 0


def test_unanswering_address_gets_a_message():
    with pytest.raises(ConfigError, match="Ray address looks like"):
        ex.check_address("not an address")
    with pytest.raises(ConfigError, match="does not answer"):
        ex.check_address("127.0.0.1:1", timeout=1)


def test_in_process_engine_runs_in_order():
    runs = ex.plan(SMALL, {"seed": (0, 1)})
    seen = []
    out = ex.run_all(runs, ex.connect(use_ray=False), lambda i, r: seen.append(i))
    assert seen == [0, 1] and [r.status for r in out] == ["ok", "ok"]


def test_small_experiment_on_a_local_ray_with_two_workers():
    engine = ex.connect(workers=2)
    if engine.kind == "in-process":
        pytest.skip(engine.note)
    try:
        assert engine.kind == "ray-local" and engine.workers == 2
        runs = ex.plan(SMALL, {"lr": (0.01, 0.1), "seed": (0, 1)})
        seen = []
        out = ex.run_all(runs, engine, lambda i, r: seen.append(i))
        assert sorted(seen) == [0, 1, 2, 3]
        alone = [ex.train_one(s) for s in runs]
        for r, a in zip(out, alone):
            assert r.status == "ok" and r.history == a.history and r.val_acc == a.val_acc
        assert len({r.worker for r in out}) >= 1
    finally:
        ex.disconnect()
