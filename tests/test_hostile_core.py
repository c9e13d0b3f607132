"""Hostile input to core's entry points (issue 12, item 8): whatever a widget, a URL or a notebook
passes, only the project's own error type escapes, with a message, and nothing half-written is left."""

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import data, export, landscape, models, train
from core.errors import ConfigError, CoreError, FileWriteError, ModelError

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.lists(st.integers(), max_size=3),
    st.sampled_from(["0.5", "1e12", "nan", "①", "²", "１２", "<b>x</b>", "../../etc/passwd"]),
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def tiny():
    return data.load("moons", n_samples=40)


def _model(ds):
    torch.manual_seed(0)
    return models.build("mlp", in_features=ds.n_features, widths=(4,), out_features=ds.n_classes)


@pytest.mark.parametrize(
    "field",
    [
        "lr",
        "epochs",
        "batch_size",
        "momentum",
        "weight_decay",
        "l1",
        "l2",
        "patience",
        "input_noise",
        "seed",
        "optimizer",
        "loss",
        "device",
        "record_trajectory",
    ],
)
def test_fit_refuses_junk_in_every_setting_with_its_own_error(tiny, field):
    @FAST
    @given(value=JUNK)
    def run(value):
        config = {"epochs": 1, field: value}
        if field == "epochs" and isinstance(value, (int, float)) and not isinstance(value, bool) and value > 3:
            return  # a valid long run is not junk
        try:
            train.fit(_model(tiny), tiny, **config)
        except CoreError as e:
            assert str(e)

    run()


def test_named_examples_of_issue_12(tiny):
    for bad in ({"l1": None}, {"momentum": "0.5"}, {"seed": -1}, {"seed": 2**40}, {"seed": "7"}, {"lr": float("nan")}):
        with pytest.raises(ConfigError):
            train.fit(_model(tiny), tiny, epochs=1, **bad)
    wrong = models.build("mlp", in_features=3, widths=(4,), out_features=2)
    with pytest.raises(ConfigError, match="does not fit"):
        train.fit(wrong, tiny, epochs=1)
    with pytest.raises(ConfigError, match="does not fit"):
        train.fit(models.build("mlp", in_features=2, widths=(4,), out_features=1), tiny, epochs=1)


def test_a_refused_model_is_untouched_and_seeds_still_reproduce(tiny):
    """The fit check runs in eval mode: it draws no random numbers and moves no batch-norm statistic."""
    a, b = _model(tiny), _model(tiny)
    ha, hb = train.fit(a, tiny, epochs=3), train.fit(b, tiny, epochs=3)
    assert ha.train_loss == hb.train_loss


@FAST
@given(span=JUNK, resolution=JUNK, seed=JUNK, method=JUNK)
def test_surface_refuses_junk(tiny, span, resolution, seed, method):
    m = _model(tiny)
    for kw in ({"span": span}, {"resolution": resolution}, {"seed": seed}, {"method": method}):
        kw = {"method": "filter", "resolution": 3, "span": 0.5, "seed": 0, **kw}
        try:
            s = landscape.surface(m, tiny, **kw)
            assert s.loss.shape == (kw["resolution"], kw["resolution"])
        except CoreError as e:
            assert str(e)


def test_surface_named_examples(tiny):
    m = _model(tiny)
    with pytest.raises(ConfigError):
        landscape.surface(m, tiny, span="1", resolution=3)
    with pytest.raises(ConfigError):
        landscape.surface(m, tiny, seed=None, resolution=3)
    with pytest.raises(ConfigError, match="does not fit"):
        landscape.surface(models.build("mlp", in_features=5, widths=(4,)), tiny, resolution=3)
    n = sum(p.numel() for p in m.parameters())
    with pytest.raises(ConfigError, match="training path"):
        landscape.surface(m, tiny, "pca", resolution=3, trajectory=np.zeros((5, n + 1)))
    bad = np.zeros((5, n))
    bad[2, 3] = math.nan
    with pytest.raises(ConfigError, match="not finite"):
        landscape.surface(m, tiny, "pca", resolution=3, trajectory=bad)


@FAST
@given(widths=JUNK, in_features=JUNK, dropout=JUNK)
def test_build_refuses_junk(widths, in_features, dropout):
    for kw in ({"widths": widths}, {"in_features": in_features}, {"dropout": dropout}):
        try:
            m = models.build("mlp", **kw)
            assert isinstance(m, torch.nn.Module)
        except ModelError as e:
            assert str(e)
    try:
        models.build("transformer", dropout=dropout)
    except ModelError:
        pass


@FAST
@given(opset=JUNK)
def test_export_refuses_junk_opsets_and_metadata(opset):
    m = models.build("mlp", widths=(2,))
    try:
        export.to_onnx_bytes(m, opset=opset)
    except ModelError as e:
        assert "opset" in str(e)


def test_export_named_examples(tmp_path):
    m = models.build("mlp", widths=(2,))
    with pytest.raises(ModelError):
        export.to_onnx_bytes(torch.nn.Linear(2, 2))
    with pytest.raises(ModelError):
        export.to_onnx_bytes(m, metadata={"x": {1, 2}})
    with pytest.raises(FileWriteError):
        export.to_onnx(m, tmp_path)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(FileWriteError):
        export.to_onnx(m, tmp_path / "a_file" / "m.onnx")  # a file where a folder should be (root-proof)
    assert not list(tmp_path.glob(".*.tmp"))
    path = export.to_onnx(m, tmp_path / "ok.onnx")
    assert path.stat().st_mode & 0o044 == 0o044  # readable by a server running as another user
