"""The compression lab: int8 shrinks a model of 100 KB and more to at most 35% of fp32, keeps accuracy
within the zoo's tolerance, and the verdicts say plainly when a tiny model's int8 file is larger."""

import pytest
import torch

from core import compression, energy, models, zoo
from core.export import quantize_int8, to_onnx


def test_bigmodel_int8_is_at_most_35_percent_of_fp32(tmp_path):
    torch.manual_seed(0)
    fp32 = to_onnx(models.build("bigmodel"), tmp_path / "big.onnx")
    int8 = quantize_int8(fp32, tmp_path / "big.int8.onnx")
    assert fp32.stat().st_size > 100_000
    assert int8.stat().st_size / fp32.stat().st_size <= compression.INT8_MAX_RATIO


@pytest.fixture(scope="module")
def iris_lab():
    return compression.lab(zoo.entry("iris_mlp"), energy.Meter(device="cpu"), batch=64, min_seconds=0.02)


def test_lab_measures_every_variant_with_its_source(iris_lab):
    names = [v.name for v in iris_lab]
    assert names == ["PyTorch eager", "fp32 ONNX", "int8 dynamic", "int8 static", "fp16"]
    ref = next(v for v in iris_lab if v.name == "fp32 ONNX")
    for v in iris_lab:
        if v.bytes:
            assert v.joules_per_1000 > 0 and v.latency_1_ms > 0 and v.energy_source
            assert ref.metric - v.metric <= zoo.INT8_ACC_TOL  # quantized accuracy within the zoo's tolerance


def test_verdicts_say_when_int8_is_larger(iris_lab):
    lines = compression.verdicts(iris_lab)
    assert any("int8 dynamic" in line and "LARGER" in line for line in lines)
