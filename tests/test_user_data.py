"""The user's CSV: delimiters, dropped rows, extreme values, and only the project's errors escape."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from core import user_data
from core.errors import CoreError, DatasetError


def _rows(sep: str, n: int = 40) -> bytes:
    rng = np.random.default_rng(1)
    lines = [sep.join(["a", "b", "label"])]
    lines += [sep.join([f"{x:.3f}", f"{y:.3f}", "yes" if x * y > 0 else "no"]) for x, y in rng.normal(size=(n, 2))]
    return "\n".join(lines).encode()


@pytest.mark.parametrize("sep, name", [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_the_delimiter_is_sniffed_and_named(sep, name):
    df = user_data.read_csv(_rows(sep))
    assert list(df.columns) == ["a", "b", "label"] and user_data.numeric_columns(df) == ["a", "b"]
    assert df.attrs["delimiter"] == sep and user_data.DELIMITER_NAMES[sep] == name
    ds = user_data.to_dataset(df, ["a", "b"], "label", "classification")
    assert ds.class_names == ("no", "yes") and len(ds.X_train) + len(ds.X_val) == 40


def test_semicolons_with_decimal_commas_read_as_numbers():
    raw = "x;y;label\n" + "\n".join(f"{i},5;{i * 2},25;{'a' if i % 2 else 'b'}" for i in range(30))
    df = user_data.read_csv(raw.encode())
    assert user_data.numeric_columns(df) == ["x", "y"] and df["x"].iloc[1] == 1.5


def test_dropped_rows_are_counted():
    df = user_data.read_csv(_rows(","))
    df.loc[[0, 3], "a"] = np.nan
    df.loc[5, "b"] = np.inf
    kept, dropped = user_data.usable_rows(df, ["a", "b", "label"])
    assert dropped == 3 and len(kept) == 37
    assert user_data.to_dataset(df, ["a", "b"], "label", "classification").options["rows_dropped"] == 3


@pytest.mark.parametrize("value", [1e308, -1e308, 1e39])
def test_values_too_large_for_float32_are_refused_by_column(value):
    df = user_data.read_csv(_rows(","))
    df.loc[4, "b"] = value
    with pytest.raises(DatasetError, match="'b'"):
        user_data.to_dataset(df, ["a", "b"], "label", "classification")


def test_more_classes_than_validation_rows_is_a_dataset_error():
    raw = "x,y,label\n" + "\n".join(f"{i},{i % 7},{i % 10}" for i in range(20))
    df = user_data.read_csv(raw.encode())
    with pytest.raises(DatasetError, match="validation"):
        user_data.to_dataset(df, ["x", "y"], "label", "classification")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hs.binary(max_size=400))
def test_arbitrary_bytes_raise_only_dataset_errors(raw):
    try:
        df = user_data.read_csv(raw)
    except DatasetError:
        return
    cols = list(df.columns)
    for task in ("classification", "regression"):
        try:
            user_data.to_dataset(df, cols[:-1], cols[-1], task)
        except DatasetError:
            pass


_cells = hs.one_of(
    hs.floats(allow_nan=True, allow_infinity=True), hs.integers(-(10**30), 10**30), hs.text(max_size=3), hs.none()
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=hs.integers(0, 45),
    data=hs.data(),
    task=hs.sampled_from(["classification", "regression", "other"]),
    seed=hs.one_of(hs.integers(-5, 2**32), hs.floats(allow_nan=True)),
)
def test_arbitrary_values_raise_only_dataset_errors(n, data, task, seed):
    cols = {c: data.draw(hs.lists(hs.one_of(_cells, hs.floats(-1e6, 1e6)), min_size=n, max_size=n)) for c in "abc"}
    df = pd.DataFrame(cols)
    # numeric columns as read_csv would make them
    for c in "ab":
        df[c] = pd.to_numeric(df[c], errors="coerce") if data.draw(hs.booleans()) else df[c]
    features = data.draw(hs.lists(hs.sampled_from(list("abcz")), max_size=3))
    try:
        user_data.to_dataset(df, features, data.draw(hs.sampled_from(list("abcz"))), task, seed)
    except CoreError as e:
        assert isinstance(e, DatasetError), e
