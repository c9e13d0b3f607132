"""The model zoo as it is read: the manifest, its files checked against it, and the models they rebuild.

``exported/manifest.json`` vouches for every file with its sha256 and size; nothing here hands
out a file, a model or a session from the zoo without checking the file against it first, and
every file name read from the manifest must resolve inside the manifest's folder. A checkpoint
carries its model's config, the loss and the data it was trained with (as nanoGPT's carry
``model_args``), so a downloaded ``.pt`` rebuilds its model on its own. Building lives in
``core.zoo_build``; ``verify`` re-checks everything here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core import data, losses, models
from core.errors import CoreError, ZooFileError
from core.records import TrainedModel

# The zoo folder: exported/ beside core/, or the folder NN_EXPLORER_ZOO names (a zoo built elsewhere)
EXPORTED = Path(os.environ.get("NN_EXPLORER_ZOO") or Path(__file__).resolve().parent.parent / "exported")
MANIFEST = "manifest.json"
PARITY_TOL = 1e-4  # fp32: onnxruntime vs PyTorch, largest absolute output difference
INT8_ACC_TOL = 0.03  # int8 accuracy may trail fp32 accuracy by at most this (absolute)
PRECISIONS = ("fp32", "int8")
CHECKPOINT_FORMAT = 2  # 1: a bare state_dict; 2: {"format", "config", "state", "loss", "dataset", "task"}
INT8_OPS = {"DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearMatMul", "DynamicQuantizeMatMul"}
_SHA = re.compile(r"[0-9a-f]{64}")


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
    """The manifest, checked as far as its shape: an object whose "models" is a list. Each
    entry is checked on use (``entry_problems``), so one bad entry does not hide the others."""
    path = manifest_path(directory)
    if not path.exists():
        raise ZooFileError(f"{path} does not exist. Build the zoo with `python -m core build`.")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ZooFileError(f"{path} is not a valid manifest ({e}). Rebuild it with `python -m core build`.") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("models"), list):
        raise ZooFileError(
            f"{path} is not a valid manifest: it needs a list of models. Rebuild it with `python -m core build`."
        )
    return manifest


def _record_problems(where: str, rec) -> list[str]:
    if not isinstance(rec, dict):
        return [f"{where} is not a file record"]
    out = []
    if not isinstance(rec.get("file"), str) or not rec["file"]:
        out.append(f"{where} has no file name")
    if not isinstance(rec.get("sha256"), str) or not _SHA.fullmatch(rec["sha256"]):
        out.append(f"{where} has no valid sha256")
    if type(rec.get("bytes")) is not int or rec["bytes"] < 0:
        out.append(f"{where} has no valid size in bytes")
    return out


def entry_problems(e) -> list[str]:
    """What is malformed in one manifest entry (empty when it can be used)."""
    if not isinstance(e, dict):
        return [f"the entry is {type(e).__name__} {e!r:.40}, not an object"]
    out = [f'"{k}" is missing or not text' for k in ("name", "family", "task") if not isinstance(e.get(k), str)]
    if e.get("precision") not in PRECISIONS:
        out.append(f"precision {e.get('precision')!r:.20} is not one of {', '.join(PRECISIONS)}")
    out += _record_problems("the model file", e) + _record_problems("the checkpoint", e.get("checkpoint"))
    d = e.get("dataset")
    if not (
        isinstance(d, dict)
        and isinstance(d.get("name"), str)
        and type(d.get("seed")) is int
        and isinstance(d.get("options"), dict)
    ):
        out.append("the dataset spec needs a name, a seed and options")
    if not isinstance(e.get("config"), dict):
        out.append("the model config is missing")
    return out


def int8_skip_problems(e: dict) -> list[str]:
    """What is wrong with an fp32 entry's record of why it has no int8 twin (empty when it holds)."""
    rec = e.get("int8_skipped")
    if not isinstance(rec, dict):
        return [f"{e['name']} has no int8 twin and no recorded reason (int8_skipped)"]
    sizes = [rec.get(k) for k in ("fp32_bytes", "int8_bytes")]
    if not all(type(v) is int and v > 0 for v in sizes) or not isinstance(rec.get("reason"), str):
        return [f"{e['name']}'s int8_skipped record needs fp32_bytes, int8_bytes and a reason"]
    if sizes[1] < sizes[0]:
        return [
            (
                f"{e['name']}'s int8 file would be smaller than fp32 ({sizes[1]:,} < {sizes[0]:,} bytes), "
                "so it should have been shipped"
            )
        ]
    return []


def twin_problems(e: dict, int8: dict | None) -> list[str]:
    """The int8 rule for one fp32 entry: its int8 twin is smaller, or it has none and says why."""
    if int8 is None:
        return int8_skip_problems(e)
    if int8["bytes"] >= e["bytes"]:
        return [
            (
                f"{int8['name']} is {int8['bytes']:,} bytes, not smaller than its fp32 twin's {e['bytes']:,}: "
                "int8 ships only when it shrinks the file"
            )
        ]
    return []


def _fix(family: str) -> str:
    return f"Rebuild it with `python -m core build --only {family}`, then check with `python -m core verify`."


def entry(name: str, directory=EXPORTED) -> dict:
    """The manifest entry called ``name``; a malformed one raises, saying how to rebuild it."""
    for e in load_manifest(directory)["models"]:
        if isinstance(e, dict) and e.get("name") == name:
            problems = entry_problems(e)
            if problems:
                family = e.get("family") if isinstance(e.get("family"), str) else name
                raise ZooFileError(f"The manifest entry {name!r} is malformed: {'; '.join(problems)}. {_fix(family)}")
            return e
    raise ZooFileError(f"No model named {name!r} in the manifest.")


def path_in(directory, name) -> Path:
    """``directory / name``, refused unless it resolves (links followed) to a file inside ``directory``."""
    root = Path(directory).resolve()
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ZooFileError(f"The manifest names a file {name!r:.60}; rebuild it with `python -m core build`.")
    path = (root / name).resolve()
    if path.parent != root:
        raise ZooFileError(
            f"The manifest names {name!r:.80}, which is outside {root}: refused. "
            "Rebuild the manifest with `python -m core build`."
        )
    return path


def _compare(name: str, size: int, digest: str, rec: dict, family: str) -> None:
    if size != rec["bytes"]:
        raise ZooFileError(
            f"{name} is truncated or altered: {size} bytes, the manifest says {rec['bytes']}. " + _fix(family)
        )
    if digest != rec["sha256"]:
        raise ZooFileError(
            f"{name} was changed after the build: its sha256 does not match the manifest. " + _fix(family)
        )


def read_checked(rec: dict, directory=EXPORTED, family: str = "NAME") -> bytes:
    """The bytes of a manifest file record's file, after checking them against its size and sha256.
    The bytes returned are the bytes checked, so what is served is what was vouched for."""
    path = path_in(directory, rec["file"])
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ZooFileError(f"{rec['file']} is missing. " + _fix(family)) from None
    except OSError as e:
        raise ZooFileError(f"{rec['file']} cannot be read ({e.strerror}). " + _fix(family)) from None
    _compare(rec["file"], len(content), hashlib.sha256(content).hexdigest(), rec, family)
    return content


def checkpoint_bytes(model: torch.nn.Module, dataset: data.Dataset, loss: str) -> bytes:
    """A checkpoint that rebuilds ``model`` on its own: config, weights, and what it was trained with."""
    buf = io.BytesIO()
    torch.save(
        {
            "format": CHECKPOINT_FORMAT,
            "config": models.config_dict(model),
            "state": model.state_dict(),
            "loss": loss,
            "task": dataset.task,
            "dataset": {"name": dataset.name, "seed": dataset.seed, "options": dict(dataset.options)},
        },
        buf,
    )
    return buf.getvalue()


def read_checkpoint(source) -> dict:
    """A zoo checkpoint from a path or its bytes (``torch.load(weights_only=True)``: tensors and plain data only)."""
    label = "the checkpoint" if isinstance(source, bytes) else str(source)
    try:
        ckpt = torch.load(
            io.BytesIO(source) if isinstance(source, bytes) else source, map_location="cpu", weights_only=True
        )
    except Exception as e:  # noqa: BLE001 -- torch raises several untyped errors for a bad file
        raise ZooFileError(
            f"{label} is not a readable checkpoint ({type(e).__name__}). Rebuild it with `python -m core build`."
        ) from None
    if not (
        isinstance(ckpt, dict)
        and ckpt.get("format") == CHECKPOINT_FORMAT
        and isinstance(ckpt.get("config"), dict)
        and isinstance(ckpt.get("state"), dict)
    ):
        raise ZooFileError(
            f"{label} is not a format-{CHECKPOINT_FORMAT} zoo checkpoint (config + weights). "
            "Rebuild it with `python -m core build`."
        )
    return ckpt


def model_from_checkpoint(ckpt: dict) -> torch.nn.Module:
    """The network a checkpoint describes, with its weights, in eval mode."""
    model = models.from_config(ckpt["config"])
    try:
        model.load_state_dict(ckpt["state"])
    except RuntimeError as e:
        raise ZooFileError(
            f"The checkpoint's weights do not fit its config ({str(e)[:200]}). Rebuild it with `python -m core build`."
        ) from None
    return model.eval()


def load_model(entry: dict, directory=EXPORTED) -> torch.nn.Module:
    """Rebuild the PyTorch model of a manifest entry from its checkpoint, checked against the manifest."""
    return model_from_checkpoint(read_checkpoint(read_checked(entry["checkpoint"], directory, entry["family"])))


def record(name_or_entry, directory=EXPORTED) -> TrainedModel:
    """A zoo model as a TrainedModel: final weights only (history None), its dataset from the
    entry's spec, and the loss stored in the checkpoint (else the task's default)."""
    e = entry(name_or_entry, directory) if isinstance(name_or_entry, str) else name_or_entry
    ckpt = read_checkpoint(read_checked(e["checkpoint"], directory, e["family"]))
    loss = ckpt.get("loss") if isinstance(ckpt.get("loss"), str) else losses.default(e["task"])
    return TrainedModel.of(model_from_checkpoint(ckpt), dataset_of(e), loss=loss, name=e["name"])


@dataclass(frozen=True)
class Check:
    name: str  # the manifest entry checked ("manifest.json" or "entry 3" when it has no usable name)
    ok: bool  # every check passed
    message: str  # what was measured, or every problem found and how to fix it
    provider: str = ""  # onnxruntime provider the parity run used


def _precision_problem(path: Path, e: dict) -> str | None:
    """The file's own word on its precision (metadata and operators) against the entry's."""
    import onnx

    proto = onnx.load(str(path), load_external_data=False)
    meta = {p.key: p.value for p in proto.metadata_props}
    stated = meta.get("precision", "").strip('"') or "unstated"
    ops = "int8" if any(n.op_type in INT8_OPS for n in proto.graph.node) else "fp32"
    if stated != e["precision"] or ops != e["precision"]:
        return (
            f"{e['file']} is an {ops} model (its metadata says {stated}) but the manifest lists it as "
            f"{e['precision']}: a swapped file. " + _fix(e["family"])
        )
    return None


def verify_entry(e, directory=EXPORTED, device: str = "auto") -> Check:
    """Re-check one manifest entry: its shape, both files' sha256, the file's precision,
    onnx.checker, the checkpoint's config, and onnxruntime against PyTorch."""
    import onnx

    from core.export import torch_outputs
    from core.runtime import session

    name = e["name"] if isinstance(e, dict) and isinstance(e.get("name"), str) else "entry"
    problems = entry_problems(e)
    if problems:
        return Check(
            name, False, "malformed manifest entry: " + "; ".join(problems) + ". Rebuild with `python -m core build`."
        )
    problems = []
    for rec in (e, e["checkpoint"]):
        try:
            read_checked(rec, directory, e["family"])
        except ZooFileError as err:
            problems.append(str(err))
    if problems:
        return Check(name, False, " ".join(problems))
    path = path_in(directory, e["file"])
    try:
        try:
            onnx.checker.check_model(str(path), full_check=True)
        except Exception as err:  # noqa: BLE001 -- the checker raises several untyped errors
            raise ZooFileError(f"onnx.checker rejects {path.name}: {str(err)[:200]}") from None
        wrong = _precision_problem(path, e)
        if wrong:
            raise ZooFileError(wrong)
        ckpt = read_checkpoint(read_checked(e["checkpoint"], directory, e["family"]))
        if ckpt["config"] != e["config"]:
            raise ZooFileError(
                f"{e['checkpoint']['file']} holds a different model than the manifest describes. " + _fix(e["family"])
            )
        model, ds = model_from_checkpoint(ckpt), dataset_of(e)
        sess = session(path, device=device)
        got = sess.run(ds.X_val)
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
        return Check(name, True, msg, sess.provider)
    except CoreError as err:
        return Check(name, False, str(err))


def verify(directory=EXPORTED, device: str = "auto") -> list[Check]:
    """One Check per manifest entry (or one for the manifest itself when it cannot be read)."""
    try:
        entries = load_manifest(directory)["models"]
    except ZooFileError as err:
        return [Check(MANIFEST, False, str(err))]
    checks, seen = [], set()
    for i, e in enumerate(entries):
        c = verify_entry(e, directory, device)
        if c.name == "entry":
            c = Check(f"entry {i}", c.ok, c.message, c.provider)
        elif c.name in seen:
            c = Check(c.name, False, f"a second entry named {c.name!r}. Rebuild with `python -m core build`.")
        seen.add(c.name)
        checks.append(c)
    usable = {e["name"]: e for e in entries if not entry_problems(e)}
    for i, c in enumerate(checks):
        e = usable.get(c.name)
        if c.ok and e is not None and e["precision"] == "fp32":
            wrong = twin_problems(e, usable.get(f"{e['name']}_int8"))
            if wrong:
                checks[i] = Check(c.name, False, "; ".join(wrong) + ". " + _fix(e["family"]), c.provider)
            elif f"{e['name']}_int8" not in usable:
                skip = e["int8_skipped"]
                checks[i] = Check(
                    c.name,
                    True,
                    f"{c.message}; no int8 twin (it would be {skip['int8_bytes']:,} "
                    f"bytes against {skip['fp32_bytes']:,}: not worth it)",
                    c.provider,
                )
    if not checks:
        checks.append(Check(MANIFEST, False, "the manifest lists no models. Rebuild with `python -m core build`."))
    return checks
