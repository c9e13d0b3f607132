"""The efficiency chart builders through to_dict(): the data drawn, log axes, the palette."""

from ui.charts import efficiency as ec
from ui.charts.palette import ACCENT, MUTED, TRAIN


def _rows(spec, i=None):
    src = spec["layer"][i] if i is not None else spec
    return spec["datasets"][src.get("data", spec.get("data", {}))["name"]]


def test_scale_ladder_is_log_and_drops_missing_values():
    rows = [
        {
            "model": "a",
            "kind": "your run",
            "parameters": 10,
            "training FLOPs": 1e6,
            "energy (kWh)": 1e-6,
            "carbon (kg CO2e)": None,
        },
        {
            "model": "GPT-3",
            "kind": "published",
            "parameters": 1.75e11,
            "training FLOPs": 3e23,
            "energy (kWh)": 1.3e6,
            "carbon (kg CO2e)": 5.5e5,
        },
    ]
    spec = ec.scale_ladder(rows).to_dict()
    assert len(_rows(spec)) == 7 and spec["encoding"]["x"]["scale"]["type"] == "log"
    assert spec["encoding"]["color"]["scale"]["range"] == [ACCENT, TRAIN, MUTED]


def test_power_scatter_and_tradeoff():
    flat = ec.power_over_time([0.1, 0.2], [20.0, 20.0], True).to_dict()
    assert len(_rows(flat)) == 2 and "flat by construction" in flat["title"]
    assert "measured" in ec.power_over_time([0.1], [20.0], False).to_dict()["title"]
    runs = [{"run": "r1", "predicted_seconds": 1.0, "measured_seconds": 2.0}]
    spec = ec.predicted_vs_measured(runs).to_dict()
    assert _rows(spec, 1)[0]["measured"] == 2.0 and spec["layer"][1]["encoding"]["x"]["scale"]["type"] == "log"
    rows = [
        {"variant": "fp32 ONNX", "kilobytes": 39.0, "accuracy": 0.97},
        {"variant": "fp16", "kilobytes": 0, "accuracy": float("nan")},
    ]
    spec = ec.tradeoff(rows, names={"fp32 ONNX": "fp32"}).to_dict()
    assert _rows(spec) == [{"variant": "fp32", "kilobytes": 39.0, "accuracy": 0.97}]  # not-run variants left out
