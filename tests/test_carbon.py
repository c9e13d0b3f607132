"""The calculator against published figures (Patterson et al. 2021, Luccioni et al. 2022, Strubell et al. 2019,
the Llama 2 card) and against hand calculations; bad inputs get a clear ConfigError."""

import math

import pytest

from core import carbon
from core.errors import ConfigError


def test_gpt3_by_hand():
    # 10,000 V100 x 14.8 days x 24 h x 0.330 kW x PUE 1.1 = 1,289,376 kWh; x 0.429 kg/kWh = 553.1 t
    w = carbon.what_if(10_000 * 14.8 * 24, 330, 1.1, 429)
    assert w.kwh == pytest.approx(1_289_376.0) and w.kg_co2e == pytest.approx(553_142.3, rel=1e-6)


def test_every_complete_preset_is_reproduced_within_one_percent():
    checked = 0
    for p in carbon.PRESETS.values():
        for line in carbon.reproduce(p):
            if line.published is not None and not math.isnan(line.computed) and "6ND" not in line.quantity:
                assert abs(line.difference_pct) < 1.0, (p.name, line)
                checked += 1
    assert checked >= 12


def test_6nd_path_within_ten_percent_where_parameters_and_tokens_are_published():
    lines = {l.quantity: l for l in carbon.reproduce(carbon.PRESETS["GPT-3 175B"])}
    assert abs(lines["Training FLOPs (6ND)"].difference_pct) < 10
    assert abs(lines["Energy via 6ND (MWh)"].difference_pct) < 10


def test_bloom_and_llama_say_what_cannot_be_reproduced():
    bloom = {l.quantity: l for l in carbon.reproduce(carbon.PRESETS["BLOOM 176B"])}
    assert bloom["Energy (MWh)"].computed == pytest.approx(433.196)  # 1,082,990 h x 400 W
    assert bloom["Carbon (t CO2e)"].computed == pytest.approx(24.69, rel=1e-3)
    assert "not checked" in bloom["Achieved FLOP/s per accelerator"].note
    llama = {l.quantity: l for l in carbon.reproduce(carbon.PRESETS["Llama 2 7B"])}
    assert math.isnan(llama["Carbon (t CO2e)"].computed) and "Not reproducible" in llama["Carbon (t CO2e)"].note
    assert llama["Energy (MWh)"].computed == pytest.approx(184_320 * 0.4 / 1000)


def test_flops_path_by_hand():
    acc = carbon.ACCELERATORS["NVIDIA A100 SXM4"]
    w = carbon.what_if_flops(1e9, 1e10, acc, 0.5, 1.0, 100)
    hours = 6e19 / (312e12 * 0.5) / 3600
    assert w.accelerator_hours == pytest.approx(hours) and w.kwh == pytest.approx(hours * 0.4)


def test_regions_are_sourced():
    assert carbon.REGIONS["World (IEA 2019)"].g_per_kwh == 475
    assert all(r.source and 2015 <= r.year <= 2025 for r in carbon.REGIONS.values())


@pytest.mark.parametrize("bad", [-1, 0, float("nan"), float("inf"), 1e40, "ten", "🔥", None, True])
def test_bad_calculator_inputs_get_a_clear_message(bad):
    with pytest.raises(ConfigError, match="must be"):
        carbon.what_if(bad, 300, 1.1, 429)
    with pytest.raises(ConfigError, match="must be"):
        carbon.what_if(100, 300, bad, 429)
