"""onnxruntime sessions: CUDA when present and working, else CPU, and always say which.

onnxruntime falls back to the CPU silently when the CUDA provider fails to load, so the
provider reported is the one the session actually holds (``get_providers()[0]``), not the one
asked for. On CUDA, ``run`` uses IO binding so outputs are fetched once, not per op.
"""

from __future__ import annotations

import functools
import os
import time
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort

from core.errors import ConfigError, ModelError, ZooFileError

CUDA, CPU = "CUDAExecutionProvider", "CPUExecutionProvider"
MAX_THREADS = max(1, min(64, os.cpu_count() or 1))  # onnxruntime starts one worker per thread asked for
# onnxruntime input type -> (NumPy dtype it runs on, dtypes converted to it without loss)
_INPUT_TYPES = {
    "tensor(float)": (np.float32, (np.float16, np.float32, np.float64)),
    "tensor(int64)": (np.int64, (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32)),
}


def available_providers() -> list[str]:
    """Providers this onnxruntime build lists; onnxruntime-gpu lists CUDA even with no GPU."""
    return list(ort.get_available_providers())


@functools.lru_cache(maxsize=1)
def cuda_works() -> bool:
    """Whether the CUDA provider really loads: probed once with a one-node model.

    onnxruntime-gpu lists CUDAExecutionProvider on every machine, then fails to load it where
    there is no GPU or CUDA library; the probe keeps that failure out of every later session.
    """
    if CUDA not in available_providers():
        return False
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "probe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    ort.set_default_logger_severity(4)  # the failed load logs errors; the probe's answer says it
    try:
        so = ort.SessionOptions()
        so.log_severity_level = 4
        s = ort.InferenceSession(model.SerializeToString(), sess_options=so, providers=[CUDA, CPU])
        return s.get_providers()[0] == CUDA
    except Exception:  # noqa: BLE001 -- any failure means CUDA does not work
        return False
    finally:
        ort.set_default_logger_severity(3)


def _options(threads: int) -> ort.SessionOptions:
    so = ort.SessionOptions()
    # Workers of a wide session spin between the operators of a run (a wake-up per operator costs more
    # than small products do: the digits MLP at batch 1,024 took 200 us with sleeping workers, 175 us
    # spinning) and stop the moment the run returns ("force_spinning_stop"), so they never spin beside
    # PyTorch or another visitor's work (PyTorch measured the same right after as before). A one-thread
    # session has no workers; inter-op threads are not used (sequential execution).
    spin = "1" if threads > 1 else "0"
    so.add_session_config_entry("session.intra_op.allow_spinning", spin)
    so.add_session_config_entry("session.force_spinning_stop", "1")
    so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return so


# Threads: a call whose weight matrices see less than this many multiply-adds each, on average (batch x
# weights / matrices, x sequence length for token models), runs on one thread; a larger one on up to
# WIDE_THREADS. Waking a worker for each operator costs more than it saves on small work. Measured on
# the 2-core CPU, one thread against two: the moons MLP at batch 1,024 (4e5 a matrix) 80 us against 160;
# the toy Transformer at batch 64 (8e5) 625 us against 760, at 256 (3e6) even, at 1,024 (1.3e7) 9.4 ms
# against 7.0; the digits MLP at 1,024 (4.8e6) 230 us against 180. A server with several visitors gets
# its parallelism from them.
PARALLEL_WORK = 2e6
WIDE_THREADS = max(1, min(4, os.cpu_count() or 1))


def _weights(path: str) -> tuple[int, int]:
    """(elements, count) of the model's weight matrices: elements are its multiply-adds per sample
    (per token for a sequence model); with the count, the measure of work that picks the threads."""
    import onnx

    try:
        model = onnx.load(path, load_external_data=False)
    except Exception:  # noqa: BLE001 -- onnxruntime loaded it; an estimate is not worth failing over
        return 0, 1
    mats = [int(np.prod(t.dims)) for t in model.graph.initializer if len(t.dims) >= 2]
    return sum(mats), max(1, len(mats))


@dataclass
class Session:
    """An InferenceSession that names the provider it really uses.

    With ``threads`` None (the default) it holds a one-thread session and, made the first time a
    call has more than PARALLEL_WORK multiply-adds a weight matrix, a WIDE_THREADS one; each call goes to the one
    that suits it. Input names, types and shapes are read once, so a call whose arrays already have
    the right dtype and shape costs onnxruntime's own run and little more."""

    path: str
    inner: ort.InferenceSession
    requested: str  # provider asked for
    provider: str  # provider in use
    threads: int | None = None  # fixed by the caller, or None: chosen per call

    def __post_init__(self):
        self._inputs = {i.name: (i.type, tuple(i.shape)) for i in self.inner.get_inputs()}
        self._first = next(iter(self._inputs))
        self._outputs = [o.name for o in self.inner.get_outputs()]
        self._wide = None
        # A single input of a known type: what an array must be to go straight to onnxruntime.
        onnx_type, shape = self._inputs[self._first]
        self._direct = None
        if len(self._inputs) == 1 and onnx_type in _INPUT_TYPES:
            fixed = tuple((k, n) for k, n in enumerate(shape) if isinstance(n, int))
            self._direct = (_INPUT_TYPES[onnx_type][0], len(shape), fixed)
        self._options = ort.RunOptions()

    def _call(self, sess: ort.InferenceSession, feeds: dict) -> list:
        """onnxruntime's run. Its Python wrapper re-checks the input names and ownership (about
        2 us a call, a third of a small model's run here); they are checked above, so the call goes
        to the compiled binding underneath where this onnxruntime has one, else to the wrapper."""
        inner = getattr(sess, "_sess", None)
        if inner is not None and self.provider == CPU:
            return inner.run(self._outputs, feeds, self._options)
        return sess.run(self._outputs, feeds)

    @functools.cached_property
    def _matrices(self) -> tuple[int, int]:
        """_weights of this file, read the first time a call needs them (not when the session is
        made: a session that never sees a large call never reads its file twice)."""
        return _weights(self.path)

    @property
    def weights(self) -> int:
        """Elements of the model's weight matrices (see _weights)."""
        return self._matrices[0]

    @property
    def matrices(self) -> int:
        """How many weight matrices the model has."""
        return self._matrices[1]

    @property
    def fell_back(self) -> bool:
        return self.requested != self.provider

    @property
    def input_names(self) -> list[str]:
        return list(self._inputs)

    @property
    def output_names(self) -> list[str]:
        return list(self._outputs)

    def _for(self, feeds: dict) -> ort.InferenceSession:
        """The session a call of this size runs on (see the class docstring)."""
        if self.threads is not None or self.provider != CPU or WIDE_THREADS == 1:
            return self.inner
        a = feeds[self._first]
        rows = a.size if a.dtype == np.int64 else (a.shape[0] if a.ndim else 1)
        work = rows * self.weights / self.matrices
        if work < PARALLEL_WORK:
            return self.inner
        if self._wide is None:
            self._wide = ort.InferenceSession(self.path, sess_options=_options(WIDE_THREADS), providers=[CPU])
        return self._wide

    def _checked(self, inputs) -> dict:
        feeds = dict(inputs) if isinstance(inputs, dict) else {self._first: inputs}
        for name, arr in feeds.items():
            if name not in self._inputs:
                raise ZooFileError(f"This model has no input named {name!r}; its inputs are {list(self._inputs)}.")
            onnx_type, shape = self._inputs[name]
            feeds[name] = arr = _converted(name, arr, onnx_type)
            if len(shape) != arr.ndim or any(isinstance(s, int) and s != a for s, a in zip(shape, arr.shape)):
                raise ZooFileError(
                    f"Input {name!r} must have shape {list(shape)} (strings are free axes), got {arr.shape}."
                )
        return feeds

    def run(self, inputs) -> dict[str, np.ndarray]:
        """inputs: one array (for single-input models) or {name: array}. Returns {output name: array}.

        float64 (or float16) input to a float model becomes float32, and narrower whole numbers
        to a token model become int64; any other dtype is refused, naming the one expected."""
        d = self._direct
        if (
            d is not None
            and type(inputs) is np.ndarray
            and inputs.dtype.type is d[0]
            and inputs.ndim == d[1]
            and inputs.flags.c_contiguous
            and all(inputs.shape[k] == n for k, n in d[2])
        ):
            feeds = {self._first: inputs}  # already what the model takes
        else:
            feeds = self._checked(inputs)
        if self.provider == CUDA:
            binding = self.inner.io_binding()
            for name, arr in feeds.items():
                binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(arr, "cuda", 0))
            for name in self._outputs:
                binding.bind_output(name, "cuda", 0)
            self.inner.run_with_iobinding(binding)
            return dict(zip(self._outputs, binding.copy_outputs_to_cpu()))
        try:
            return dict(zip(self._outputs, self._call(self._for(feeds), feeds)))
        except Exception as e:  # noqa: BLE001 -- onnxruntime raises untyped errors (a token outside the vocabulary, ...)
            raise ModelError(
                f"onnxruntime could not run this input ({str(e)[:200]}). Check its values against the model's inputs."
            ) from None

    def timed_run(self, inputs, repeats: int = 5) -> tuple[dict[str, np.ndarray], float]:
        """Outputs and the median latency in seconds over ``repeats`` runs (after one warm-up)."""
        out = self.run(inputs)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            self.run(inputs)
            times.append(time.perf_counter() - t)
        return out, float(np.median(times))


def _converted(name: str, arr, onnx_type: str) -> np.ndarray:
    """``arr`` as the dtype the model's input takes, where that loses nothing; else ModelError."""
    want, safe = _INPUT_TYPES.get(onnx_type, (None, ()))
    if type(arr) is np.ndarray and arr.dtype.type is want and arr.flags.c_contiguous:
        return arr  # already what onnxruntime takes: nothing to check or copy
    a = np.asarray(arr) if isinstance(arr, (np.ndarray, list, tuple)) or np.isscalar(arr) else None
    if want is None or a is None or a.dtype.type not in safe:
        got = type(arr).__name__ if a is None else str(a.dtype)
        wanted = np.dtype(want).name if want else onnx_type
        raise ModelError(f"Input {name!r} must be {wanted} numbers, got {got}.")
    with np.errstate(over="ignore"):  # overflow is reported below, in words
        out = a.astype(want, copy=False)
    if want is np.float32 and not np.array_equal(np.isfinite(out), np.isfinite(a)):
        raise ModelError(f"Input {name!r} has values beyond float32's range (about 3.4e38).")
    return np.ascontiguousarray(out)


@functools.lru_cache(maxsize=64)
def _cached(path: str, mtime_ns: int, size: int, device: str, threads: int | None) -> Session:
    want_cuda = (device == "auto" and cuda_works()) or (device == "cuda" and CUDA in available_providers())
    providers = [CUDA, CPU] if want_cuda else [CPU]
    try:
        inner = ort.InferenceSession(path, sess_options=_options(threads or 1), providers=providers)
    except Exception as e:  # noqa: BLE001 -- onnxruntime raises untyped errors for bad files
        raise ZooFileError(
            f"{path} could not be loaded as an ONNX model ({type(e).__name__}: {str(e)[:200]}). "
            "Rebuild it with `python -m core build`, or download it again."
        ) from None
    return Session(path, inner, providers[0], inner.get_providers()[0], threads)


def session(path, device: str = "auto", threads: int | None = None) -> Session:
    """A cached session for ``path``; a file changed on disk gets a fresh one.

    device: "auto" (CUDA when onnxruntime has it), "cuda" (the same, but the fallback shows in
    ``Session.fell_back``) or "cpu".
    """
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise ZooFileError(
            f"session() takes the path of an .onnx file (str or pathlib.Path), got {type(path).__name__}."
        )
    if threads is not None and (type(threads) is not int or not 1 <= threads <= MAX_THREADS):
        raise ConfigError(
            f"threads must be a whole number from 1 to {MAX_THREADS} (None: the default), got {threads!r}."
        )
    path = os.path.abspath(os.fspath(path))
    if isinstance(path, bytes):
        raise ZooFileError("session() takes the path of an .onnx file as text, not bytes.")
    if device not in ("auto", "cpu", "cuda"):
        raise ZooFileError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}.")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ZooFileError(f"{path} does not exist. Build the zoo with `python -m core build`.") from None
    except (OSError, ValueError) as e:
        raise ZooFileError(f"{path!r:.80} cannot be opened ({e}).") from None
    return _cached(path, st.st_mtime_ns, st.st_size, device, threads)


def info() -> dict:
    """Devices, providers and versions, for `python -m core info` and the home page."""
    import onnx
    import torch

    cuda = torch.cuda.is_available()
    return {
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "torch_device": torch.cuda.get_device_name(0) if cuda else "CPU",
        "torch_cuda": cuda,
        "ort_providers": available_providers(),
        "ort_cuda_works": cuda_works(),
        "ort_provider_in_use": CUDA if cuda_works() else CPU,
        "ort_device": ort.get_device(),
        "cpu_count": os.cpu_count(),
    }
