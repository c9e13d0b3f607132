"""The zoo's files against its manifest: malformed manifests, paths outside the folder, swapped
and tampered files, checkpoints that rebuild on their own, and builds killed at every step."""

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from core import data, zoo, zoo_build
from core.errors import ZooFileError
from core.runtime import session

ROOT = Path(__file__).resolve().parent.parent


def copy_family(dst: Path, family: str = "moons_mlp") -> Path:
    """A copy of one model's files and a manifest listing only them (the committed zoo is never touched)."""
    m = zoo.load_manifest()
    m["models"] = [e for e in m["models"] if e["family"] == family]
    for e in m["models"]:
        for rec in (e, e["checkpoint"]):
            shutil.copy(zoo.EXPORTED / rec["file"], dst / rec["file"])
    (dst / "manifest.json").write_text(json.dumps(m))
    return dst


@pytest.fixture
def zoo_copy(tmp_path):
    return copy_family(tmp_path)


def _edit_manifest(directory: Path, edit) -> None:
    m = json.loads((directory / "manifest.json").read_text())
    edit(m)
    (directory / "manifest.json").write_text(json.dumps(m))


def _verify_cli(directory):
    return subprocess.run(
        [sys.executable, "-m", "core", "verify", "--out", str(directory)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("family", [s.name for s in zoo_build.SEEDS])
def test_a_checkpoint_alone_rebuilds_the_model_the_onnx_file_holds(family, tmp_path):
    """Oracle: the model rebuilt from the .pt file alone (no manifest) matches onnxruntime on the .onnx file."""
    e = zoo.entry(family)
    pt = shutil.copy(zoo.EXPORTED / e["checkpoint"]["file"], tmp_path / "alone.pt")
    ckpt = zoo.read_checkpoint(Path(pt))
    model = zoo.model_from_checkpoint(ckpt)
    d = ckpt["dataset"]
    ds = data.load(d["name"], seed=d["seed"], **d["options"])
    assert ckpt["loss"] == ("mse" if ds.task == "regression" else "cross_entropy") and ckpt["task"] == ds.task
    with torch.no_grad():
        out = model(torch.as_tensor(ds.X_val))
    ort = session(zoo.EXPORTED / e["file"], device="cpu").run(ds.X_val)
    np.testing.assert_allclose(out.numpy(), next(iter(ort.values())), atol=zoo.PARITY_TOL)


def test_record_is_a_trained_model_with_loss_and_data():
    r = zoo.record("regression_mlp")
    assert r.loss == "mse" and r.history is None and r.dataset.name == "linear" and r.name == "regression_mlp"
    c = zoo.record(zoo.entry("iris_mlp"))
    assert c.loss == "cross_entropy" and c.dataset.task == "classification"
    x = torch.as_tensor(c.dataset.X_val)
    with torch.no_grad():
        np.testing.assert_array_equal(c.build()(x).numpy(), zoo.load_model(zoo.entry("iris_mlp"))(x).numpy())


def test_a_checkpoint_that_pickles_code_is_refused(tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save({"format": zoo.CHECKPOINT_FORMAT, "config": {}, "state": {}, "x": Path("/")}, bad)  # any class
    with pytest.raises(ZooFileError, match="not a readable checkpoint"):
        zoo.read_checkpoint(bad)
    torch.save({"a": torch.zeros(1)}, bad)  # the old format: a bare state_dict
    with pytest.raises(ZooFileError, match="format-2"):
        zoo.read_checkpoint(bad)


@pytest.mark.parametrize(
    "models, words", [(None, "list of models"), ([1], "not an object"), ({"a": 1}, "list of models"), ([], "no models")]
)
def test_verify_reports_a_malformed_manifest_without_a_traceback(zoo_copy, models, words):
    _edit_manifest(zoo_copy, lambda m: m.update(models=models))
    r = _verify_cli(zoo_copy)
    assert r.returncode == 1 and "Traceback" not in r.stderr + r.stdout and words in r.stdout


def test_verify_names_every_problem_of_a_malformed_entry(zoo_copy):
    def edit(m):
        del m["models"][0]["sha256"]
        m["models"][1]["precision"] = "fp16"

    _edit_manifest(zoo_copy, edit)
    r = _verify_cli(zoo_copy)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "FAIL moons_mlp " in r.stdout and "sha256" in r.stdout
    assert "FAIL moons_mlp_int8" in r.stdout and "'fp16' is not one of fp32, int8" in r.stdout


def test_verify_notices_an_int8_file_swapped_for_its_fp32_twin(zoo_copy):
    def swap(m):
        fp32, int8 = m["models"]
        int8.update(file=fp32["file"], sha256=fp32["sha256"], bytes=fp32["bytes"])

    _edit_manifest(zoo_copy, swap)
    checks = {c.name: c for c in zoo.verify(zoo_copy)}
    assert not checks["moons_mlp_int8"].ok  # and the fp32 entry's "int8 twin" is no longer smaller than it:
    assert "not smaller than its fp32 twin" in checks["moons_mlp"].message and not checks["moons_mlp"].ok
    assert "an fp32 model" in checks["moons_mlp_int8"].message and "swapped" in checks["moons_mlp_int8"].message


def test_manifest_paths_must_stay_inside_their_folder(zoo_copy, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.onnx"
    shutil.copy(zoo_copy / zoo.entry("moons_mlp", zoo_copy)["file"], outside)
    (zoo_copy / "link.onnx").symlink_to(outside)
    for name in ("../../../../etc/passwd", "/etc/passwd", str(outside), "link.onnx", "", "sub/../../x"):
        with pytest.raises(ZooFileError, match="outside|names a file"):
            zoo.path_in(zoo_copy, name)
    _edit_manifest(zoo_copy, lambda m: m["models"][0].update(file="../../../../etc/passwd"))
    c = {c.name: c for c in zoo.verify(zoo_copy)}["moons_mlp"]
    assert not c.ok and "outside" in c.message
    with pytest.raises(ZooFileError, match="outside"):
        zoo.read_checked(zoo.entry("moons_mlp", zoo_copy), zoo_copy)


def test_tampered_truncated_and_missing_files_are_named_with_the_fix(zoo_copy):
    e = zoo.entry("moons_mlp", zoo_copy)
    f = zoo_copy / e["file"]
    b = bytearray(f.read_bytes())
    b[-10] ^= 0xFF
    f.write_bytes(bytes(b))
    i8 = zoo_copy / zoo.entry("moons_mlp_int8", zoo_copy)["file"]
    i8.write_bytes(i8.read_bytes()[:50])
    (zoo_copy / e["checkpoint"]["file"]).unlink()
    checks = {c.name: c.message for c in zoo.verify(zoo_copy)}
    assert "sha256 does not match" in checks["moons_mlp"] and "is missing" in checks["moons_mlp"]
    assert "truncated" in checks["moons_mlp_int8"]
    assert "python -m core build --only moons_mlp" in checks["moons_mlp_int8"]
    with pytest.raises(ZooFileError, match="missing"):
        zoo.load_model(e, zoo_copy)


@pytest.fixture(scope="module")
def quick_moons(tmp_path_factory):
    """A real quick build of moons_mlp (other weights than the committed full build), replayed by a fake build_one."""
    d = tmp_path_factory.mktemp("quick")
    seed = next(s for s in zoo_build.SEEDS if s.name == "moons_mlp")
    return d, zoo_build.build_one(seed, d, quick=True, device="cpu")


def _replay(quick):
    d, entries = quick

    def build_one(seed, out, *a, **k):
        for f in d.iterdir():
            shutil.copy2(f, out / f.name)
        return copy.deepcopy(entries)

    return build_one


class Killed(BaseException):
    """Stands in for SIGKILL: not an Exception, so no handler of the build catches it."""


@pytest.mark.parametrize("kill_after", [0, 1, 2, 3, 4])
def test_a_build_killed_at_any_step_leaves_a_zoo_that_verifies(zoo_copy, quick_moons, monkeypatch, kill_after):
    """Moves into the zoo folder: 3 files, then the manifest, then the cleanup. Killed before the first
    move, after any of them, or before the cleanup, the manifest and every file it names still verify;
    the next build completes and cleans up."""
    monkeypatch.setattr(zoo_build, "build_one", _replay(quick_moons))
    real, moves = os.replace, []

    def replace(src, dst):
        if Path(dst).parent == zoo_copy and len(moves) == kill_after:
            raise Killed
        real(src, dst)
        if Path(dst).parent == zoo_copy:
            moves.append(Path(dst).name)

    monkeypatch.setattr(os, "replace", replace)
    real_clean, cleans = zoo_build.clean, []

    def clean(directory, manifest):
        cleans.append(1)
        if kill_after == 4 and len(cleans) == 2:  # the manifest is written; its cleanup is not done
            raise Killed
        real_clean(directory, manifest)

    monkeypatch.setattr(zoo_build, "clean", clean)
    with pytest.raises(Killed):
        zoo_build.build(zoo_copy, quick=True, only=["moons_mlp"])
    checks = zoo.verify(zoo_copy)
    assert all(c.ok for c in checks), [(c.name, c.message) for c in checks]
    monkeypatch.setattr(os, "replace", real)
    monkeypatch.setattr(zoo_build, "clean", real_clean)
    m = zoo_build.build(zoo_copy, quick=True, only=["moons_mlp"])
    assert m["quick"] and all(c.ok for c in zoo.verify(zoo_copy))
    named = {r["file"] for e in m["models"] for r in (e, e["checkpoint"])} | {"manifest.json"}
    assert {p.name for p in zoo_copy.iterdir()} == named  # no staging folder, no orphan, no temp file


def test_next_build_removes_what_killed_builds_left_and_files_are_readable_by_others(
    zoo_copy, quick_moons, monkeypatch
):
    monkeypatch.setattr(zoo_build, "build_one", _replay(quick_moons))
    dead = zoo_copy / ".build-999999999-abc"  # no such process
    dead.mkdir()
    (dead / "moons_mlp.onnx").write_bytes(b"half a fil")
    (zoo_copy / ".manifest.json.x1y2.tmp").write_bytes(b"{")
    (zoo_copy / "moons_mlp-0123456789ab.int8.onnx").write_bytes(b"orphan of a killed build")
    (zoo_copy / "notes.txt").write_text("not the zoo's: kept")
    m = zoo_build.build(zoo_copy, quick=True, only=["moons_mlp"])
    named = {r["file"] for e in m["models"] for r in (e, e["checkpoint"])}
    assert {p.name for p in zoo_copy.iterdir()} == named | {"manifest.json", "notes.txt"}
    for name in named | {"manifest.json"}:
        assert (zoo_copy / name).stat().st_mode & 0o044 == 0o044, name
    assert all(e["download"] in ("moons_mlp.onnx", "moons_mlp.int8.onnx") for e in m["models"])
