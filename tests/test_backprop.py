import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
        assert r.loss == pytest.approx(L, abs=1e-10)
        assert bp.max_difference(r.grads, auto) < 1e-6
        for (W, b), (W2, b2), (dW, db) in zip(params, r.params, r.grads):
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
        assert bp.max_difference(r.grads, auto) < 1e-6
        assert bp.max_difference(r.grads, bp.numeric_grads(params, x, y, "tanh", "mse", out_act)) < 1e-4


def test_delta_is_dL_da_times_f_prime():
    params = bp.random_params([2, 3, 1], 0)
    r = bp.step(params, np.array([0.5, -1.0]), np.array([1.0]), "sigmoid", "mse", 0.1)
    s = 1 / (1 + np.exp(-r.zs[0]))
    np.testing.assert_allclose(r.deltas[0], r.dL_da[0] * s * (1 - s))
    np.testing.assert_allclose(r.dL_da[0], params[1][0].T @ r.deltas[1])


def test_articles_linear_regression_by_hand():
    """y_hat = w x + b with w=0.5, b=0 at x=2, y=2: L = (1-2)^2 = 1, dL/dw = 2(1-2)*2 = -4, dL/db = -2."""
    r = bp.step([(np.array([[0.5]]), np.array([0.0]))], np.array([2.0]), np.array([2.0]), "linear", "mse", 0.1)
    assert r.loss == 1.0
    assert r.grads[0][0][0, 0] == -4.0 and r.grads[0][1][0] == -2.0
    assert r.params[0][0][0, 0] == pytest.approx(0.9)


def test_many_steps_lower_the_loss_and_deep_sigmoid_vanishes():
    params = bp.random_params([2, 4, 1], 0)
    r = bp.run_steps(params, np.array([1.0, 0.0]), np.array([1.0]), "tanh", "mse", 0.1, 50)
    assert r.loss[-1] < 0.1 * r.loss[0] and r.params.shape == (50, 2 * 4 + 4 + 4 + 1)
    assert not r.diverged and r.done == r.requested == 50 and r.grad_norms.shape == (50, 2)
    sig = bp.layer_gradient_norms(8, 4, "sigmoid")
    assert sig[0] < 0.01 * sig[-1]  # the first layer's gradient is orders of magnitude smaller


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"y": np.array([1.0, 2.0])}, "target must have 1"),
        ({"x": np.array([np.nan, 1.0])}, "not a finite"),
        ({"loss": "cross_entropy", "y": np.array(3)}, "class index from 0 to 0"),
        ({"activation": "swish"}, "hidden activation"),
    ],
)
def test_bad_input(kwargs, words):
    args = {
        "params": bp.random_params([2, 2, 1], 0),
        "x": np.array([1.0, 2.0]),
        "y": np.array([1.0]),
        "activation": "sigmoid",
        "loss": "mse",
        "lr": 0.1,
        **kwargs,
    }
    with pytest.raises(ConfigError, match=words):
        bp.step(**args)


def test_step_and_run_are_frozen_records():
    params = bp.random_params([2, 3, 1], 0)
    r = bp.step(params, np.array([0.5, -1.0]), np.array([1.0]), "tanh", "mse", 0.1)
    assert isinstance(r, bp.Step) and r.output is r.activations[-1] and r.lr == 0.1
    assert len(r.zs) == len(r.deltas) == len(r.grads) == len(r.params) == 2 and len(r.activations) == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.loss = 0.0
    run = bp.run_steps(params, np.array([0.5, -1.0]), np.array([1.0]), "tanh", "mse", 0.1, 3)
    assert isinstance(run, bp.Run)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.diverged_at = 1
    np.testing.assert_allclose(
        run.params[0], np.concatenate([np.concatenate([W.ravel(), b.ravel()]) for W, b in r.params])
    )


def test_divergence_is_a_result_with_the_steps_before_it():
    """Issue 12: a learning rate far too large made the weights overflow and the next step raise ConfigError."""
    params = [(np.array([[0.5]]), np.array([0.0]))]
    run = bp.run_steps(params, np.array([2.0]), np.array([2.0]), "linear", "mse", 100.0, 2000)
    assert run.diverged and 1 < run.diverged_at <= 2000 and run.requested == 2000
    assert run.done == run.diverged_at - 1 == len(run.params) == len(run.grad_norms)
    assert np.isfinite(run.loss).all() and np.isfinite(run.params).all() and np.isfinite(run.grad_norms).all()
    np.testing.assert_array_equal(run.final[0][0].ravel(), run.params[-1][:1])
    with pytest.raises(ConfigError, match="overflow"):  # one step from weights that large overflows: reported, not NaN
        bp.step([(np.array([[1e200]]), np.array([0.0]))], np.array([1e200]), np.array([2.0]), "linear", "mse", 0.1)


@pytest.mark.parametrize("steps", [0, 5001, 2.5, "10", None, True])
def test_run_steps_refuses_bad_step_counts(steps):
    with pytest.raises(ConfigError, match="Steps"):
        bp.run_steps(bp.random_params([1, 1], 0), np.array([1.0]), np.array([1.0]), "linear", "mse", 0.1, steps)


GOOD = {
    "params": bp.random_params([2, 2, 1], 0),
    "x": np.array([1.0, 2.0]),
    "y": np.array([1.0]),
    "activation": "sigmoid",
    "loss": "mse",
    "lr": 0.1,
}


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"x": "1, 2"}, "input x must hold numbers, got text"),
        ({"x": ["1", "2"]}, "input x must hold numbers, got text"),
        ({"x": 1.0}, "input x must be a vector"),
        ({"x": [[1.0, 2.0]]}, "input x must be a vector"),
        ({"x": [1.0, [2.0, 3.0]]}, "ragged"),
        ({"x": [1.0]}, r"W must be \(outputs x 1\)"),
        ({"x": [np.nan, 1.0]}, "not a finite number"),
        ({"x": None}, "must hold numbers"),
        ({"y": 1.0}, "target must have 1 values"),
        ({"y": "one"}, "target y must hold numbers"),
        ({"y": [float("inf")]}, "not a finite"),
        ({"lr": None}, "learning rate"),
        ({"lr": "0.1"}, "learning rate"),
        ({"lr": float("nan")}, "learning rate"),
        ({"lr": -0.1}, "learning rate"),
        ({"lr": 10**400}, "learning rate"),
        ({"params": []}, "non-empty list"),
        ({"params": "W"}, "non-empty list"),
        ({"params": [(np.ones((2, 2)),)]}, r"pair \(W, b\)"),
        ({"params": [([[1.0, 2.0], [3.0]], [0.0, 0.0])]}, "ragged"),
        ({"params": [(np.ones(2), np.ones(2))]}, "must be a matrix"),
        ({"params": [(np.ones((2, 2)), np.ones(3))]}, r"b \(outputs,\)"),
        ({"params": [(np.ones((0, 2)), np.ones(0))]}, "empty"),
        ({"params": [(np.ones((1, 2)), [None])]}, "biases b must be a rectangular array of plain numbers"),
        ({"params": [(np.ones((1, 2)) > 0, np.ones(1))]}, "true/false"),
        ({"output_activation": "softmax"}, "output activation"),
        ({"activation": ["sigmoid"]}, "hidden activation"),
        ({"loss": "hinge"}, "loss must be one of"),
        ({"loss": "cross_entropy", "y": 0.5}, "class index"),
        ({"loss": "cross_entropy", "y": [0, 0]}, "class index"),
        ({"loss": "cross_entropy", "y": -1}, "class index"),
    ],
)
def test_bad_input_raises_only_config_error_saying_what_is_wrong(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        bp.step(**{**GOOD, **kwargs})
    with pytest.raises(ConfigError, match=words):
        bp.run_steps(**{**GOOD, **kwargs}, steps=3)


_atoms = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=4), st.complex_numbers())
_junk = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(st.text(max_size=2), inner, max_size=2)
    ),
    max_leaves=12,
)
_vec = st.lists(st.floats(width=64), min_size=0, max_size=4)
_arrays = st.one_of(
    _junk,
    _vec,
    st.lists(_vec, max_size=4),
    st.integers(0, 4).flatmap(
        lambda n: st.lists(st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n), min_size=1, max_size=4)
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.one_of(_junk, st.lists(st.one_of(_junk, st.tuples(_arrays, _arrays)), max_size=3)),
    x=_arrays,
    y=_arrays,
    activation=st.one_of(_atoms, st.sampled_from(bp.ACTIVATIONS)),
    loss=st.one_of(_atoms, st.sampled_from(bp.LOSSES)),
    lr=st.one_of(_atoms, st.floats(0, 1e3)),
    output_activation=st.one_of(_atoms, st.sampled_from(bp.ACTIVATIONS)),
)
def test_junk_input_raises_config_error_or_gives_finite_numbers(params, x, y, activation, loss, lr, output_activation):
    try:
        r = bp.step(params, x, y, activation, loss, lr, output_activation)
    except ConfigError as e:
        assert str(e).endswith(".") and len(str(e)) > 20
        return
    assert np.isfinite(r.loss) and all(np.isfinite(t).all() for pair in r.grads + r.params for t in pair)


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    seed=st.integers(0, 1000),
    scale=st.floats(0.1, 1e3),
    lr=st.floats(0, 1e4),
    activation=st.sampled_from(bp.ACTIVATIONS),
)
def test_run_steps_never_raises_on_valid_input(sizes, seed, scale, lr, activation):
    params = bp.random_params(sizes, seed, scale)
    x = np.random.default_rng(seed).normal(size=sizes[0]) * scale
    run = bp.run_steps(params, x, np.ones(sizes[-1]), activation, "mse", lr, 40)
    assert run.done == (40 if run.diverged_at is None else run.diverged_at - 1)
    assert np.isfinite(run.loss).all() and np.isfinite(run.params).all()


def test_cross_entropy_is_finite_for_logits_far_apart():
    """log-softmax, as nn.CrossEntropyLoss: -log(softmax) underflowed to -log(0) = inf for logits 1000 apart."""
    params = bp.random_params([2, 3, 3], 0, scale=1e3)
    x, y = np.array([1.0, -1.0]), np.array(2)
    r = bp.step(params, x, y, "linear", "cross_entropy", 0.1)
    L, auto = bp.autograd_grads(params, x, y, "linear", "cross_entropy")
    assert np.isfinite(r.loss) and r.loss == pytest.approx(L, rel=1e-12) and bp.max_difference(r.grads, auto) < 1e-9
