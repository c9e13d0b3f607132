import json
import subprocess
import sys
from pathlib import Path

import pytest

from core import bigmodel_data, data, zoo, zoo_build
from core.errors import ZooFileError
from core.runtime import session
from tests.test_zoo_integrity import copy_family

ROOT = Path(__file__).resolve().parent.parent


def test_committed_zoo_verifies_every_entry():
    """Every fp32 file matches PyTorch within 1e-4; every int8 file is within INT8_ACC_TOL of fp32."""
    manifest = zoo.load_manifest()
    by = {e["name"]: e for e in manifest["models"]}
    for seed in zoo_build.SEEDS:  # every seed ships fp32, and int8 or the recorded reason why not
        assert seed.name in by and (f"{seed.name}_int8" in by) != ("int8_skipped" in by[seed.name]), seed.name
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


def test_the_int8_rule_holds_for_every_shipped_file():
    """No int8 file is larger than its fp32 twin; from 100 KB up it is at most 35% of it; its validation
    score is within INT8_ACC_TOL (0.03, absolute) of fp32's; a model without int8 says why."""
    models = {e["name"]: e for e in zoo.load_manifest()["models"]}
    big = 0
    for e in models.values():
        if e["precision"] != "fp32":
            continue
        int8 = models.get(f"{e['name']}_int8")
        if int8 is None:
            skip = e["int8_skipped"]
            assert skip["int8_bytes"] >= skip["fp32_bytes"] == e["bytes"] and "zero-point" in skip["reason"]
            assert e["parameters"] < 1000, "only nets of a few hundred weights may skip int8"
            continue
        assert int8["bytes"] < e["bytes"], e["name"]
        if e["bytes"] >= 100_000:
            big += 1
            assert int8["bytes"] <= 0.35 * e["bytes"], (e["name"], int8["bytes"] / e["bytes"])
        key = zoo.headline(e["task"])
        assert e["metrics"][key] - int8["metrics"][key] <= zoo.INT8_ACC_TOL, e["name"]
    assert big >= 2 and {"iris_mlp_int8", "regression_mlp_int8"}.isdisjoint(models)  # the BigModel and sort


def test_twin_problems_name_what_breaks_the_rule():
    fp32 = {"name": "m", "bytes": 1000}
    assert zoo.twin_problems(fp32, {"name": "m_int8", "bytes": 400}) == []
    assert "not smaller than its fp32 twin" in zoo.twin_problems(fp32, {"name": "m_int8", "bytes": 1000})[0]
    assert "no recorded reason" in zoo.twin_problems(fp32, None)[0]
    skipped = {**fp32, "int8_skipped": zoo_build.int8_skipped(1000, 2400)}
    assert zoo.twin_problems(skipped, None) == [] and "2,400 bytes" in skipped["int8_skipped"]["reason"]
    assert (
        "should have been shipped"
        in zoo.twin_problems({**fp32, "int8_skipped": {"fp32_bytes": 1000, "int8_bytes": 300, "reason": "x"}}, None)[0]
    )
    assert "needs fp32_bytes" in zoo.twin_problems({**fp32, "int8_skipped": {"reason": 3}}, None)[0]


def test_bigmodel_reaches_near_its_known_ceiling_and_its_data_rebuilds_from_the_manifest():
    """Oracle: R^2* = 1/(1 + noise^2) for y = w.x + noise. The dataset rebuilt by data.load from the
    manifest's spec gives, through the shipped ONNX file, exactly the R^2 the manifest records."""
    e = zoo.entry("bigmodel_mlp")
    d = e["dataset"]
    assert d["name"] == "bigmodel" and e["architecture"] == "MLP 1000-200-100-1 (relu)"
    assert e["train_config"]["lr"] == 0.001 and e["train_config"]["optimizer"] == "adam"
    ceiling = bigmodel_data.best_r2(d["options"]["noise"])
    r2 = e["metrics"]["r2"]
    assert 0.97 <= r2 <= ceiling + 0.005 and ceiling == pytest.approx(1 / 1.01)
    assert f"{r2:.3f}" in e["summary"] and f"{ceiling:.3f}" in e["summary"]
    ds = data.load(d["name"], seed=d["seed"], **d["options"])
    out = next(iter(session(zoo.EXPORTED / e["file"], device="cpu").run(ds.X_val).values()))
    assert zoo.score(ds.task, out, ds.y_val)["r2"] == pytest.approx(r2, abs=1e-6)


@pytest.fixture
def zoo_copy(tmp_path):
    return copy_family(tmp_path, "iris_mlp")  # the fp32 file alone: its int8 twin would be larger


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


def test_verify_accepts_no_int8_twin_only_with_its_reason(zoo_copy):
    r = _cli("verify", "--out", str(zoo_copy))
    assert r.returncode == 0 and "no int8 twin" in r.stdout and "not worth it" in r.stdout
    m = json.loads((zoo_copy / "manifest.json").read_text())
    del m["models"][0]["int8_skipped"]
    (zoo_copy / "manifest.json").write_text(json.dumps(m))
    r = _cli("verify", "--out", str(zoo_copy))
    assert r.returncode == 1 and "FAIL iris_mlp " in r.stdout and "no recorded reason" in r.stdout


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
    assert [e["name"] for e in m["models"]] == ["iris_mlp"]  # its int8 file would be larger: not shipped
    assert m["models"][0]["int8_skipped"]["int8_bytes"] > m["models"][0]["bytes"]
    assert all(c.ok for c in zoo.verify(zoo_copy))
    assert not [f for f in zoo_copy.iterdir() if f.name.startswith(".")]


def test_info_cli():
    r = _cli("info")
    assert r.returncode == 0 and "CPUExecutionProvider" in r.stdout and "torch" in json.loads(r.stdout)
