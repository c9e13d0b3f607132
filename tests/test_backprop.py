import itertools

import numpy as np
import pytest

from core import backprop as bp
from core.errors import ConfigError


def _shapes():
    for n_in, hidden, n_out in itertools.product((2, 3, 4), ((1,), (4,), (3, 2), (4, 4)), (1, 2, 3)):
        yield [n_in, *hidden, n_out]


@pytest.mark.parametrize("activation", bp.ACTIVATIONS)
@pytest.mark.parametrize("loss", bp.LOSSES)
def test_hand_gradients_equal_autograd_on_every_shape(activation, loss):
    rng = np.random.default_rng(0)
    for seed, sizes in enumerate(_shapes()):
        params = bp.random_params(sizes, seed, scale=2.0)
        x = rng.normal(size=sizes[0])
        y = rng.normal(size=sizes[-1]) if loss == "mse" else np.array(rng.integers(sizes[-1]))
        r = bp.step(params, x, y, activation, loss, lr=0.1)
        L, auto = bp.autograd_grads(params, x, y, activation, loss)
        assert r["loss"] == pytest.approx(L, abs=1e-10)
        assert bp.max_difference(r["grads"], auto) < 1e-6
        for (W, b), (W2, b2), (dW, db) in zip(params, r["params"], r["grads"]):
            np.testing.assert_allclose(W2, W - 0.1 * dW)
            np.testing.assert_allclose(b2, b - 0.1 * db)


@pytest.mark.parametrize("out_act", ["sigmoid", "tanh"])
def test_output_activation_and_finite_differences(out_act):
    rng = np.random.default_rng(1)
    for seed in range(10):
        params = bp.random_params([3, 4, 2], seed)
        x, y = rng.normal(size=3), rng.normal(size=2)
        r = bp.step(params, x, y, "tanh", "mse", 0.5, output_activation=out_act)
        _, auto = bp.autograd_grads(params, x, y, "tanh", "mse", out_act)
        assert bp.max_difference(r["grads"], auto) < 1e-6
        assert bp.max_difference(r["grads"], bp.numeric_grads(params, x, y, "tanh", "mse", out_act)) < 1e-4


def test_delta_is_dL_da_times_f_prime():
    params = bp.random_params([2, 3, 1], 0)
    r = bp.step(params, np.array([0.5, -1.0]), np.array([1.0]), "sigmoid", "mse", 0.1)
    s = 1 / (1 + np.exp(-r["zs"][0]))
    np.testing.assert_allclose(r["deltas"][0], r["dL_da"][0] * s * (1 - s))
    np.testing.assert_allclose(r["dL_da"][0], params[1][0].T @ r["deltas"][1])


def test_articles_linear_regression_by_hand():
    """y_hat = w x + b with w=0.5, b=0 at x=2, y=2: L = (1-2)^2 = 1, dL/dw = 2(1-2)*2 = -4, dL/db = -2."""
    r = bp.step([(np.array([[0.5]]), np.array([0.0]))], np.array([2.0]), np.array([2.0]), "linear", "mse", 0.1)
    assert r["loss"] == 1.0
    assert r["grads"][0][0][0, 0] == -4.0 and r["grads"][0][1][0] == -2.0
    assert r["params"][0][0][0, 0] == pytest.approx(0.9)


def test_many_steps_lower_the_loss_and_deep_sigmoid_vanishes():
    params = bp.random_params([2, 4, 1], 0)
    r = bp.run_steps(params, np.array([1.0, 0.0]), np.array([1.0]), "tanh", "mse", 0.1, 50)
    assert r["loss"][-1] < 0.1 * r["loss"][0] and r["params"].shape == (50, 2 * 4 + 4 + 4 + 1)
    sig = bp.layer_gradient_norms(8, 4, "sigmoid")
    assert sig[0] < 0.01 * sig[-1]  # the first layer's gradient is orders of magnitude smaller


@pytest.mark.parametrize("kwargs, words", [
    ({"y": np.array([1.0, 2.0])}, "target must have 1"),
    ({"x": np.array([np.nan, 1.0])}, "not a finite"),
    ({"loss": "cross_entropy", "y": np.array(3)}, "class index from 0 to 0"),
    ({"activation": "swish"}, "Activations"),
])
def test_bad_input(kwargs, words):
    args = {"params": bp.random_params([2, 2, 1], 0), "x": np.array([1.0, 2.0]), "y": np.array([1.0]),
            "activation": "sigmoid", "loss": "mse", "lr": 0.1, **kwargs}
    with pytest.raises(ConfigError, match=words):
        bp.step(**args)
