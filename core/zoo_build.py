"""Building the zoo: the seed models, how each is trained, and a build that is never half done.

``build`` trains every seed model, exports fp32 and int8 ONNX files plus a checkpoint that
rebuilds its model on its own, measures parity and accuracy, and writes ``manifest.json``.

The int8 rule: an int8 file ships only when it is smaller than its fp32 twin. For a net of a few
hundred weights, the scale and zero-point tensors and the (de)quantize nodes that int8 adds
outweigh what four bytes to one saves, so its int8 file comes out larger; it is then not shipped,
and the fp32 entry records why (``int8_skipped``: both sizes and the reason).

Why a killed build leaves a consistent zoo: every file is named after its content
(``iris_mlp-<sha256[:12]>.int8.onnx``), so a new file never overwrites a file the current
manifest vouches for with different bytes; files move in first, the manifest is written last
(atomically), and only then are files no manifest names removed. Killed at any point, the
folder holds one complete manifest and every file it names. Staging folders of builds that
died are removed by the next build.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import onnx
import onnxruntime
import torch

from core import data, losses, models, zoo
from core.errors import CoreError, ZooFileError
from core.export import atomic_write, io_spec, parity, quantize_int8, sha256, to_onnx, torch_outputs
from core.runtime import session
from core.train import fit


@dataclass(frozen=True)
class Seed:
    name: str  # file stem and manifest name
    summary: str  # what the model shows the learner
    dataset: str  # core.data dataset name
    model: str  # core.models model name
    dataset_options: dict = field(default_factory=dict)  # core.data.load options
    model_options: dict = field(default_factory=dict)  # core.models.build options
    train: dict = field(default_factory=dict)  # TrainConfig fields
    quick_epochs: int = 10  # epochs of a --quick build


SEEDS = (
    Seed(
        "moons_mlp",
        "Two-moons classifier: a curved decision boundary from two ReLU layers.",
        "moons",
        "mlp",
        {"n_samples": 1000, "noise": 0.2},
        {"widths": (32, 32)},
        {"lr": 0.01, "epochs": 60},
        20,
    ),
    Seed(
        "digits_mlp",
        "The articles' 784-128-10 MNIST network, at 8x8 pixels: 64-128-10.",
        "digits",
        "digits",
        {},
        {},
        {"lr": 0.001, "epochs": 40},
        10,
    ),
    Seed(
        "iris_mlp",
        "The articles' Iris network 4-10-8-3: three species from four measurements.",
        "iris",
        "iris",
        {},
        {},
        {"lr": 0.01, "epochs": 150, "batch_size": 16},
        60,
    ),
    Seed(
        "regression_mlp",
        "Regression on the articles' y = x line with noise: MSE loss, one output.",
        "linear",
        "regression",
        {},
        {},
        {"lr": 0.01, "epochs": 150, "batch_size": 16},
        40,
    ),
    Seed(
        "reverse_transformer",
        "Transformer that reverses 8 digits: each output reads one mirrored position.",
        "reverse",
        "transformer",
        {},
        {"d_model": 32, "n_heads": 2, "d_ff": 64},
        {"lr": 0.003, "epochs": 12, "batch_size": 64, "record_trajectory": False},
        6,
    ),
    Seed(
        "shift_transformer",
        "Transformer whose output i copies input i+2: a known attention pattern.",
        "shift",
        "transformer",
        {},
        {"d_model": 32, "n_heads": 2, "d_ff": 64},
        {"lr": 0.003, "epochs": 12, "batch_size": 64, "record_trajectory": False},
        6,
    ),
    Seed(
        "sort_transformer",
        "Transformer that sorts 8 digits: attention must compare every pair.",
        "sort",
        "transformer",
        {},
        {"d_model": 64, "n_heads": 4, "d_ff": 128},
        {"lr": 0.003, "epochs": 15, "batch_size": 64, "record_trajectory": False},
        6,
    ),
    Seed(
        "bigmodel_mlp",
        "The articles' BigModel 1000-200-100-1 (ReLU, MSE, Adam, lr 0.001) on y = w.x + noise "
        "in 1,000 features: validation R^2 {r2:.3f} against the best possible {ceiling:.3f} = 1/(1 + 0.1^2).",
        "bigmodel",
        "bigmodel",
        {"n_samples": 20_000, "noise": 0.1},
        {},
        {"lr": 0.001, "epochs": 30, "batch_size": 64, "patience": 5, "record_trajectory": False},
        3,
    ),
)
# A zoo file: a seed's name, optionally its content stamp, then .onnx, .int8.onnx or .pt
ZOO_FILE = re.compile(
    r"(?P<stem>" + "|".join(s.name for s in SEEDS) + r")(-[0-9a-f]{12})?(?P<kind>(\.int8)?\.onnx|\.pt)"
)
STAGING = ".build-"


def _versions() -> dict:
    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


def _stamp(path: Path) -> dict:
    """Rename a staged file after its content and return its manifest record."""
    digest = sha256(path)
    m = ZOO_FILE.fullmatch(path.name)
    named = path.with_name(f"{m['stem']}-{digest[:12]}{m['kind']}")
    os.replace(path, named)
    return {"file": named.name, "download": path.name, "sha256": digest, "bytes": named.stat().st_size}


def _lean_int8(fp32: Path, dst: Path) -> Path:
    """The int8 twin without the value_info shape notes quantization's pre-processing leaves in
    (onnxruntime infers shapes itself): about 6 KB less for the sort Transformer."""
    quantize_int8(fp32, dst)
    proto = onnx.load(dst)
    del proto.graph.value_info[:]
    onnx.checker.check_model(proto)
    atomic_write(dst, proto.SerializeToString())
    return dst


def int8_skipped(fp32_bytes: int, int8_bytes: int) -> dict:
    """The fp32 entry's record of an int8 twin not shipped because it would not be smaller."""
    return {
        "fp32_bytes": fp32_bytes,
        "int8_bytes": int8_bytes,
        "reason": f"int8 would be {int8_bytes:,} bytes against fp32's {fp32_bytes:,}: quantization adds scale "
        "and zero-point tensors and (de)quantize nodes that outweigh what it saves on a few hundred "
        "weights, so only the fp32 file is shipped.",
    }


def _summary(seed: Seed, ds: data.Dataset, model: torch.nn.Module) -> str:
    """The seed's summary, with the BigModel's measured R^2 beside its ceiling filled in."""
    if seed.dataset != "bigmodel":
        return seed.summary
    from core import bigmodel_data

    r2 = zoo.score(ds.task, torch_outputs(model, ds.X_val)[0], ds.y_val)["r2"]
    return seed.summary.format(r2=r2, ceiling=bigmodel_data.best_r2(ds.options["noise"]))


def build_one(seed: Seed, out: Path, quick: bool, device: str, on_epoch=None) -> list[dict]:
    """Train, export and measure one seed model into folder ``out``; return its entries: fp32,
    and int8 when its file is smaller (else the fp32 entry says why there is none)."""
    ds = data.load(seed.dataset, **seed.dataset_options)
    torch.manual_seed(0)
    model = models.build(seed.model, **seed.model_options)
    train = {**seed.train, **({"epochs": seed.quick_epochs} if quick else {})}
    hist = fit(model, ds, on_epoch=on_epoch, device=device, **train)
    model = model.cpu().eval()
    described = {"name": ds.name, "seed": ds.seed, "options": ds.options}
    summary = _summary(seed, ds, model)
    meta = {"dataset": described, "task": ds.task, "summary": summary}
    fp32 = to_onnx(model, out / f"{seed.name}.onnx", metadata={**meta, "precision": "fp32"})
    int8 = _lean_int8(fp32, out / f"{seed.name}.int8.onnx")
    skipped = None
    if int8.stat().st_size >= fp32.stat().st_size:
        skipped = int8_skipped(fp32.stat().st_size, int8.stat().st_size)
        int8.unlink()
    ckpt = out / f"{seed.name}.pt"
    atomic_write(ckpt, zoo.checkpoint_bytes(model, ds, losses.resolve(hist.config.get("loss"), ds.task)))
    ref = torch_outputs(model, ds.X_val)[0]
    common = {
        "family": seed.name,
        "task": ds.task,
        "summary": summary,
        "dataset": described,
        "config": models.config_dict(model),
        "train_config": hist.config,
        "architecture": models.describe(model),
        "parameters": models.n_parameters(model),
        "opset": next(o.version for o in onnx.load(fp32).opset_import if o.domain in ("", "ai.onnx")),
        "train_device": hist.device,
        "train_seconds": round(hist.seconds, 3),
        "epochs_run": hist.epochs,
        "versions": _versions(),
        "checkpoint": _stamp(ckpt),
        "classes": list(ds.class_names),
        "features": list(ds.feature_names),
    }
    entries = []
    files = ((seed.name, fp32, "fp32"),) + (() if skipped else ((f"{seed.name}_int8", int8, "int8"),))
    for name, path, precision in files:
        rec = _stamp(path)
        path = out / rec["file"]
        logits = next(iter(session(path, device="cpu").run(ds.X_val).values()))
        entries.append(
            {
                "name": name,
                "precision": precision,
                **common,
                **rec,
                **io_spec(path),
                "parity_max_abs_err": parity(model, path, ds.X_val),
                "metrics": zoo.score(ds.task, logits, ds.y_val),
                "torch_metrics": zoo.score(ds.task, ref, ds.y_val),
                **({"int8_skipped": skipped} if skipped and precision == "fp32" else {}),
            }
        )
    return entries


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid < 2**22  # another user's live process, or no process at all
    return True


def clean(directory: Path, manifest: dict | None) -> None:
    """Remove what killed builds left: staging folders of dead builds, half-written manifests,
    and (given the manifest in force) zoo files it does not name."""
    for p in directory.iterdir():
        m = re.fullmatch(re.escape(STAGING) + r"(\d+)-.*", p.name)
        if m and p.is_dir() and not _alive(int(m[1])):
            shutil.rmtree(p, ignore_errors=True)
        elif p.name.startswith(f".{zoo.MANIFEST}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)
    if manifest is not None:
        named = {r["file"] for e in manifest["models"] for r in (e, e["checkpoint"])}
        for p in directory.iterdir():
            if p.is_file() and ZOO_FILE.fullmatch(p.name) and p.name not in named:
                p.unlink(missing_ok=True)


def _install(staged: Path, directory: Path) -> None:
    """Move one content-named file in: it is new, or it has exactly the bytes of the file it replaces."""
    os.replace(staged, directory / staged.name)


def _write_manifest(directory: Path, manifest: dict) -> None:
    import json

    atomic_write(zoo.manifest_path(directory), (json.dumps(manifest, indent=1) + "\n").encode())


def _current(directory: Path) -> dict | None:
    """The manifest in force, if it is usable (clean() removes only what a usable manifest leaves out)."""
    try:
        manifest = zoo.load_manifest(directory)
    except ZooFileError:
        return None
    return None if any(zoo.entry_problems(e) for e in manifest["models"]) else manifest


def build(directory=zoo.EXPORTED, quick: bool = False, device: str = "auto", only=None, progress=None) -> dict:
    """Build the zoo into ``directory``; return the manifest. progress(seed_name, event) is called
    per epoch. The folder goes from one consistent zoo to the next (see the module docstring)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    seeds = [s for s in SEEDS if not only or s.name in only]
    if only and len(seeds) != len(set(only)):
        raise CoreError(f"Unknown zoo model in {sorted(only)}; the zoo has {[s.name for s in SEEDS]}.")
    old = _current(directory)
    if only and old is None:
        raise ZooFileError(
            f"{zoo.manifest_path(directory)} is missing or malformed, so there is no zoo to update "
            "one model of. Build the whole zoo with `python -m core build`."
        )
    clean(directory, old)
    staging = Path(tempfile.mkdtemp(dir=directory, prefix=f"{STAGING}{os.getpid()}-"))
    try:
        entries = []
        for seed in seeds:
            cb = (lambda e, s=seed.name: progress(s, e)) if progress else None
            entries += build_one(seed, staging, quick, device, cb)
        if only:  # a partial rebuild keeps the other models' entries
            names = {e["name"] for e in entries}
            entries = [e for e in old["models"] if e["name"] not in names] + entries
            entries.sort(key=lambda e: [s.name for s in SEEDS].index(e["family"]))
        for f in sorted(staging.iterdir()):
            _install(f, directory)
        manifest = {
            "format": 2,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "quick": quick,
            "models": entries,
        }
        _write_manifest(directory, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    clean(directory, manifest)
    return manifest
