"""The one loss table and the one optimizer table, against independent oracles, and every user of
them (training, the loss surface, the bundle's standalone script) against the tables."""

import numpy as np
import pytest
import torch
from torch import nn

from core import bundle, data, landscape, losses, models, optimizers, train


def _oracle(name, task, out, y):
    """torch.nn's own losses, written independently of core.losses."""
    if task == "regression":
        return nn.MSELoss()(out, y)
    if name == "mse":
        return nn.MSELoss()(torch.softmax(out, -1), nn.functional.one_hot(y, out.shape[-1]).double())
    return nn.CrossEntropyLoss()(out.reshape(-1, out.shape[-1]), y.reshape(-1))


CASES = [
    ("cross_entropy", "classification"),
    ("mse", "classification"),
    ("mse", "regression"),
    ("cross_entropy", "sequence"),
    ("mse", "sequence"),
]


def _batch(task, g):
    if task == "regression":
        return torch.randn(7, 1, generator=g, dtype=torch.float64), torch.randn(7, 1, generator=g, dtype=torch.float64)
    shape = (5, 4) if task == "sequence" else (7,)
    return torch.randn(*shape, 3, generator=g, dtype=torch.float64), torch.randint(0, 3, shape, generator=g)


@pytest.mark.parametrize("name,task", CASES)
def test_each_loss_matches_torch_nn_and_stacks_models(name, task):
    g = torch.Generator().manual_seed(0)
    outs, y = zip(*[_batch(task, g) for _ in range(3)])
    y = y[0]
    stacked = losses.per_model(name, task)(torch.stack(outs), y)
    for k, out in enumerate(outs):
        ref = _oracle(name, task, out, y)
        assert float(stacked[k]) == pytest.approx(float(ref), rel=1e-12)
        assert float(losses.single(name, task)(out, y)) == pytest.approx(float(ref), rel=1e-12)


def test_cross_entropy_refuses_regression_and_defaults_follow_the_task():
    with pytest.raises(losses.ConfigError, match="mean squared error"):
        losses.resolve("cross_entropy", "regression")
    with pytest.raises(losses.ConfigError, match="Unknown loss"):
        losses.resolve("hinge", "classification")
    assert losses.resolve(None, "regression") == "mse" and losses.resolve(None, "classification") == "cross_entropy"


@pytest.mark.parametrize("dataset,loss", [("moons", "cross_entropy"), ("moons", "mse"), ("linear", "mse")])
def test_surface_centre_is_the_training_loss_core_train_reports(dataset, loss):
    """The map's centre is the model's own loss: a model trained with MSE shows MSE, not cross-entropy."""
    ds = data.load(dataset, n_samples=200)
    torch.manual_seed(0)
    m = models.build("mlp", in_features=ds.n_features, widths=(8,), out_features=ds.n_classes)
    h = train.fit(m, ds, epochs=3, lr=0.01, loss=loss)
    s = landscape.surface(m, ds, "filter", resolution=3, span=0.1, loss=h.config["loss"])
    assert s.loss_name == loss
    assert s.center_loss == pytest.approx(h.train_loss[-1], rel=1e-5)
    assert s.loss[1, 1] == pytest.approx(h.train_loss[-1], rel=1e-5)


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_every_optimizer_is_the_torch_class_with_the_config_values(name):
    p = [nn.Parameter(torch.zeros(3))]
    opt = optimizers.make(name, p, 0.05, momentum=0.7, weight_decay=0.02)
    spec = optimizers.OPTIMIZERS[name]
    assert type(opt).__name__ == spec.torch_class and opt.defaults["lr"] == 0.05
    for arg, field in spec.from_config.items():
        assert opt.defaults[arg] == {"momentum": 0.7, "weight_decay": 0.02}[field]
    assert train.OPTIMIZERS == tuple(optimizers.OPTIMIZERS)


def _script_namespace():
    ns = {"__name__": "bundle_script"}
    exec(compile(bundle.script(), "train.py", "exec"), ns)  # the generated script, without running main()
    return ns


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_bundle_script_builds_the_same_optimizer(name):
    ns = _script_namespace()
    t = {"optimizer": name, "lr": 0.03, "momentum": 0.8, "weight_decay": 0.05}
    ours = optimizers.make(name, [nn.Parameter(torch.zeros(2))], 0.03, momentum=0.8, weight_decay=0.05)
    theirs = ns["make_optimizer"]([nn.Parameter(torch.zeros(2))], t)
    assert type(theirs) is type(ours) and theirs.defaults == ours.defaults


@pytest.mark.parametrize("name,task", [c for c in CASES if c[1] != "sequence"])
def test_bundle_script_loss_agrees_with_the_table(name, task):
    ns = _script_namespace()
    out, y = _batch(task, torch.Generator().manual_seed(1))
    got = ns["data_loss"](out, y, name, task == "regression")
    np.testing.assert_allclose(float(got), float(losses.single(name, task)(out, y)), rtol=1e-12)


def test_accuracy_is_numpy_argmax_with_ties_and_nan():
    g = torch.Generator().manual_seed(2)
    out = torch.randint(0, 3, (4, 50, 5), generator=g).float()  # many ties: the first largest wins, as argmax
    y = torch.randint(0, 5, (50,), generator=g)
    out[3, 7, 2] = float("nan")
    got = losses.accuracy(out, y).numpy()
    ref = (out.numpy().argmax(-1) == y.numpy()).mean(-1)
    np.testing.assert_allclose(got[:3], ref[:3], rtol=0, atol=1e-7)
    assert np.isnan(got[3])
