"""The model zoo: the seed models, how each is trained, and the manifest that vouches for them.

``build`` trains every seed model, exports fp32 and int8 ONNX files plus a PyTorch checkpoint,
measures parity and accuracy, and records each file in ``exported/manifest.json`` with its
sha256. ``verify`` re-checks all of it. Files are staged in a temporary folder and moved in
only when all succeeded, so a failed build leaves the previous zoo untouched.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch

from core import data, models
from core.errors import CoreError, ZooFileError
from core.export import atomic_write, io_spec, parity, quantize_int8, sha256, to_onnx, torch_outputs
from core.runtime import session
from core.train import fit

EXPORTED = Path(__file__).resolve().parent.parent / "exported"
MANIFEST = "manifest.json"
PARITY_TOL = 1e-4  # fp32: onnxruntime vs PyTorch, largest absolute output difference
INT8_ACC_TOL = 0.03  # int8 accuracy may trail fp32 accuracy by at most this (absolute)


@dataclass(frozen=True)
class Seed:
    name: str  # file stem and manifest name
    summary: str  # what the model shows the learner
    dataset: str
    model: str
    dataset_options: dict = field(default_factory=dict)
    model_options: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)  # TrainConfig fields
    quick_epochs: int = 10


SEEDS = (
    Seed("moons_mlp", "Two-moons classifier: a curved decision boundary from two ReLU layers.", "moons", "mlp",
         {"n_samples": 1000, "noise": 0.2}, {"widths": (32, 32)}, {"lr": 0.01, "epochs": 60}, 20),
    Seed("digits_mlp", "The articles' 784-128-10 MNIST network, at 8x8 pixels: 64-128-10.", "digits", "digits",
         {}, {}, {"lr": 0.001, "epochs": 40}, 10),
    Seed("iris_mlp", "The articles' Iris network 4-10-8-3: three species from four measurements.", "iris", "iris",
         {}, {}, {"lr": 0.01, "epochs": 150, "batch_size": 16}, 60),
    Seed("regression_mlp", "Regression on the articles' y = x line with noise: MSE loss, one output.", "linear",
         "regression", {}, {}, {"lr": 0.01, "epochs": 150, "batch_size": 16}, 40),
    Seed("reverse_transformer", "Transformer that reverses 8 digits: each output reads one mirrored position.",
         "reverse", "transformer", {}, {"d_model": 32, "n_heads": 2, "d_ff": 64},
         {"lr": 0.003, "epochs": 12, "batch_size": 64, "record_trajectory": False}, 6),
    Seed("shift_transformer", "Transformer whose output i copies input i+2: a known attention pattern.",
         "shift", "transformer", {}, {"d_model": 32, "n_heads": 2, "d_ff": 64},
         {"lr": 0.003, "epochs": 12, "batch_size": 64, "record_trajectory": False}, 6),
    Seed("sort_transformer", "Transformer that sorts 8 digits: attention must compare every pair.",
         "sort", "transformer", {}, {"d_model": 64, "n_heads": 4, "d_ff": 128},
         {"lr": 0.003, "epochs": 15, "batch_size": 64, "record_trajectory": False}, 6),
)


def score(task: str, out: np.ndarray, y: np.ndarray) -> dict:
    """Validation metrics from raw outputs: accuracy (classification), token and whole-sequence
    accuracy (sequence), MSE and R^2 (regression)."""
    if task == "regression":
        mse = float(np.mean((out - y) ** 2))
        return {"mse": mse, "r2": float(1 - np.sum((out - y) ** 2) / np.sum((y - y.mean()) ** 2))}
    hit = out.argmax(-1) == y
    if task == "sequence":
        return {"accuracy": float(hit.mean()), "sequence_accuracy": float(hit.all(1).mean())}
    return {"accuracy": float(hit.mean())}


def headline(task: str) -> str:
    """The metric the int8 check and the UI lead with."""
    return "r2" if task == "regression" else "accuracy"


def dataset_of(entry: dict) -> data.Dataset:
    d = entry["dataset"]
    return data.load(d["name"], seed=d["seed"], **d["options"])


def manifest_path(directory=EXPORTED) -> Path:
    return Path(directory) / MANIFEST


def load_manifest(directory=EXPORTED) -> dict:
    path = manifest_path(directory)
    if not path.exists():
        raise ZooFileError(f"{path} does not exist. Build the zoo with `python -m core build`.")
    try:
        manifest = json.loads(path.read_text())
        manifest["models"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ZooFileError(f"{path} is not a valid manifest ({e}). Rebuild it with `python -m core build`.") from None
    return manifest


def entry(name: str, directory=EXPORTED) -> dict:
    for e in load_manifest(directory)["models"]:
        if e["name"] == name:
            return e
    raise ZooFileError(f"No model named {name!r} in the manifest.")


def load_model(entry: dict, directory=EXPORTED) -> torch.nn.Module:
    """Rebuild the PyTorch model of a manifest entry from its checkpoint (config + weights)."""
    ckpt = Path(directory) / entry["checkpoint"]["file"]
    _check_file(ckpt, entry["checkpoint"]["sha256"], entry["checkpoint"]["bytes"])
    model = models.from_config(entry["config"])
    model.load_state_dict(torch.load(ckpt, weights_only=True))
    return model.eval()


def _versions() -> dict:
    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def _file_record(path: Path) -> dict:
    return {"file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size}


def build_one(seed: Seed, out: Path, quick: bool, device: str, on_epoch=None) -> list[dict]:
    """Train, export and measure one seed model into folder ``out``; return its two entries."""
    ds = data.load(seed.dataset, **seed.dataset_options)
    torch.manual_seed(0)
    model = models.build(seed.model, **seed.model_options)
    train = {**seed.train, **({"epochs": seed.quick_epochs} if quick else {})}
    hist = fit(model, ds, on_epoch=on_epoch, device=device, **train)
    fp32, int8, ckpt = out / f"{seed.name}.onnx", out / f"{seed.name}.int8.onnx", out / f"{seed.name}.pt"
    described = {"name": ds.name, "seed": ds.seed, "options": ds.options}
    to_onnx(model, fp32, metadata={"dataset": described, "task": ds.task, "summary": seed.summary})
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    atomic_write(ckpt, buf.getvalue())
    quantize_int8(fp32, int8)
    ref = torch_outputs(model, ds.X_val)[0]
    common = {
        "family": seed.name, "task": ds.task, "summary": seed.summary, "dataset": described,
        "config": models.config_dict(model), "train_config": hist.config, "architecture": models.describe(model),
        "parameters": models.n_parameters(model), "opset": next(o.version for o in onnx.load(fp32).opset_import
                                                                 if o.domain in ("", "ai.onnx")),
        "train_device": hist.device, "train_seconds": round(hist.seconds, 3), "epochs_run": hist.epochs,
        "versions": _versions(), "checkpoint": _file_record(ckpt), "classes": list(ds.class_names),
        "features": list(ds.feature_names),
    }
    entries = []
    for name, path, precision in ((seed.name, fp32, "fp32"), (f"{seed.name}_int8", int8, "int8")):
        out_ort = session(path, device="cpu").run(ds.X_val)
        logits = next(iter(out_ort.values()))
        entries.append({
            "name": name, "precision": precision, **common, **_file_record(path), **io_spec(path),
            "parity_max_abs_err": parity(model, path, ds.X_val),
            "metrics": score(ds.task, logits, ds.y_val),
            "torch_metrics": score(ds.task, ref, ds.y_val),
        })
    return entries


def build(directory=EXPORTED, quick: bool = False, device: str = "auto", only=None, progress=None) -> dict:
    """Build the zoo into ``directory``; return the manifest. progress(seed_name, event) is
    called per epoch. Nothing in ``directory`` changes unless every model succeeded."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    seeds = [s for s in SEEDS if not only or s.name in only]
    if only and len(seeds) != len(set(only)):
        raise CoreError(f"Unknown zoo model in {sorted(only)}; the zoo has {[s.name for s in SEEDS]}.")
    old = load_manifest(directory) if manifest_path(directory).exists() and only else None
    staging = Path(tempfile.mkdtemp(dir=directory, prefix=".build-"))
    try:
        entries = []
        for seed in seeds:
            cb = (lambda e, s=seed.name: progress(s, e)) if progress else None
            entries += build_one(seed, staging, quick, device, cb)
        if old:  # a partial rebuild keeps the other models' entries
            names = {e["name"] for e in entries}
            entries = [e for e in old["models"] if e["name"] not in names] + entries
            entries.sort(key=lambda e: [s.name for s in SEEDS].index(e["family"]))
        for f in staging.iterdir():
            f.replace(directory / f.name)
        manifest = {"format": 1, "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": quick,
                    "models": entries}
        atomic_write(manifest_path(directory), (json.dumps(manifest, indent=1) + "\n").encode())
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _check_file(path: Path, digest: str, size: int) -> None:
    if not path.exists():
        raise ZooFileError(f"{path.name} is missing. Rebuild the zoo with `python -m core build`.")
    actual = path.stat().st_size
    if actual != size:
        raise ZooFileError(f"{path.name} is truncated or altered: {actual} bytes, the manifest says {size}. "
                           "Rebuild with `python -m core build` or restore it from git.")
    if sha256(path) != digest:
        raise ZooFileError(f"{path.name} was changed after the build: its sha256 does not match the manifest. "
                           "Rebuild with `python -m core build` or restore it from git.")


@dataclass
class Check:
    name: str
    ok: bool
    message: str
    provider: str = ""


def verify_entry(e: dict, directory=EXPORTED, device: str = "auto") -> Check:
    """Re-check one manifest entry: file, sha256, onnx.checker, and onnxruntime against PyTorch."""
    directory = Path(directory)
    path = directory / e["file"]
    try:
        _check_file(path, e["sha256"], e["bytes"])
        try:
            onnx.checker.check_model(str(path), full_check=True)
        except Exception as err:  # the checker raises several untyped errors
            raise ZooFileError(f"onnx.checker rejects {path.name}: {str(err)[:200]}") from None
        sess = session(path, device=device)
        ds = dataset_of(e)
        got = sess.run(ds.X_val)
        model = load_model(e, directory)
        if e["precision"] == "fp32":
            ref = torch_outputs(model, ds.X_val)
            err = max(float(np.max(np.abs(a - b))) for a, b in zip(ref, got.values()))
            tol = PARITY_TOL if sess.provider.startswith("CPU") else 1e-3
            if not err <= tol:
                raise ZooFileError(f"onnxruntime and PyTorch disagree by {err:.2e} (tolerance {tol:g}).")
            msg = f"parity {err:.1e}"
        else:
            key = headline(e["task"])
            m = score(e["task"], next(iter(got.values())), ds.y_val)
            fp32 = score(e["task"], torch_outputs(model, ds.X_val)[0], ds.y_val)
            if fp32[key] - m[key] > INT8_ACC_TOL:
                raise ZooFileError(f"int8 {key} {m[key]:.3f} trails fp32 {fp32[key]:.3f} by more than {INT8_ACC_TOL}.")
            msg = f"int8 {key} {m[key]:.3f} vs fp32 {fp32[key]:.3f}"
        return Check(e["name"], True, msg, sess.provider)
    except CoreError as err:
        return Check(e["name"], False, str(err))


def verify(directory=EXPORTED, device: str = "auto") -> list[Check]:
    return [verify_entry(e, directory, device) for e in load_manifest(directory)["models"]]
