"""core.runtime: arguments checked before onnxruntime sees them; inputs converted only where that loses nothing."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from core import runtime, zoo
from core.errors import ConfigError, CoreError, ModelError, ZooFileError


def _path(name):
    return zoo.EXPORTED / zoo.entry(name)["file"]


@pytest.mark.parametrize("bad", [3, None, 2.5, b"exported/x.onnx", ["a.onnx"], object()])
def test_session_refuses_what_is_not_a_path(bad):
    with pytest.raises(ZooFileError, match="path of an .onnx file"):
        runtime.session(bad)


@pytest.mark.parametrize("threads", [300, 0, -1, True, 2.0, "2", runtime.MAX_THREADS + 1])
def test_session_refuses_threads_outside_the_allowed_range(threads):
    with pytest.raises(ConfigError, match=f"from 1 to {runtime.MAX_THREADS}"):
        runtime.session(_path("iris_mlp"), device="cpu", threads=threads)


def test_session_takes_one_thread():
    assert runtime.session(_path("iris_mlp"), device="cpu", threads=1).run(np.zeros((2, 4), np.float32))


def test_float64_and_int32_are_converted_the_rest_refused_naming_the_dtype():
    mlp = runtime.session(_path("iris_mlp"), device="cpu")
    x = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_array_equal(mlp.run(x)["output"], mlp.run(x.astype(np.float32))["output"])
    for bad in (x.astype(np.int64), x.astype(str), x > 0, x.astype(complex)):
        with pytest.raises(ModelError, match="must be float32"):
            mlp.run(bad)
    with pytest.raises(ModelError, match="float32's range"):
        mlp.run(np.full((1, 4), 1e300))
    seq = runtime.session(_path("reverse_transformer"), device="cpu")
    t = np.array([[3, 1, 4, 1, 5, 9, 2, 6]])
    np.testing.assert_array_equal(seq.run(t.astype(np.int32))["logits"], seq.run(t.astype(np.int64))["logits"])
    for bad in (t.astype(np.float32), t.astype(str), t.astype(np.uint64)):
        with pytest.raises(ModelError, match="must be int64"):
            seq.run(bad)
    with pytest.raises(ModelError, match="could not run"):  # a token outside the vocabulary
        seq.run(np.array([[3, 1, 400, 1]]))


_DTYPES = st.sampled_from(
    [
        np.float16,
        np.float32,
        np.float64,
        np.int8,
        np.int32,
        np.int64,
        np.uint64,
        np.bool_,
        np.complex64,
        np.str_,
        np.object_,
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dtype=_DTYPES, shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=9), token_model=st.booleans())
def test_any_input_gives_outputs_or_a_core_error(dtype, shape, token_model):
    sess = runtime.session(_path("shift_transformer" if token_model else "moons_mlp"), device="cpu")
    x = np.ones(shape).astype(dtype) if dtype is not np.object_ else np.full(shape, "x", dtype=object)
    try:
        out = sess.run(x)
    except CoreError:
        return
    assert all(np.isfinite(v).all() for v in out.values())


def test_small_calls_run_on_one_thread_large_ones_on_a_wide_session_with_the_same_outputs():
    """Routing by work (batch x weight elements): the big MLP at batch 1 stays on the one-thread
    session; at batch 64 (4.7e6 multiply-adds a weight matrix) it goes to a second, wider session, made then; both
    give what a plain onnxruntime session with default options gives."""
    import onnxruntime as ort

    path = _path("bigmodel_mlp")
    runtime._cached.cache_clear()
    sess = runtime.session(path, device="cpu")
    assert "_matrices" not in vars(sess)  # the file is read again only when a call needs the sizes
    assert (
        sess.weights == 1000 * 200 + 200 * 100 + 100 * 1 and sess.inner.get_session_options().intra_op_num_threads == 1
    )
    plain = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).normal(size=(64, 1000)).astype(np.float32)
    assert sess._for({"input": x[:1]}) is sess.inner
    np.testing.assert_allclose(sess.run(x[:1])["output"], plain.run(None, {"input": x[:1]})[0], rtol=1e-5, atol=1e-6)
    assert sess._wide is None
    out = sess.run(x)["output"]
    if runtime.WIDE_THREADS > 1:
        assert sess._wide is not None and sess._for({"input": x}) is sess._wide
        opts = sess._wide.get_session_options()
        assert opts.intra_op_num_threads == runtime.WIDE_THREADS
        # its workers spin during a run only: they stop when it returns, never spinning beside PyTorch
        assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "1"
        assert opts.get_session_config_entry("session.force_spinning_stop") == "1"
    np.testing.assert_allclose(out, plain.run(None, {"input": x})[0], rtol=1e-5, atol=1e-6)
    fixed = runtime.session(path, device="cpu", threads=1)
    assert fixed._for({"input": x}) is fixed.inner  # threads asked for are kept


def test_token_models_count_work_per_token():
    sess = runtime.session(_path("sort_transformer"), device="cpu")
    n = int(runtime.PARALLEL_WORK * sess.matrices // sess.weights) + 1  # tokens that cross the line
    assert sess._for({"tokens": np.zeros((1, n), np.int64)}) is not sess.inner or runtime.WIDE_THREADS == 1
    assert sess._for({"tokens": np.zeros((1, n // 2), np.int64)}) is sess.inner


def test_the_direct_path_and_the_checked_path_give_the_same_outputs():
    """A float32, C-ordered array of the right shape goes straight to onnxruntime; a transposed
    (Fortran-ordered) copy, a float64 one or a list go through the checks: all the same numbers,
    and a wrong width is still refused."""
    sess = runtime.session(_path("digits_mlp"), device="cpu")
    x = np.random.default_rng(1).normal(size=(7, 64)).astype(np.float32)
    direct = sess.run(x)["output"]
    for other in (np.asfortranarray(x), x.astype(np.float64), x.tolist()):
        np.testing.assert_array_equal(sess.run(other)["output"], direct)
    with pytest.raises(ZooFileError, match="must have shape"):
        sess.run(x[:, :63].copy())
