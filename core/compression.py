"""The compression lab: one zoo model as PyTorch eager, fp32 ONNX, int8 (dynamic and static) and fp16.

int8 dynamic quantization stores weights as int8 and quantizes activations on the fly; static
quantization also fixes the activations' scales beforehand from calibration data (Jacob et al.
2018, "Quantization and Training of Neural Networks for Efficient Integer-Arithmetic-Only
Inference"; onnxruntime's QDQ format). Every variant is measured the same way: file size,
latency at batch 1 and at a large batch, energy per 1,000 inferences (core.energy), and the
model's headline metric on its validation split. ``verdicts`` says plainly where compression
does not pay: a tiny model's int8 file can be larger than its fp32 one, and int8 can be slower.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch

from core import runtime, zoo
from core.energy import Meter
from core.errors import CoreError, ZooFileError
from core.export import torch_outputs

INT8_MAX_RATIO = 0.35  # int8 file / fp32 file, for models of 100 KB and more
CALIBRATION_SAMPLES = 256


@dataclass(frozen=True)
class Variant:
    name: str  # "PyTorch eager", "fp32 ONNX", "int8 dynamic", "int8 static", "fp16", "distilled student"
    bytes: int  # file size (PyTorch: the state_dict checkpoint)
    latency_1_ms: float  # one sample
    latency_batch_ms: float  # one call on ``batch`` samples
    batch: int
    joules_per_1000: float  # energy per 1,000 inferences at the large batch
    metric: float  # the zoo's headline metric on the validation split (accuracy, or R^2)
    metric_name: str
    energy_source: str  # "NVML (Zeus)", "RAPL (Zeus)" or "estimate"
    note: str = ""  # how it was made, or why it is not worth it


def static_int8(src: Path, dst: Path, calibration: np.ndarray) -> Path:
    """int8 static quantization (QDQ) with activation ranges calibrated on ``calibration`` samples."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    name = onnx.load(src).graph.input[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{name: calibration[i : i + 32]} for i in range(0, len(calibration), 32)])

        def get_next(self):
            return next(self.batches, None)

    pre = dst.with_suffix(".pre.onnx")
    quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
    quantize_static(
        str(pre),
        str(dst),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
    )
    return dst


def fp16(src: Path, dst: Path) -> Path:
    """fp16 weights and arithmetic, with fp32 inputs and outputs (casts at the edges)."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    onnx.save(convert_float_to_float16(onnx.load(src), keep_io_types=True), dst)
    return dst


def _measure(meter: Meter, run, X: np.ndarray, batch: int, min_seconds: float):
    one = meter.measure(lambda: run(X[:1]), min_seconds=min_seconds)
    big_x = X[np.arange(batch) % len(X)]
    big = meter.measure(lambda: run(big_x), min_seconds=min_seconds)
    return one.seconds * 1e3, big.seconds * 1e3, big.joules / batch * 1000, big.source


def measure_runner(
    name: str, size: int, run, X, y, task: str, meter: Meter, batch: int, min_seconds: float, note: str = ""
) -> Variant:
    """A Variant from any ``run(x) -> outputs``: metric on (X, y), latency and energy."""
    key = zoo.headline(task)
    metric = zoo.score(task, run(X), y)[key]
    lat1, latb, j1000, source = _measure(meter, run, X, batch, min_seconds)
    return Variant(name, size, lat1, latb, batch, j1000, metric, key, source, note)


def lab(
    entry: dict, meter: Meter, batch: int = 256, min_seconds: float = 0.2, directory=zoo.EXPORTED, progress=None
) -> list[Variant]:
    """Every variant of one zoo model (an fp32 manifest entry), measured on its validation split."""
    directory = Path(directory)
    ds = zoo.dataset_of(entry)
    X, y, task = ds.X_val, ds.y_val, entry["task"]
    model = zoo.load_model(entry, directory)
    fp32 = directory / entry["file"]
    out, steps = [], 5

    def tick(i, what):
        if progress:
            progress(i / steps, what)

    tick(0, "PyTorch eager")
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    out.append(
        measure_runner(
            "PyTorch eager",
            len(buf.getvalue()),
            lambda x: torch_outputs(model, x)[0],
            X,
            y,
            task,
            meter,
            batch,
            min_seconds,
            "torch.no_grad, eval mode",
        )
    )
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        makers = [
            ("fp32 ONNX", lambda: fp32, "the zoo's exported file"),
            (
                "int8 dynamic",
                lambda: _int8_dynamic(entry, directory, d),
                "weights int8, activations quantized at run time",
            ),
            (
                "int8 static",
                lambda: static_int8(fp32, d / "static.onnx", ds.X_train[:CALIBRATION_SAMPLES]),
                f"weights and activations int8, ranges calibrated on {CALIBRATION_SAMPLES} training samples",
            ),
            ("fp16", lambda: fp16(fp32, d / "fp16.onnx"), "weights and arithmetic in half precision"),
        ]
        for i, (name, make, note) in enumerate(makers, start=1):
            tick(i, name)
            try:
                path = make()
                sess = runtime.session(path, device="auto")
                out.append(
                    measure_runner(
                        name,
                        path.stat().st_size,
                        lambda x, s=sess: next(iter(s.run(x).values())),
                        X,
                        y,
                        task,
                        meter,
                        batch,
                        min_seconds,
                        f"{note}; {sess.provider}",
                    )
                )
            except (CoreError, RuntimeError, ValueError, onnx.checker.ValidationError) as e:
                out.append(
                    Variant(
                        name,
                        0,
                        np.nan,
                        np.nan,
                        batch,
                        np.nan,
                        np.nan,
                        zoo.headline(task),
                        "",
                        f"not run: {type(e).__name__}: {str(e)[:160]}",
                    )
                )
    tick(steps, "done")
    return out


def _int8_dynamic(entry: dict, directory: Path, tmp: Path) -> Path:
    path = directory / entry["file"].replace(".onnx", ".int8.onnx")
    if path.exists():
        return path
    from core.export import quantize_int8

    return quantize_int8(directory / entry["file"], tmp / "dynamic.onnx")


def verdicts(variants: list[Variant]) -> list[str]:
    """Plain sentences on where compression does not pay (or does), against the fp32 ONNX file."""
    by = {v.name: v for v in variants}
    ref = by.get("fp32 ONNX")
    if ref is None or not ref.bytes:
        raise ZooFileError("The lab needs the fp32 ONNX variant to compare against; rebuild the zoo.")
    lines = []
    for v in variants:
        if v.name in ("fp32 ONNX", "PyTorch eager") or not v.bytes:
            continue
        ratio = v.bytes / ref.bytes
        if ratio >= 1:
            lines.append(
                f"{v.name}: the file is {ratio:.2f}x the fp32 file: LARGER. The quantization parameters and "
                "extra nodes outweigh the saving on so few weights; compression does not pay here."
            )
        else:
            lines.append(f"{v.name}: {ratio:.0%} of the fp32 file.")
        if v.latency_batch_ms > ref.latency_batch_ms * 1.05:
            lines.append(
                f"{v.name}: {v.latency_batch_ms / ref.latency_batch_ms:.1f}x SLOWER than fp32 at batch "
                f"{v.batch}: the (de)quantize steps cost more than the int8 arithmetic saves."
            )
        drop = ref.metric - v.metric
        if drop > zoo.INT8_ACC_TOL:
            lines.append(f"{v.name}: {v.metric_name} drops by {drop:.3f} (tolerance {zoo.INT8_ACC_TOL}).")
    return lines
