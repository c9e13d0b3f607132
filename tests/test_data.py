import numpy as np
import pytest

from core import data
from core.errors import DatasetError


@pytest.mark.parametrize("name", data.NAMES)
def test_every_dataset_loads_split_and_deterministic(name):
    a, b = data.load(name, seed=3), data.load(name, seed=3)
    assert len(a.X_train) > len(a.X_val) > 0
    assert len(a.X_train) == len(a.y_train) and len(a.X_val) == len(a.y_val)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    c = data.load(name, seed=4)
    assert (
        not np.array_equal(a.X_train, c.X_train)
        or name in ("iris", "digits")
        and not np.array_equal(a.y_train, c.y_train)
    )
    if a.task == "sequence":
        assert a.X_train.dtype == np.int64 and a.X_train.max() < data.VOCAB
    elif name == "bigmodel":  # raw N(0, 1) inputs, kept unstandardized so the rule w stays exact
        assert a.X_train.dtype == np.float32 and a.n_features == 1000 and a.task == "regression"
    else:
        assert a.X_train.dtype == np.float32
        moving = a.X_train.std(0) > 1e-6
        np.testing.assert_allclose(a.X_train.mean(0), 0, atol=1e-5)
        np.testing.assert_allclose(a.X_train.std(0)[moving], 1, atol=1e-4)
    if a.task == "classification":
        assert set(np.unique(a.y_train)) == set(range(a.n_classes))


def test_sequence_targets_are_right():
    r = data.load("reverse", n_samples=50)
    np.testing.assert_array_equal(r.y_train, r.X_train[:, ::-1])
    s = data.load("sort", n_samples=50)
    np.testing.assert_array_equal(s.y_train, np.sort(s.X_train, 1))
    h = data.load("shift", n_samples=50, offset=3, length=6)
    for i in range(6):
        np.testing.assert_array_equal(h.y_train[:, i], h.X_train[:, (i + 3) % 6])


def test_expected_attention_reads_the_source_position():
    h = data.load("shift", n_samples=50, offset=2)
    pattern = data.expected_attention("shift", 8, 2)
    # the expected attention, applied to the one-hot inputs, reproduces the targets exactly
    onehot = np.eye(10)[h.X_val]  # (N, T, V)
    np.testing.assert_array_equal((pattern @ onehot).argmax(-1), h.y_val)
    r = data.load("reverse", n_samples=50)
    np.testing.assert_array_equal((data.expected_attention("reverse", 8) @ np.eye(10)[r.X_val]).argmax(-1), r.y_val)
    assert data.expected_attention("sort", 8) is None


def test_linear_is_the_articles_line():
    d = data.load("linear", noise=0.0, standardize=False)
    np.testing.assert_allclose(d.y_train, d.X_train, atol=1e-5)  # y = x exactly
    d2 = data.load("linear", noise=0.0, standardize=False, slope=2.0, intercept=1.0)
    np.testing.assert_allclose(d2.y_train, 2 * d2.X_train + 1, atol=1e-4)


def test_shipped_sets_have_their_published_sizes():
    iris, digits = data.load("iris"), data.load("digits")
    assert len(iris.X_train) + len(iris.X_val) == 150 and iris.n_features == 4 and iris.n_classes == 3
    assert len(digits.X_train) + len(digits.X_val) == 1797 and digits.n_features == 64 and digits.n_classes == 10


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: data.load("mnist"), "Unknown dataset"),
        (lambda: data.load("moons", n_samples=5), "n_samples"),
        (lambda: data.load("moons", noise=-1), "noise"),
        (lambda: data.load("moons", colour="red"), "Unknown dataset option"),
        (lambda: data.load("moons", seed=-1), "seed"),
        (lambda: data.from_arrays(np.ones((30, 2)), np.zeros(29)), "one row per label"),
        (lambda: data.from_arrays(np.full((30, 2), np.nan), np.arange(30) % 2), "finite"),
        (lambda: data.from_arrays(np.ones((30, 2)), np.zeros(30)), "2 to 50"),
    ],
)
def test_bad_input_raises_clear_errors(call, words):
    with pytest.raises(DatasetError, match=words):
        call()


def test_from_arrays_maps_text_labels():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.array(["cat", "dog"] * 20)
    d = data.from_arrays(X, y)
    assert d.class_names == ("cat", "dog") and d.n_features == 3 and len(d.X_val) == 10


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: data.load("moons", n_samples=20, val_fraction=0.05), "validation"),
        (lambda: data.from_arrays(np.arange(40.0)[:, None], np.arange(40) % 20), "validation"),
        (lambda: data.from_arrays(np.ones((30, 2)), np.arange(30) % 2, seed=-1), "seed"),
        (lambda: data.from_arrays(np.ones((30, 2)), np.arange(30) % 2, seed=2.5), "seed"),
        (lambda: data.from_arrays(np.ones((30, 2)), np.ones((30, 2))), "one label per row"),
        (lambda: data.from_arrays(np.ones((30, 0)), np.arange(30) % 2), "at least one feature"),
        (lambda: data.from_arrays(np.ones((30, 2)), np.ones((30, 2)), task="regression"), "one target column"),
        (lambda: data.from_arrays(np.ones((30, 2)), 1.0), "one row per label"),
        (
            lambda: data.from_arrays(
                np.full((30, 2), 1e308) * [1, -1] * (np.arange(30) % 2 * 2 - 1)[:, None], np.arange(30) % 2
            ),
            "'x1'",
        ),
        (
            lambda: data.from_arrays(
                np.random.default_rng(0).normal(size=(30, 2)), np.full(30, 1e30), task="regression"
            ),
            "target",
        ),
    ],
)
def test_bad_user_arrays_raise_only_dataset_errors(call, words):
    with pytest.raises(DatasetError, match=words):
        call()


def test_a_one_column_regression_target_is_accepted():
    X = np.random.default_rng(0).normal(size=(40, 2))
    d = data.from_arrays(X, X[:, :1] * 2, task="regression")
    assert d.y_train.shape == (30, 1) and d.n_classes == 1


def test_bigmodel_has_one_home_and_rebuilds_from_its_own_spec():
    """data.load("bigmodel") is core.bigmodel_data's set; the options it reports rebuild it exactly."""
    from core import bigmodel_data

    a = data.load("bigmodel", seed=5, n_samples=200, noise=0.3)
    b = bigmodel_data.load(200, noise=0.3, seed=5)
    np.testing.assert_array_equal(a.X_val, b.X_val)
    assert a.options == {"n_samples": 200, "noise": 0.3, "val_fraction": 0.25} and a.seed == 5
    c = data.load(a.name, seed=a.seed, **a.options)
    np.testing.assert_array_equal(a.X_train, c.X_train)
    np.testing.assert_array_equal(a.y_train, c.y_train)
    for bad in ({"n_samples": 5}, {"noise": -1}, {"slope": 2}, {"standardize": True}):
        with pytest.raises(DatasetError):
            data.load("bigmodel", **bad)
    with pytest.raises(DatasetError):
        data.load("bigmodel", seed=-1)
