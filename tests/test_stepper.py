"""core.stepper: a run cut into batches and epochs ends with fit's very weights; its state is plain data."""

import pickle

import numpy as np
import pytest
import torch

from core import formula, models, stepper
from core.errors import ConfigError
from core.train import fit

MODEL = {
    "in_features": 2,
    "widths": (4, 3),
    "out_features": 2,
    "activation": "tanh",
    "dropout": 0.0,
    "batch_norm": False,
}
TRAIN = {"optimizer": "adam", "lr": 0.03, "batch_size": 16, "epochs": 3, "l2": 0.001}


@pytest.fixture(scope="module")
def ds():
    X, y = formula.plane_points("moons", 3, 120, 0.1)
    return formula.plane_dataset(X, y, ["x1", "x2"], 3)


@pytest.mark.parametrize("opt", ["adam", "sgd", "momentum"])
def test_batches_and_epochs_equal_fit(ds, opt):
    train = {**TRAIN, "optimizer": opt}
    rs = stepper.start(MODEL, train, 3)
    rs = stepper.advance(rs, ds, batches=2)
    rs = stepper.advance(rs, ds)  # the rest of epoch 1
    rs = stepper.advance(rs, ds, batches=len(range(0, len(ds.X_train), 16)) + 1)  # epoch 2 and a batch of 3
    rs = stepper.advance(rs, ds)  # the rest of epoch 3
    rs = pickle.loads(pickle.dumps(rs))  # plain data: survives session state
    assert rs.epoch == 3 and rs.cursor == 0
    torch.manual_seed(3)
    model = models.build("mlp", **MODEL)
    hist = fit(model, ds, seed=3, device="cpu", record_trajectory=False, **train)
    for k, v in model.state_dict().items():
        np.testing.assert_allclose(rs.weights[k], v.numpy(), rtol=0, atol=1e-6)
    np.testing.assert_allclose(rs.history["val_loss"], hist.val_loss, atol=1e-6)


def test_advance_leaves_the_input_state_unchanged(ds):
    rs = stepper.start(MODEL, TRAIN, 0)
    before = {k: v.copy() for k, v in rs.weights.items()}
    after = stepper.advance(rs, ds, batches=1)
    assert after.steps == 1 and rs.steps == 0
    assert all(np.array_equal(before[k], rs.weights[k]) for k in before)


def test_retune_only_what_can_change(ds):
    rs = stepper.retune(stepper.start(MODEL, TRAIN, 0), lr=0.1, batch_size=8)
    assert rs.train["lr"] == 0.1 and rs.train["batch_size"] == 8
    with pytest.raises(ConfigError, match="need a reset"):
        stepper.retune(rs, optimizer="sgd")
    with pytest.raises(ConfigError):
        stepper.retune(rs, lr=-1.0)


def test_picture_matches_the_model_and_the_formula(ds):
    rs = stepper.advance(stepper.start(MODEL, TRAIN, 1), ds, batches=3)
    xs = np.linspace(-2, 2, 6)
    pic = stepper.picture(rs, ["x1", "x2"], xs, xs)
    assert [m.shape for m in pic.maps] == [(2, 6, 6), (4, 6, 6), (3, 6, 6), (1, 6, 6)]
    model = stepper.build(rs).eval()
    p = torch.softmax(model(torch.tensor([[xs[2], xs[4]]], dtype=torch.float32)), 1)[0, 1].item()
    assert abs(pic.maps[-1][0, 4, 2] - p) < 1e-5  # map[u, j, i] is at (xs[i], ys[j])
    h = pic.maps[1][:, 4, 2]
    _, plugged, value = stepper.neuron_formula(pic, 1, 0, ["x_1", "x_2"], np.array([xs[2], xs[4]]))
    assert abs(value - h[0]) < 1e-5 and "tanh" in plugged
    assert any(np.abs(g).sum() > 0 for g in pic.weight_grads)  # backward mode has the last batch's gradients
