"""Export to ONNX and check the file: self-contained, checked, atomically written, parity measured.

Uses the TorchScript-based exporter (``dynamo=False``): it is ~20x faster than the dynamo
exporter on these small models and keeps the batch axis dynamic by name. int8 variants come
from onnxruntime's dynamic quantization, after its shape-inference pre-processing.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from core import checks
from core.errors import FileWriteError, ModelError, ZooFileError
from core.models import MLP, Transformer, config_dict

OPSET = 18
MAX_OPSET = 20  # the newest opset the TorchScript exporter writes


class WithAttention(nn.Module):
    """Exposes a model's attention weights as extra outputs (main output, attention_0, ...):
    ``split(model, *inputs)`` returns (main output, [attention of each layer])."""

    def __init__(self, model: nn.Module, split=None):
        super().__init__()
        self.model = model
        self.split = split or (lambda m, tokens: m(tokens, return_attention=True))

    def forward(self, *inputs):
        main, attention = self.split(self.model, *inputs)
        return (main, *attention)


def export_proto(
    module: nn.Module, example: tuple, inputs: list, outputs: list, dynamic: dict, opset: int = OPSET
) -> onnx.ModelProto:
    """The one call to torch.onnx.export: TorchScript exporter, weights inside the file."""
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                example,
                buf,
                input_names=inputs,
                output_names=outputs,
                dynamic_axes=dynamic,
                opset_version=opset,
                dynamo=False,
                external_data=False,
            )
    except Exception as e:  # noqa: BLE001 -- the exporter raises many untyped errors
        raise ModelError(f"The ONNX exporter could not export this model: {str(e).splitlines()[0][:200]}") from None
    return onnx.load_from_string(buf.getvalue())


def io_names(model: nn.Module) -> tuple[list[str], list[str]]:
    if isinstance(model, Transformer):
        return ["tokens"], ["logits"] + [f"attention_{i}" for i in range(model.config.n_layers)]
    return ["input"], ["output"]


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write(path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path = Path(path)
    if path.is_dir():
        raise FileWriteError(f"{path} is a folder: give a file name to write to.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise FileWriteError(f"Cannot write {path}: {e.strerror or e}. Pick a folder you can write to.") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes files 0600: a server running as another user must read them
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise FileWriteError(f"Cannot write {path}: {e.strerror or e}. Check the free space and permissions.") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def example_input(model: nn.Module, batch: int = 2) -> torch.Tensor:
    if isinstance(model, Transformer):
        return torch.zeros(batch, model.config.max_len, dtype=torch.long)
    return torch.zeros(batch, model.config.in_features)


def to_onnx_bytes(
    model: nn.Module, example: torch.Tensor | None = None, metadata: dict | None = None, opset: int = OPSET
) -> bytes:
    """``model`` (eval mode, CPU) as a self-contained, checked ONNX file, in memory.

    The batch axis is dynamic (and the sequence axis, for a Transformer, whose attention maps
    are extra outputs). The model's config and ``metadata`` go into the file's metadata_props,
    so the file explains itself; ``onnx.checker`` runs on it.
    """
    checks.whole("The ONNX opset", opset, 17, MAX_OPSET, error=ModelError)
    if not isinstance(model, (MLP, Transformer)):
        raise ModelError(f"Only models built by core.models.build export here, got {type(model).__name__}.")
    try:
        extra = {k: json.dumps(v) for k, v in (metadata or {}).items()}
    except (TypeError, ValueError, AttributeError):
        raise ModelError("Metadata must be a dict of JSON-ready values (numbers, strings, lists, dicts).") from None
    model = model.cpu().eval()
    example = example_input(model) if example is None else example
    if example.shape[0] < 2:  # a batch of one bakes the batch axis in as fixed
        example = example.repeat(2, *([1] * (example.dim() - 1)))
    inputs, outputs = io_names(model)
    dynamic = {inputs[0]: {0: "batch"}}
    if isinstance(model, Transformer):
        dynamic[inputs[0]][1] = "length"
        dynamic.update({outputs[0]: {0: "batch", 1: "length"}})
        dynamic.update({o: {0: "batch", 2: "length", 3: "length"} for o in outputs[1:]})
        module = WithAttention(model)
    else:
        dynamic[outputs[0]] = {0: "batch"}
        module = model
    proto = export_proto(module, (example,), inputs, outputs, dynamic, opset)
    meta = {"config": json.dumps(config_dict(model)), **extra}
    onnx.helper.set_model_props(proto, meta)
    proto.producer_name = "nn-explorer core.export"
    onnx.checker.check_model(proto, full_check=True)
    return proto.SerializeToString()


def to_onnx(
    model: nn.Module, path, example: torch.Tensor | None = None, metadata: dict | None = None, opset: int = OPSET
) -> Path:
    """Export ``model`` to a self-contained ONNX file at ``path`` (see to_onnx_bytes), atomically."""
    path = Path(path)
    atomic_write(path, to_onnx_bytes(model, example, metadata, opset))
    return path


def quantize_int8(src, dst) -> Path:
    """int8 dynamic quantization (weights int8, activations quantized on the fly), atomically."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    dst = Path(dst)
    with tempfile.TemporaryDirectory(dir=dst.parent) as d:
        pre, out = Path(d) / "pre.onnx", Path(d) / "int8.onnx"
        quant_pre_process(str(src), str(pre), skip_symbolic_shape=True)
        quantize_dynamic(str(pre), str(out), weight_type=QuantType.QInt8)
        proto = onnx.load(out)
        src_meta = {p.key: p.value for p in onnx.load(src).metadata_props}
        onnx.helper.set_model_props(proto, {**src_meta, "precision": "int8"})
        onnx.checker.check_model(proto)
        atomic_write(dst, proto.SerializeToString())
    return dst


def metadata(path) -> dict:
    """The metadata_props of an exported file, JSON-decoded where they are JSON."""
    out = {}
    for p in onnx.load(path, load_external_data=False).metadata_props:
        try:
            out[p.key] = json.loads(p.value)
        except json.JSONDecodeError:
            out[p.key] = p.value
    return out


_DTYPES = {1: "float32", 6: "int32", 7: "int64", 10: "float16", 11: "float64"}


def io_spec(path) -> dict:
    """Inputs and outputs of an ONNX file: name, shape (axis names for dynamic axes), dtype."""
    g = onnx.load(path).graph

    def spec(v):
        t = v.type.tensor_type
        return {
            "name": v.name,
            "dtype": _DTYPES.get(t.elem_type, str(t.elem_type)),
            "shape": [d.dim_param or d.dim_value for d in t.shape.dim],
        }

    return {"inputs": [spec(v) for v in g.input], "outputs": [spec(v) for v in g.output]}


def torch_outputs(model: nn.Module, x: np.ndarray) -> list[np.ndarray]:
    """The PyTorch outputs in export order (logits, then attention maps for a Transformer)."""
    model = model.cpu().eval()
    with torch.no_grad():
        t = torch.as_tensor(x)
        if isinstance(model, Transformer):
            logits, attention = model(t, return_attention=True)
            return [logits.numpy()] + [a.numpy() for a in attention]
        return [model(t).numpy()]


def parity(model: nn.Module, path, x: np.ndarray) -> float:
    """Largest absolute difference, over every output, between onnxruntime (CPU) and PyTorch."""
    from core.runtime import session

    ort_out = session(path, device="cpu").run(x)
    ref = torch_outputs(model, x)
    if len(ref) != len(ort_out):
        raise ZooFileError(f"{path} has {len(ort_out)} outputs where the model has {len(ref)}.")
    return float(max(np.max(np.abs(a - b)) for a, b in zip(ref, ort_out.values())))
