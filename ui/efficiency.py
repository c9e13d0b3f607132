"""Widgets and cached work of the efficiency page: the calculator, the measured runs, the lab, distillation.

Every measurement is appended to one log (``st.session_state["ef_log"]``) with its conditions, so
the page can offer all of it as one CSV.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from core import bigmodel_data, carbon, compression, distill, energy, models, train, zoo
from core.errors import CoreError


@st.cache_resource(show_spinner=False)
def meter() -> energy.Meter:
    """One Zeus monitor for the process (opening NVML/RAPL is slow; reading it is not)."""
    return energy.Meter()


def log(kind: str, row: dict) -> None:
    """Keep one measurement with its conditions, for the CSV."""
    m = meter()
    st.session_state.setdefault("ef_log", []).append({
        "kind": kind, "time": time.strftime("%Y-%m-%d %H:%M:%S"), **row, "energy_source": m.source,
        "energy_is_estimate": m.source == energy.ESTIMATE,
        "estimate_watts": energy.estimate_watts() if m.source == energy.ESTIMATE else None, **energy.conditions()})


def number(label: str, default: float, key: str, help: str | None = None) -> float | None:
    """A free-text number box: anything typed is checked by core, which says what is wrong."""
    raw = st.text_input(label, str(default), key=key, help=help)
    try:
        return float(raw.replace(",", "").replace("_", ""))
    except ValueError:
        return raw


def energy_source_note() -> None:
    m = meter()
    if m.source == energy.ESTIMATE:
        st.warning(f"**Energy here is an estimate, not a reading.** {m.reason} Every energy figure on this page is "
                   f"time x {energy.estimate_watts():g} W ({energy.WATTS_PER_CORE:g} W per core x {energy.cores()} "
                   "cores: a stated figure) and is labelled *estimate*, in the CSV too.", icon="⚠️")
    else:
        st.success(f"Energy is measured by Zeus from {m.source}.")


def preset_table(p: carbon.Preset) -> pd.DataFrame:
    return pd.DataFrame([{"quantity": line.quantity, "formula (its own inputs)": line.formula,
                          "computed": f"{line.computed:,.4g}", "published": "-" if line.published is None
                          else f"{line.published:,.4g}", "difference": "-" if line.difference_pct is None
                          or line.difference_pct != line.difference_pct else f"{line.difference_pct:+.2f}%",
                          "note": line.note} for line in carbon.reproduce(p)])


def region_picker(key: str) -> tuple[float | str, str]:
    names = list(carbon.REGIONS) + ["Free value"]
    name = st.selectbox("Grid (location-based intensity)", names, key=key)
    if name == "Free value":
        return number("Grid intensity (g CO2e/kWh)", 400, f"{key}_free"), "your value"
    r = carbon.REGIONS[name]
    return r.g_per_kwh, f"{r.g_per_kwh:g} g/kWh: {r.source}"


def run_training(model_name: str, epochs: int, n_samples: int, flop_rate: float, watts: float, g: float, pue: float):
    """Predict, then train with energy measured per epoch; returns the run's row (and logs it)."""
    ds = bigmodel_data.load(n_samples) if model_name == "bigmodel" else cache_dataset(model_name)
    model = models.build(model_name if model_name == "bigmodel" else "mlp", **(
        {} if model_name == "bigmodel" else {"in_features": ds.n_features, "widths": (32, 32),
                                            "out_features": ds.n_classes}))
    n = models.n_parameters(model)
    pred = energy.predict(n, epochs * len(ds.X_train), flop_rate, watts)
    bar = st.progress(0.0, text="Training...")

    def go(on_epoch):
        def cb(e):
            on_epoch(e)
            bar.progress(e["epoch"] / e["epochs"], text=f"epoch {e['epoch']} of {e['epochs']}")
        return train.fit(model, ds, on_epoch=cb, optimizer="adam", lr=0.001, epochs=epochs, batch_size=64,
                         record_trajectory=False)
    _hist, trace = energy.traced(meter(), go)
    bar.empty()
    metric = zoo.score(ds.task, train.predict(model, ds.X_val), ds.y_val)[zoo.headline(ds.task)]
    row = {"run": f"{model_name} x {epochs} ep", "model": model_name, "parameters": n, "samples_seen": epochs * len(ds.X_train),
           "flops": pred.flops, "predicted_seconds": pred.seconds, "measured_seconds": trace.total_seconds,
           "predicted_joules": pred.joules, "measured_joules": trace.joules, "stated_flop_rate": flop_rate,
           "stated_watts": watts, "pue": pue, "g_per_kwh": g, "kg_co2e": carbon.carbon_kg(trace.joules * pue / 3.6e6, g),
           "validation_" + zoo.headline(ds.task): metric, "batch": 64, "threads": energy.cores(),
           "energy_window": "per epoch", "power_trace": (trace.seconds, trace.watts)}
    st.session_state.setdefault("ef_runs", []).append(row)
    log("training", {k: v for k, v in row.items() if k != "power_trace"})
    return row


@st.cache_data(show_spinner=False)
def cache_dataset(name: str):
    from core import data
    return data.load(name)


def lab_rows(entry_name: str, batch: int) -> list[dict]:
    bar = st.progress(0.0, text="Measuring...")
    variants = compression.lab(zoo.entry(entry_name), meter(), batch=batch,
                               progress=lambda f, what: bar.progress(f, text=f"Measuring {what}..."))
    bar.empty()
    rows = [{"variant": v.name, "kilobytes": v.bytes / 1e3, "latency batch 1 (ms)": v.latency_1_ms,
             f"latency batch {batch} (ms)": v.latency_batch_ms, "J per 1,000 inferences": v.joules_per_1000,
             v.metric_name: v.metric, "energy source": v.energy_source, "note": v.note} for v in variants]
    for r in rows:
        log("compression", {"model": entry_name, "batch": batch, **r})
    return rows, compression.verdicts(variants)


def distill_run(teacher_name: str, cfg: distill.DistillConfig, seeds: tuple) -> distill.Comparison:
    bar = st.progress(0.0, text="Training students...")
    teacher = zoo.load_model(zoo.entry(teacher_name))
    result = distill.compare(teacher, zoo.dataset_of(zoo.entry(teacher_name)), cfg, seeds,
                             progress=lambda f: bar.progress(min(1.0, f), text="Training students..."))
    bar.empty()
    log("distillation", {"model": teacher_name, "temperature": cfg.temperature, "alpha": cfg.alpha,
                         "student_widths": str(cfg.widths), "seeds": str(seeds), "teacher_accuracy": result.teacher_accuracy,
                         "distilled_mean": sum(result.distilled) / len(seeds),
                         "label_only_mean": sum(result.label_only) / len(seeds)})
    return result


def ladder_rows(run: dict | None) -> list[dict]:
    rows = []
    if run:
        rows.append({"model": f"your run ({run['model']})", "kind": "your run", "parameters": run["parameters"],
                     "training FLOPs": run["flops"], "energy (kWh)": run["measured_joules"] / 3.6e6,
                     "carbon (kg CO2e)": run["kg_co2e"]})
    big = models.n_parameters(models.build("bigmodel"))
    # the article's BigModel run: 1,000 full-batch epochs; here on 3,000 samples, at the stated CPU figures
    p = energy.predict(big, 1000 * 3000, energy.CPU_FLOPS_PER_CORE * energy.cores(), energy.estimate_watts())
    rows.append({"model": "BigModel, 1,000 epochs x 3,000 samples (predicted)", "kind": "BigModel", "parameters": big,
                 "training FLOPs": p.flops, "energy (kWh)": p.joules / 3.6e6,
                 "carbon (kg CO2e)": carbon.carbon_kg(p.joules / 3.6e6, carbon.REGIONS["World"].g_per_kwh)})
    for pr in carbon.PRESETS.values():
        lines = {line.quantity: line for line in carbon.reproduce(pr)}
        kwh = lines["Energy (MWh)"].computed * 1000
        rows.append({"model": pr.name, "kind": "published", "parameters": pr.parameters,
                     "training FLOPs": pr.flops or (6 * pr.parameters * pr.tokens if pr.tokens else None),
                     "energy (kWh)": kwh, "carbon (kg CO2e)": (pr.tco2e or 0) * 1000})
    return rows


def show_error(e: CoreError) -> None:
    st.error(str(e))



