"""What training a model costs in energy and carbon: the arithmetic, the grid, and published runs.

Energy follows Patterson et al. 2021 ("Carbon Emissions and Large Neural Network Training"):
energy = accelerator-hours x average power per accelerator x PUE, and carbon = energy x grid
intensity (location-based: the average of the grid where the work ran, no offsets or contracts).
Training compute follows Kaplan et al. 2020: FLOPs ~ 6 x parameters x tokens (a forward pass
costs ~2 FLOPs per parameter per token, the backward pass ~4), and time = FLOPs / achieved FLOP/s.

Each preset holds a published run's own inputs and its published outputs, with the citation, so
the page can show published beside computed; where a paper gives no figure for an input (Llama 2's
card states no grid intensity), the preset says so and nothing is tuned to fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import ConfigError

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class Region:
    name: str  # what the learner picks
    g_per_kwh: float  # average grid carbon intensity, g CO2e per kWh generated
    source: str  # the publication the figure comes from
    year: int  # the year the figure describes


_EMBER = "Ember, Yearly electricity data (2024 release), via Our World in Data"
REGIONS = {
    "World": Region("World", 480.0, "Ember, Global Electricity Review 2024", 2023),
    "World (IEA 2019)": Region("World (IEA 2019)", 475.0, "IEA, Global Energy & CO2 Status Report 2019", 2018),
    "China": Region("China", 582.0, _EMBER, 2023),
    "India": Region("India", 713.0, _EMBER, 2023),
    "United States": Region("United States", 369.0, _EMBER, 2023),
    "Germany": Region("Germany", 381.0, _EMBER, 2023),
    "United Kingdom": Region("United Kingdom", 238.0, _EMBER, 2023),
    "France": Region("France", 56.0, _EMBER, 2023),
    "Sweden": Region("Sweden", 41.0, _EMBER, 2023),
    "Norway": Region("Norway", 30.0, _EMBER, 2023),
}


@dataclass(frozen=True)
class Accelerator:
    name: str
    watts: float  # board power limit (TDP) from the maker's datasheet
    peak_flops: float  # dense 16-bit tensor FLOP/s from the datasheet (no sparsity)
    source: str


ACCELERATORS = {
    "NVIDIA V100 SXM2": Accelerator("NVIDIA V100 SXM2", 300.0, 125e12, "NVIDIA V100 datasheet (2017)"),
    "NVIDIA A100 SXM4": Accelerator("NVIDIA A100 SXM4", 400.0, 312e12, "NVIDIA A100 datasheet (2020)"),
    "NVIDIA H100 SXM5": Accelerator("NVIDIA H100 SXM5", 700.0, 989e12, "NVIDIA H100 datasheet (2022)"),
    "Google TPU v3": Accelerator(
        "Google TPU v3", 450.0, 123e12, "Patterson et al. 2021, Table 4 (chip TDP); Google Cloud TPU docs"
    ),
}


@dataclass(frozen=True)
class Preset:
    name: str
    citation: str  # the primary source, with its year
    accelerator: str  # the hardware it ran on, as published
    accelerator_hours: float  # published (or chips x days x 24 from published chips and days)
    watts: float  # average power per accelerator used by the source (W)
    pue: float | None  # datacenter PUE used by the source; None: the source states none (1.0 is used)
    g_per_kwh: float | None  # grid intensity used by the source; None: not published
    energy_mwh: float | None  # published energy (MWh); None: not published
    tco2e: float | None  # published carbon (t CO2e)
    parameters: float | None = None  # N
    tokens: float | None = None  # D, training tokens
    flops: float | None = None  # published total training FLOPs
    achieved_flops: float | None = None  # published achieved FLOP/s per accelerator


PRESETS = {
    p.name: p
    for p in (
        Preset(
            "GPT-3 175B",
            "Patterson et al. 2021, Table 4 (arXiv:2104.10350); Brown et al. 2020 (tokens)",
            "NVIDIA V100",
            10_000 * 14.8 * HOURS_PER_DAY,
            330.0,
            1.10,
            429.0,
            1287.0,
            552.0,
            175e9,
            300e9,
            3.14e23,
            24.6e12,
        ),
        Preset(
            "BLOOM 176B",
            "Luccioni, Viguier & Ligozat 2022 (arXiv:2211.02001), Table 2, §4",
            "NVIDIA A100 80GB",
            1_082_990.0,
            400.0,
            None,
            57.0,
            433.0,
            24.69,
            176e9,
            366e9,
            None,
            None,
        ),
        Preset(
            "Llama 2 7B",
            "Touvron et al. 2023 (arXiv:2307.09288), Table 2; Llama 2 model card",
            "NVIDIA A100 80GB",
            184_320.0,
            400.0,
            None,
            None,
            None,
            31.22,
            7e9,
            2.0e12,
        ),
        Preset(
            "Llama 2 13B",
            "Touvron et al. 2023 (arXiv:2307.09288), Table 2; Llama 2 model card",
            "NVIDIA A100 80GB",
            368_640.0,
            400.0,
            None,
            None,
            None,
            62.44,
            13e9,
            2.0e12,
        ),
        Preset(
            "Llama 2 70B",
            "Touvron et al. 2023 (arXiv:2307.09288), Table 2; Llama 2 model card",
            "NVIDIA A100 80GB",
            1_720_320.0,
            400.0,
            None,
            None,
            None,
            291.42,
            70e9,
            2.0e12,
        ),
        Preset(
            "T5 11B",
            "Patterson et al. 2021, Table 4 (arXiv:2104.10350)",
            "Google TPU v3",
            512 * 20 * HOURS_PER_DAY,
            310.0,
            1.12,
            545.0,
            85.7,
            46.7,
            11e9,
            None,
            4.05e22,
            45.6e12,
        ),
        Preset(
            "Meena 2.6B",
            "Patterson et al. 2021, Table 4 (arXiv:2104.10350)",
            "Google TPU v3",
            1024 * 30 * HOURS_PER_DAY,
            289.0,
            1.09,
            415.0,
            232.0,
            96.4,
            2.6e9,
            None,
            1.12e23,
            42.3e12,
        ),
        Preset(
            "BERT-base",
            "Strubell, Ganesh & McCallum 2019 (ACL 2019), Table 3",
            "64 NVIDIA V100",
            79.2,
            12_041.51,
            1.58,
            0.954 * 453.592,
            1.507,
            1438 * 0.000453592,
            110e6,
            None,
            None,
            None,
        ),
    )
}


def readable(x: float) -> str:
    """A number as a learner reads it: 3,552,000 rather than 3.552e+06; very large or small ones in e-notation."""
    return f"{x:,.0f}" if 1e3 <= abs(x) < 1e12 else f"{x:.4g}"


def check(name: str, value, low: float, high: float) -> float:
    """``value`` as a float in [low, high], or a ConfigError that says what is wanted."""
    if isinstance(value, bool):
        value = None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}.") from None
    if not math.isfinite(v):
        raise ConfigError(f"{name} must be a finite number from {low:g} to {high:g}, got {value!r}.")
    if not low <= v <= high:
        raise ConfigError(f"{name} must be from {low:g} to {high:g}, got {v:g}.")
    return v


def energy_kwh(accelerator_hours: float, watts: float, pue: float = 1.0) -> float:
    """Patterson et al. 2021: kWh = accelerator-hours x average watts / 1000 x PUE."""
    hours = check("Accelerator-hours", accelerator_hours, 1e-9, 1e12)
    w = check("Power per accelerator (W)", watts, 1e-3, 1e6)
    return hours * w / 1000.0 * check("PUE", pue, 1.0, 3.0)


def carbon_kg(kwh: float, g_per_kwh: float) -> float:
    """Location-based carbon: kg CO2e = kWh x grid g/kWh / 1000."""
    return check("Energy (kWh)", kwh, 0.0, 1e12) * check("Grid intensity (g/kWh)", g_per_kwh, 0.0, 2000.0) / 1000.0


def training_flops(parameters: float, tokens: float) -> float:
    """Kaplan et al. 2020: C ~ 6 N D (2 N per token forward, 4 N backward)."""
    return 6.0 * check("Parameters", parameters, 1.0, 1e15) * check("Tokens (samples seen)", tokens, 1.0, 1e16)


def hours_from_flops(flops: float, peak_flops: float, utilisation: float) -> float:
    """Accelerator-hours = FLOPs / (peak FLOP/s x utilisation) / 3600."""
    f = check("FLOPs", flops, 1.0, 1e30)
    rate = check("Peak FLOP/s", peak_flops, 1e6, 1e18) * check("Utilisation", utilisation, 1e-4, 1.0)
    return f / rate / 3600.0


@dataclass(frozen=True)
class Line:
    quantity: str  # what is compared, with its unit
    formula: str  # the arithmetic, term by term, with the preset's numbers
    computed: float
    published: float | None  # None: the source gives no figure
    note: str = ""

    @property
    def difference_pct(self) -> float | None:
        """(computed - published) / published in percent; None when nothing was published."""
        if self.published in (None, 0):
            return None
        return 100.0 * (self.computed - self.published) / self.published


def reproduce(p: Preset) -> list[Line]:
    """Every published figure of a preset recomputed from its own published inputs."""
    pue = p.pue if p.pue is not None else 1.0
    kwh = energy_kwh(p.accelerator_hours, p.watts, pue)
    lines = [
        Line(
            "Energy (MWh)",
            f"{p.accelerator_hours:,.0f} h x {p.watts:,.2f} W x PUE {pue:g} / 1e6",
            kwh / 1000.0,
            p.energy_mwh,
        )
    ]
    if p.g_per_kwh is not None:
        lines.append(
            Line(
                "Carbon (t CO2e)",
                f"{kwh / 1000:,.1f} MWh x {p.g_per_kwh:.1f} g/kWh / 1e3",
                carbon_kg(kwh, p.g_per_kwh) / 1000.0,
                p.tco2e,
            )
        )
    else:
        implied = p.tco2e * 1e6 / kwh
        lines.append(
            Line(
                "Carbon (t CO2e)",
                "no grid intensity published",
                math.nan,
                p.tco2e,
                f"Not reproducible from its own inputs: the source states no intensity. The implied "
                f"intensity x PUE is {implied:.0f} g/kWh.",
            )
        )
    if p.flops and p.achieved_flops:
        lines.append(
            Line(
                "Accelerator-hours from FLOPs",
                f"{p.flops:.3g} FLOPs / {p.achieved_flops / 1e12:g} TFLOP/s / 3600",
                p.flops / p.achieved_flops / 3600.0,
                p.accelerator_hours,
            )
        )
    if p.parameters and p.tokens:
        flops = training_flops(p.parameters, p.tokens)
        lines.append(Line("Training FLOPs (6ND)", f"6 x {p.parameters:.3g} x {p.tokens:.3g}", flops, p.flops))
        if p.achieved_flops:
            hours = flops / p.achieved_flops / 3600.0
            lines.append(
                Line(
                    "Energy via 6ND (MWh)",
                    f"6ND / {p.achieved_flops / 1e12:g} TFLOP/s = {hours:,.0f} h, x {p.watts:g} W x PUE {pue:g}",
                    energy_kwh(hours, p.watts, pue) / 1000,
                    p.energy_mwh,
                )
            )
        else:
            implied = flops / (p.accelerator_hours * 3600.0)
            lines.append(
                Line(
                    "Achieved FLOP/s per accelerator",
                    "6ND / accelerator-seconds",
                    implied,
                    None,
                    "No achieved FLOP/s is published, so the 6ND energy path is not checked; this is "
                    "the rate the published hours imply.",
                )
            )
    return lines


@dataclass(frozen=True)
class WhatIf:
    accelerator_hours: float
    kwh: float  # including PUE
    kg_co2e: float
    formula: str  # the arithmetic, term by term


def what_if(accelerator_hours: float, watts: float, pue: float, g_per_kwh: float) -> WhatIf:
    """The calculator's hours x power path, with its arithmetic written out."""
    kwh = energy_kwh(accelerator_hours, watts, pue)
    kg = carbon_kg(kwh, g_per_kwh)
    return WhatIf(
        accelerator_hours,
        kwh,
        kg,
        f"{readable(accelerator_hours)} h x {watts:g} W x PUE {pue:g} = "
        f"{readable(kwh)} kWh; x {g_per_kwh:g} g/kWh = {readable(kg)} kg CO2e",
    )


def what_if_flops(
    parameters: float, tokens: float, accelerator: Accelerator, utilisation: float, pue: float, g_per_kwh: float
) -> WhatIf:
    """The 6ND path: FLOPs -> accelerator-hours at peak x utilisation -> energy -> carbon."""
    flops = training_flops(parameters, tokens)
    hours = hours_from_flops(flops, accelerator.peak_flops, utilisation)
    w = what_if(hours, accelerator.watts, pue, g_per_kwh)
    return WhatIf(
        hours,
        w.kwh,
        w.kg_co2e,
        f"6 x {parameters:.3g} x {tokens:.3g} = {flops:.3g} FLOPs; / ({accelerator.peak_flops:.3g}"
        f" FLOP/s x {utilisation:g}) / 3600 = {readable(hours)} h; " + w.formula,
    )
