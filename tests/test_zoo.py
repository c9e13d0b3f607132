import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import zoo, zoo_build
from core.errors import ZooFileError
from tests.test_zoo_integrity import copy_family

ROOT = Path(__file__).resolve().parent.parent


def test_committed_zoo_verifies_every_entry():
    """Every fp32 file matches PyTorch within 1e-4; every int8 file is within INT8_ACC_TOL of fp32."""
    manifest = zoo.load_manifest()
    names = {e["name"] for e in manifest["models"]}
    for seed in zoo_build.SEEDS:
        assert {seed.name, f"{seed.name}_int8"} <= names
    checks = zoo.verify()
    assert all(c.ok for c in checks), [(c.name, c.message) for c in checks if not c.ok]
    for e in manifest["models"]:
        assert e["opset"] >= 17 and e["parameters"] > 0 and len(e["sha256"]) == 64
        assert not zoo.entry_problems(e)
        if e["precision"] == "fp32":
            assert e["parity_max_abs_err"] <= zoo.PARITY_TOL
    named = {r["file"] for e in manifest["models"] for r in (e, e["checkpoint"])} | {"manifest.json"}
    assert {p.name for p in zoo.EXPORTED.iterdir()} == named  # no orphans or staging folders committed


def test_zoo_models_are_good_at_their_tasks():
    acc = {e["name"]: e["metrics"] for e in zoo.load_manifest()["models"]}
    assert acc["moons_mlp"]["accuracy"] > 0.95 and acc["digits_mlp"]["accuracy"] > 0.95
    assert acc["iris_mlp"]["accuracy"] > 0.9 and acc["regression_mlp"]["r2"] > 0.95
    for t in ("reverse", "shift", "sort"):
        assert acc[f"{t}_transformer"]["sequence_accuracy"] > 0.99


@pytest.fixture
def zoo_copy(tmp_path):
    return copy_family(tmp_path)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "core", *args], check=False, cwd=ROOT, capture_output=True, text=True)


def test_verify_cli_passes_then_names_a_tampered_file(zoo_copy):
    assert _cli("verify", "--out", str(zoo_copy)).returncode == 0
    f = zoo_copy / zoo.entry("iris_mlp", zoo_copy)["file"]
    data = bytearray(f.read_bytes())
    data[-10] ^= 0xFF
    f.write_bytes(bytes(data))
    r = _cli("verify", "--out", str(zoo_copy))
    assert r.returncode == 1 and "FAIL iris_mlp " in r.stdout and "sha256" in r.stdout


def test_missing_or_corrupt_manifest(tmp_path):
    with pytest.raises(ZooFileError, match="python -m core build"):
        zoo.load_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ZooFileError, match="not a valid manifest"):
        zoo.load_manifest(tmp_path)
    r = _cli("verify", "--out", str(tmp_path))
    assert r.returncode == 1 and "not a valid manifest" in r.stdout and "Traceback" not in r.stderr
    with pytest.raises(ZooFileError, match="Build the whole zoo"):  # nothing to update one model of
        zoo_build.build(tmp_path, quick=True, only=["iris_mlp"])


def test_partial_build_and_failed_build_leave_zoo_whole(zoo_copy, monkeypatch):
    before = {f.name: f.read_bytes() for f in zoo_copy.iterdir()}
    real = zoo_build.build_one

    def failing(seed, *a, **k):
        real(seed, *a, **k)
        raise RuntimeError("power cut")
    monkeypatch.setattr(zoo_build, "build_one", failing)
    with pytest.raises(RuntimeError):
        zoo_build.build(zoo_copy, quick=True, only=["iris_mlp"])
    assert {f.name: f.read_bytes() for f in zoo_copy.iterdir()} == before  # nothing half-written
    monkeypatch.setattr(zoo_build, "build_one", real)
    m = zoo_build.build(zoo_copy, quick=True, only=["iris_mlp"])
    assert [e["name"] for e in m["models"]] == ["iris_mlp", "iris_mlp_int8"]
    assert all(c.ok for c in zoo.verify(zoo_copy))
    assert not [f for f in zoo_copy.iterdir() if f.name.startswith(".")]


def test_info_cli():
    r = _cli("info")
    assert r.returncode == 0 and "CPUExecutionProvider" in r.stdout and "torch" in json.loads(r.stdout)
