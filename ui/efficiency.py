"""The efficiency page's settings, its energy meter and log, and the big-model calculator.

Every measurement is appended to one log (``st.session_state["ef_log"]``) with its conditions, so
the page can offer all of it as one CSV. The measured work itself lives in ui/efficiency_runs.py.
"""

from __future__ import annotations

import math
import time

import pandas as pd
import streamlit as st

from core import carbon, energy, models
from ui import url_state
from ui.i18n import N_, _

TEACHERS = ("digits_mlp", "iris_mlp", "moons_mlp")
RUN_MODELS = {
    "bigmodel": N_("The articles' BigModel 1000-200-100-1 (known answer)"),
    "moons": N_("moons, MLP 2-32-32-2"),
    "digits": N_("digits, MLP 64-32-32-10"),
}
FREE = "free"
SOURCE_GRID = "source"  # the published run's own grid intensity
LABELS = (50, 100, 200, 500, 0)  # 0: every training sample keeps its label

SETTINGS = url_state.Schema(
    "efficiency",
    (
        url_state.Choice("preset", "GPT-3 175B", key="ef_preset", choices=tuple(carbon.PRESETS)),
        url_state.Choice("acc", "NVIDIA V100 SXM2", key="ef_acc", choices=tuple(carbon.ACCELERATORS)),
        url_state.Float("hours", 3_552_000.0, key="ef_hours", low=0.0, high=1e12),
        url_state.Float("watts", 330.0, key="ef_watts", low=0.0, high=1e6),
        url_state.Float("pue", 1.1, key="ef_pue", low=1.0, high=3.0),
        url_state.Choice("region", SOURCE_GRID, key="ef_region", choices=(SOURCE_GRID, *carbon.REGIONS, FREE)),
        url_state.Float("grid", 400.0, key="ef_grid", low=0.0, high=2000.0),
        url_state.Choice("run_model", "moons", key="ef_run_model", choices=tuple(RUN_MODELS)),
        url_state.Int("run_epochs", 3, key="ef_run_epochs", low=1, high=50),
        url_state.Choice("teacher", "digits_mlp", key="ef_kd_teacher", choices=TEACHERS),
        url_state.Float("T", 4.0, key="ef_kd_T", low=0.5, high=50.0),
        url_state.Float("alpha", 0.9, key="ef_kd_alpha", low=0.0, high=1.0),
        url_state.Int("width", 8, key="ef_kd_width", low=1, high=256),
        url_state.Choice("labels", 100, key="ef_kd_labels", choices=LABELS),
    ),
)

REGION_NAMES = {
    SOURCE_GRID: N_("The published run's own grid"),
    "World": N_("World"),
    "World (IEA 2019)": N_("World (IEA 2019)"),
    "China": N_("China"),
    "India": N_("India"),
    "United States": N_("United States"),
    "Germany": N_("Germany"),
    "United Kingdom": N_("United Kingdom"),
    "France": N_("France"),
    "Sweden": N_("Sweden"),
    "Norway": N_("Norway"),
    FREE: N_("Free value"),
}
QUANTITIES = {
    "Energy (MWh)": N_("Energy (MWh)"),
    "Carbon (t CO2e)": N_("Carbon (t CO2e)"),
    "Accelerator-hours from FLOPs": N_("Accelerator-hours from FLOPs"),
    "Training FLOPs (6ND)": N_("Training FLOPs (6ND)"),
    "Energy via 6ND (MWh)": N_("Energy via 6ND (MWh)"),
    "Achieved FLOP/s per accelerator": N_("Achieved FLOP/s per accelerator"),
}
PRESET_NOTES = {
    "GPT-3 175B": N_("10,000 GPUs for 14.8 days; 330 W is the measured system power per GPU."),
    "BLOOM 176B": N_(
        "Dynamic consumption only, at the GPUs' rated power, with no PUE stated (PUE 1 here). With idle power (14.6 t) and embodied "
        "emissions (11.2 t) the paper's total is 50.5 t. No achieved FLOP/s is published, so the 6ND "
        "path cannot be checked."
    ),
    "Llama 2 7B": N_(
        "The card's 400 W is the GPU's peak power already adjusted for PUE, so PUE 1 is used here. It "
        "gives no grid intensity: carbon cannot be reproduced from its own inputs."
    ),
    "Llama 2 13B": N_("As Llama 2 7B: 400 W includes PUE, and no grid intensity is published."),
    "Llama 2 70B": N_("As Llama 2 7B: 400 W includes PUE, and no grid intensity is published."),
    "T5 11B": N_(
        "512 chips for 20 days. T5 is an encoder-decoder, so 6ND (a rule for decoder-only models) does not apply."
    ),
    "Meena 2.6B": N_("1,024 chips for 30 days."),
    "BERT-base": N_(
        "One 79.2-hour run of a 64-GPU machine: the hours are machine-hours and the power is the "
        "whole machine's (12,041.51 W). The paper's 0.954 lb/kWh (US EPA) is 432.7 g/kWh; 1,438 lb is "
        "0.652 t."
    ),
}

_LLAMA_CHECKED = N_("GPU-hours, 400 W and t CO2eq per size, from the model card's table (Hugging Face, meta-llama)")
CHECKED = {  # what of each preset was checked against a source's text for this page; absent: not yet checked
    "GPT-3 175B": N_("14.8 days and 1,287 MWh, from a secondary source quoting Table 4; the rest not yet checked"),
    "Llama 2 7B": _LLAMA_CHECKED,
    "Llama 2 13B": _LLAMA_CHECKED,
    "Llama 2 70B": _LLAMA_CHECKED,
    "BERT-base": N_("PUE 1.58, from a summary of the paper; hours, power and pounds not yet checked"),
}


@st.cache_resource(show_spinner=False)
def meter() -> energy.Meter:
    """One Zeus monitor for the process (opening NVML/RAPL is slow; reading it is not)."""
    return energy.Meter()


def log(kind: str, row: dict) -> None:
    """Keep one measurement with its conditions, for the CSV."""
    m = meter()
    st.session_state.setdefault("ef_log", []).append(
        {
            "kind": kind,
            "time": time.strftime("%Y-%m-%d %H:%M:%S"),
            **row,
            "energy_source": m.source,
            "energy_is_estimate": m.source == energy.ESTIMATE,
            "estimate_watts": energy.estimate_watts() if m.source == energy.ESTIMATE else None,
            **energy.conditions(),
        }
    )


def energy_source_note() -> None:
    m = meter()
    if m.source == energy.ESTIMATE:
        st.warning(
            _(
                "**Energy here is an estimate, not a reading.** No energy counter could be read on this machine "
                "(no NVIDIA GPU with NVML, no readable RAPL counter). Every energy figure on this page is time x "
                "{w:g} W ({per:g} W per core x {n} cores: a stated figure) and is labelled *estimate*, in the CSV "
                "too."
            ).format(w=energy.estimate_watts(), per=energy.WATTS_PER_CORE, n=energy.cores()),
            icon="⚠️",
        )
        if m.reason.startswith("No NVIDIA GPU with NVML"):
            st.caption(
                _("Why: Zeus found no NVIDIA GPU with NVML, and /sys/class/powercap (RAPL) is {state} here.").format(
                    state=_("absent") if "absent" in m.reason else _("not readable")
                )
            )
        else:
            st.caption(_("Why: {reason}").format(reason=m.reason))
    else:
        st.success(_("Energy is measured by Zeus from {source}.").format(source=m.source))


def on_preset() -> None:
    """A new preset starts the what-if from its own published inputs."""
    p = carbon.PRESETS[st.session_state["ef_preset"]]
    st.session_state.update(
        ef_hours=float(p.accelerator_hours),
        ef_watts=float(p.watts),
        ef_pue=float(p.pue or 1.0),
        ef_n=float(p.parameters or 1e9),
        ef_d=float(p.tokens or 2e10),
    )


def on_accelerator() -> None:
    st.session_state["ef_watts"] = carbon.ACCELERATORS[st.session_state["ef_acc"]].watts


def preset_caption(p: carbon.Preset) -> str:
    text = _("Source: {citation}. Hardware: {hw}.").format(citation=p.citation, hw=p.accelerator)
    if p.name in PRESET_NOTES:
        text += " " + _(PRESET_NOTES[p.name])
    if p.name in CHECKED:
        return text + " " + _("Checked against the source: {what}.").format(what=_(CHECKED[p.name]))
    return text + " " + _("These inputs were typed from the paper and not yet checked against its text.")


def preset_table(p: carbon.Preset) -> pd.DataFrame:
    rows = []
    for line in carbon.reproduce(p):
        diff = line.difference_pct
        note = ""
        if math.isnan(line.computed):
            implied = p.tco2e * 1e6 / (carbon.energy_kwh(p.accelerator_hours, p.watts, p.pue or 1.0))
            note = _(
                "Not reproducible from its own inputs: the source states no grid intensity. The implied "
                "intensity is {g:.0f} g/kWh."
            ).format(g=implied)
        elif line.published is None:
            note = _(
                "No achieved FLOP/s is published, so the 6ND energy path is not checked; this is the rate the "
                "published hours imply."
            )
        rows.append(
            {
                _("quantity"): _(QUANTITIES[line.quantity]),
                _("formula (its own inputs)"): "-" if math.isnan(line.computed) else line.formula,
                _("computed"): "-" if math.isnan(line.computed) else f"{line.computed:,.4g}",
                _("published"): "-" if line.published is None else f"{line.published:,.4g}",
                _("difference"): "-" if diff is None or math.isnan(diff) else f"{diff:+.2f}%",
                _("note"): note,
            }
        )
    return pd.DataFrame(rows)


def preset_table_index() -> str:
    return _("quantity")


def region_picker(preset: carbon.Preset) -> tuple[float, str]:
    """(grid g/kWh, where it comes from) from the bound region control and the clamped free value."""
    name = st.selectbox(
        _("Grid (location-based intensity)"),
        list(REGION_NAMES),
        key="ef_region",
        format_func=lambda r: _(REGION_NAMES[r]),
    )
    if name == SOURCE_GRID and preset.g_per_kwh is not None:
        return preset.g_per_kwh, _("{g:.1f} g/kWh, as published for this run").format(g=preset.g_per_kwh)
    if name == SOURCE_GRID:
        w = carbon.REGIONS["World"]
        return w.g_per_kwh, _(
            "the source publishes none, so the world average: {g:g} g/kWh ({source}, year {year})"
        ).format(g=w.g_per_kwh, source=w.source, year=w.year)
    if name == FREE:
        g = st.number_input(_("Grid intensity (g CO2e/kWh, 0 to 2000)"), 0.0, 2000.0, step=10.0, key="ef_grid")
        return float(g), _("your value")
    r = carbon.REGIONS[name]
    return r.g_per_kwh, _("{g:g} g/kWh ({source}, year {year})").format(g=r.g_per_kwh, source=r.source, year=r.year)


def ladder_rows(run: dict | None) -> list[dict]:
    rows = []
    if run:
        rows.append(
            {
                "model": _("your run ({model})").format(model=run["model"]),
                "kind": "your run",
                "parameters": run["parameters"],
                "training FLOPs": run["flops"],
                "energy (kWh)": run["measured_joules"] / 3.6e6,
                "carbon (kg CO2e)": run["kg_co2e"],
            }
        )
    big = models.n_parameters(models.build("bigmodel"))
    # the article's BigModel run: 1,000 full-batch epochs; here on 3,000 samples, at the stated CPU figures
    p = energy.predict(big, 1000 * 3000, energy.CPU_FLOPS_PER_CORE * energy.cores(), energy.estimate_watts())
    rows.append(
        {
            "model": _("BigModel, 1,000 epochs x 3,000 samples (predicted)"),
            "kind": "BigModel",
            "parameters": big,
            "training FLOPs": p.flops,
            "energy (kWh)": p.joules / 3.6e6,
            "carbon (kg CO2e)": carbon.carbon_kg(p.joules / 3.6e6, carbon.REGIONS["World"].g_per_kwh),
        }
    )
    for pr in carbon.PRESETS.values():
        lines = {line.quantity: line for line in carbon.reproduce(pr)}
        rows.append(
            {
                "model": pr.name,
                "kind": "published",
                "parameters": pr.parameters,
                "training FLOPs": pr.flops or (6 * pr.parameters * pr.tokens if pr.tokens else None),
                "energy (kWh)": lines["Energy (MWh)"].computed * 1000,
                "carbon (kg CO2e)": (pr.tco2e or 0) * 1000,
            }
        )
    return rows


def zoo_entries() -> list[dict]:
    """The zoo's fp32 models, each the reference of its compression lab."""
    from core import zoo

    return [e for e in zoo.load_manifest()["models"] if e["precision"] == "fp32"]
