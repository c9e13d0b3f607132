import math

import numpy as np
import pytest
import torch

from core import data, models, train
from core.errors import ConfigError, DivergenceError


def _fit(name="moons", model="mlp", seed=0, **cfg):
    ds = data.load(name, n_samples=200) if name in data.TWO_D else data.load(name)
    torch.manual_seed(seed)
    m = models.build(model, **({"widths": (16,)} if model == "mlp" else {}))
    return m, ds, train.fit(m, ds, **cfg)


@pytest.mark.parametrize("opt", train.OPTIMIZERS)
def test_every_optimizer_lowers_the_loss(opt):
    lr = {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.1}.get(opt, 0.01)
    m, ds, h = _fit(optimizer=opt, lr=lr, epochs=15)
    torch.manual_seed(0)
    init = models.build("mlp", widths=(16,))
    start, _ = train.evaluate(init, torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train), ds.task, "cross_entropy")
    assert h.train_loss[-1] < 0.8 * start
    assert h.val_acc[-1] > 0.8


def test_one_sgd_step_equals_the_update_rule_with_penalties():
    """theta <- theta - lr * (grad of data loss + l1 * sign(w) + 2 * l2 * w), by autograd."""
    ds = data.load("iris")
    torch.manual_seed(0)
    m = models.build("iris")
    torch.manual_seed(0)
    ref = models.build("iris")
    X, y = torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train)
    loss = torch.nn.functional.cross_entropy(ref(X), y)
    grads = torch.autograd.grad(loss, list(ref.parameters()))
    lr, l1, l2 = 0.1, 0.01, 0.02
    expected = [
        p - lr * (g + (l1 * torch.sign(p) + 2 * l2 * p if p.dim() > 1 else 0)) for p, g in zip(ref.parameters(), grads)
    ]
    train.fit(m, ds, optimizer="sgd", lr=lr, epochs=1, batch_size=10_000, l1=l1, l2=l2)
    for p, e in zip(m.parameters(), expected):
        np.testing.assert_allclose(p.detach().numpy(), e.detach().numpy(), atol=1e-6)


def test_mse_loss_on_classes_and_regression():
    _, _, h = _fit(loss="mse", epochs=20, lr=0.05)
    assert h.val_acc[-1] > 0.8
    ds = data.load("linear")
    torch.manual_seed(0)
    h = train.fit(models.build("regression"), ds, epochs=60, lr=0.01)
    assert h.val_loss[-1] < 0.05 and math.isnan(h.val_acc[-1])
    with pytest.raises(ConfigError, match="mean squared error for regression"):
        train.fit(models.build("regression"), ds, loss="cross_entropy")


def test_same_seed_same_history_and_trajectory():
    _, _, a = _fit(epochs=5, optimizer="adam", batch_size=16)
    _, _, b = _fit(epochs=5, optimizer="adam", batch_size=16)
    assert a.train_loss == b.train_loss and a.val_acc == b.val_acc
    np.testing.assert_array_equal(a.trajectory, b.trajectory)
    assert a.trajectory.shape == (6, 2 * 16 + 16 + 16 * 2 + 2)


def test_trajectory_rows_are_the_weights():
    m, _, h = _fit(epochs=3)
    np.testing.assert_array_equal(h.trajectory[-1], train.flat_parameters(m))


def test_divergence_stops_with_a_clear_error():
    ds = data.load("linear", standardize=False)
    torch.manual_seed(0)
    with pytest.raises(DivergenceError, match="smaller") as e:
        train.fit(models.build("regression", activation="relu"), ds, optimizer="sgd", lr=10, epochs=50)
    assert e.value.epoch >= 1


def test_early_stopping_keeps_the_best_validation_weights():
    ds = data.load("moons", n_samples=60, noise=0.4)
    torch.manual_seed(0)
    m = models.build("mlp", widths=(128, 128))
    events = []
    h = train.fit(m, ds, epochs=400, lr=0.01, patience=10, on_epoch=events.append)
    assert h.stopped_early and h.epochs < 400 and len(events) == h.epochs
    best = min(h.val_loss)
    assert h.val_loss[h.best_epoch - 1] == best
    now, _ = train.evaluate(m, torch.as_tensor(ds.X_val), torch.as_tensor(ds.y_val), ds.task, "cross_entropy")
    assert now == pytest.approx(best, rel=1e-6)


def test_transformer_trains_on_a_sequence_task():
    ds = data.load("reverse", n_samples=1000)
    torch.manual_seed(0)
    m = models.build("transformer", d_model=32, n_heads=2, d_ff=64)
    h = train.fit(m, ds, epochs=6, lr=0.003, batch_size=64, record_trajectory=False)
    assert h.val_acc[-1] > 0.9 and h.trajectory is None


@pytest.mark.parametrize(
    "cfg, words",
    [
        ({"lr": -0.1}, "learning rate"),
        ({"lr": float("nan")}, "learning rate"),
        ({"epochs": 0}, "Epochs"),
        ({"batch_size": 0}, "batch size"),
        ({"optimizer": "lion"}, "Unknown optimizer"),
        ({"loss": "hinge"}, "Unknown loss"),
        ({"l2": -1.0}, "l2"),
        ({"patience": -2}, "Patience"),
        ({"device": "tpu"}, "device"),
        ({"bogus": 1}, "Unknown training option"),
    ],
)
def test_bad_hyperparameters(cfg, words):
    with pytest.raises(ConfigError, match=words):
        _fit(**cfg)


def test_cuda_request_without_gpu_is_clear():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        _fit(device="cuda", epochs=1)


def test_batch_norm_with_batches_of_one_is_refused():
    ds = data.load("moons", n_samples=60)
    with pytest.raises(ConfigError, match="at least 2"):
        train.fit(models.build("mlp", batch_norm=True), ds, batch_size=1, epochs=1)


def test_reading_the_model_during_training_does_not_change_training():
    """The playground draws the boundary from on_epoch; that must not leave dropout switched off."""
    from core import boundary

    ds = data.load("moons", n_samples=200)

    def run(cb):
        torch.manual_seed(0)
        m = models.build("mlp", widths=(16,), dropout=0.5)
        return train.fit(m, ds, epochs=4, on_epoch=cb).train_loss

    quiet = run(None)
    watched = run(lambda e: boundary.decision_boundary(boundary.torch_logits(e["model"]), ds.X_train, 10))
    assert watched == quiet
