"""The efficiency page's measured work: a training run (predict, then measure), the compression lab and
distillation. Each result is kept with the settings it was made with, so the page can tell a stale one."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from core import bigmodel_data, carbon, compression, data, distill, energy, models, train, zoo
from ui import work_queue
from ui.charts import efficiency as ec
from ui.efficiency import log, meter
from ui.i18n import N_, _

VARIANTS = {
    "PyTorch eager": N_("PyTorch eager"),
    "fp32 ONNX": N_("fp32 ONNX"),
    "int8 dynamic": N_("int8 dynamic"),
    "int8 static": N_("int8 static"),
    "fp16": N_("fp16"),
}
VARIANT_NOTES = {
    "PyTorch eager": N_("torch.no_grad, eval mode"),
    "fp32 ONNX": N_("the zoo's exported file"),
    "int8 dynamic": N_("weights int8, activations quantized at run time"),
    "int8 static": N_("weights and activations int8, ranges calibrated on 256 training samples"),
    "fp16": N_("weights and arithmetic in half precision"),
}


@st.cache_data(show_spinner=False)
def cache_dataset(name: str):
    return data.load(name)


def run_training(
    model_name: str, epochs: int, n_samples: int, flop_rate: float, watts: float, g: float, pue: float, settings: tuple
) -> dict:
    """Predict, then train with energy measured per epoch; the run's row is kept with ``settings`` (and logged)."""
    ds = bigmodel_data.load(n_samples) if model_name == "bigmodel" else cache_dataset(model_name)
    model = models.build(
        model_name if model_name == "bigmodel" else "mlp",
        **(
            {}
            if model_name == "bigmodel"
            else {"in_features": ds.n_features, "widths": (32, 32), "out_features": ds.n_classes}
        ),
    )
    n = models.n_parameters(model)
    pred = energy.predict(n, epochs * len(ds.X_train), flop_rate, watts)
    bar = st.progress(0.0, text=_("Training..."))

    def go(on_epoch):
        def cb(e):
            on_epoch(e)
            bar.progress(
                e["epoch"] / e["epochs"], text=_("Epoch {n} of {total}").format(n=e["epoch"], total=e["epochs"])
            )

        return train.fit(
            model, ds, on_epoch=cb, optimizer="adam", lr=0.001, epochs=epochs, batch_size=64, record_trajectory=False
        )

    with work_queue.heavy_slot(_("training")):
        _hist, trace = energy.traced(meter(), go)
    bar.empty()
    metric = zoo.score(ds.task, train.predict(model, ds.X_val), ds.y_val)[zoo.headline(ds.task)]
    row = {
        "run": f"{model_name} ×{epochs}",
        "model": model_name,
        "parameters": n,
        "samples_seen": epochs * len(ds.X_train),
        "flops": pred.flops,
        "predicted_seconds": pred.seconds,
        "measured_seconds": trace.total_seconds,
        "predicted_joules": pred.joules,
        "measured_joules": trace.joules,
        "stated_flop_rate": flop_rate,
        "stated_watts": watts,
        "pue": pue,
        "g_per_kwh": g,
        "kg_co2e": carbon.carbon_kg(trace.joules * pue / 3.6e6, g),
        "validation_" + zoo.headline(ds.task): metric,
        "batch": 64,
        "threads": energy.cores(),
        "energy_window": "per epoch",
        "power_trace": (trace.seconds, trace.watts),
        "settings": settings,
    }
    st.session_state.setdefault("ef_runs", []).append(row)
    log("training", {k: v for k, v in row.items() if k not in ("power_trace", "settings")})
    return row


def lab_rows(entry_name: str, batch: int) -> tuple[list[dict], list[str]]:
    bar = st.progress(0.0, text=_("Measuring..."))
    with work_queue.heavy_slot(_("the compression lab")):
        variants = compression.lab(
            zoo.entry(entry_name),
            meter(),
            batch=batch,
            progress=lambda f, what: bar.progress(
                f, text=_("Measuring {what}...").format(what=_(VARIANTS.get(what, what)) if what != "done" else "")
            ),
        )
    bar.empty()
    rows = []
    for v in variants:
        provider = v.note.rsplit("; ", 1)[-1] if v.bytes and v.name != "PyTorch eager" else ""
        note = _(VARIANT_NOTES[v.name]) + (f"; {provider}" if provider else "") if v.bytes else v.note
        rows.append(
            {
                "variant": v.name,
                "kilobytes": v.bytes / 1e3,
                "latency_1_ms": v.latency_1_ms,
                "latency_batch_ms": v.latency_batch_ms,
                "joules_per_1000": v.joules_per_1000,
                v.metric_name: v.metric,
                "energy_source": v.energy_source,
                "note": note,
            }
        )
    for r in rows:
        log("compression", {"model": entry_name, "batch": batch, **r})
    return rows, verdicts(variants)


def lab_table(rows: list[dict], batch: int) -> pd.DataFrame:
    metric = next(k for k in rows[0] if k in ("accuracy", "r2"))
    names = {k: _(v) for k, v in VARIANTS.items()}
    return pd.DataFrame(
        [
            {
                _("variant"): names[r.get("variant")],
                _("kilobytes"): _fmt(r["kilobytes"], ".1f"),
                _("latency batch 1 (ms)"): _fmt(r["latency_1_ms"], ".3g"),
                _("latency batch {b} (ms)").format(b=batch): _fmt(r["latency_batch_ms"], ".3g"),
                _("J per 1,000 inferences"): _fmt(r["joules_per_1000"], ".3g"),
                (_("accuracy") if metric == "accuracy" else "R²"): _fmt(r[metric], ".4f"),
                _("energy source"): _("estimate") if r["energy_source"] == energy.ESTIMATE else r["energy_source"],
                _("note"): r["note"],
            }
            for r in rows
        ]
    )


def _fmt(x: float, spec: str) -> str:
    return "-" if x is None or not x or math.isnan(x) else format(x, spec)


def verdicts(variants: list[compression.Variant]) -> list[str]:
    """Where compression does not pay (or does), against the fp32 ONNX file, in the reader's language."""
    ref = next(v for v in variants if v.name == "fp32 ONNX")
    lines = []
    for v in variants:
        if v.name in ("fp32 ONNX", "PyTorch eager") or not v.bytes:
            continue
        name, ratio = _(VARIANTS[v.name]), v.bytes / ref.bytes
        if ratio >= 1:
            lines.append(
                _(
                    "{name}: the file is {r:.2f}x the fp32 file: LARGER. The quantization parameters and extra "
                    "nodes outweigh the saving on so few weights; compression does not pay here."
                ).format(name=name, r=ratio)
            )
        else:
            lines.append(_("{name}: {p:.0%} of the fp32 file.").format(name=name, p=ratio))
        if v.latency_batch_ms > ref.latency_batch_ms * 1.05:
            lines.append(
                _(
                    "{name}: {x:.1f}x SLOWER than fp32 at batch {b}: the (de)quantize steps cost more than the "
                    "int8 arithmetic saves."
                ).format(name=name, x=v.latency_batch_ms / ref.latency_batch_ms, b=v.batch)
            )
        if ref.metric - v.metric > zoo.INT8_ACC_TOL:
            lines.append(
                _("{name}: the validation score drops by {d:.3f} (tolerance {tol}).").format(
                    name=name, d=ref.metric - v.metric, tol=zoo.INT8_ACC_TOL
                )
            )
    return lines


def distill_run(teacher_name: str, cfg: distill.DistillConfig, seeds: tuple) -> distill.Comparison:
    bar = st.progress(0.0, text=_("Training students..."))
    teacher = zoo.load_model(zoo.entry(teacher_name))
    with work_queue.heavy_slot(_("training")):
        result = distill.compare(
            teacher,
            zoo.dataset_of(zoo.entry(teacher_name)),
            cfg,
            seeds,
            progress=lambda f: bar.progress(min(1.0, f), text=_("Training students...")),
        )
    bar.empty()
    log(
        "distillation",
        {
            "model": teacher_name,
            "temperature": cfg.temperature,
            "alpha": cfg.alpha,
            "student_widths": str(cfg.widths),
            "labels": cfg.labels,
            "epochs": cfg.epochs,
            "seeds": str(seeds),
            "teacher_accuracy": result.teacher_accuracy,
            "distilled_mean": float(np.mean(result.distilled)),
            "label_only_mean": float(np.mean(result.label_only)),
        },
    )
    return result


def distill_table(c: distill.Comparison) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("model"): [_("teacher"), _("distilled student"), _("label-only student")],
            _("parameters"): [f"{n:,}" for n in (c.teacher_parameters, c.student_parameters, c.student_parameters)],
            _("validation accuracy (mean of seeds)"): [
                f"{a:.3f}" for a in (c.teacher_accuracy, float(np.mean(c.distilled)), float(np.mean(c.label_only)))
            ],
        }
    )


def distill_verdict(c: distill.Comparison) -> None:
    """Say plainly whether distillation paid for these settings."""
    n = len(c.seeds)
    gain = _("{gain:+.1f} points on average; better on {won} of {n} seeds").format(
        gain=100 * c.mean_gain, won=c.seeds_won, n=n
    )
    if c.seeds_won == n and c.mean_gain > 0.005:
        st.success(_("Distillation pays here: {gain}.").format(gain=gain))
    elif c.mean_gain > 0:
        st.info(_("Distillation helps a little here, not on every seed: {gain}.").format(gain=gain))
    else:
        st.warning(
            _(
                "Distillation does not pay for these settings: {gain}. With every label, the labels alone teach this small "
                "student as well or better; the teacher's soft targets pay most when labels are few and the "
                "teacher can speak for the unlabelled rest."
            ).format(gain=gain)
        )


def show_runs(runs_done: list[dict], settings: tuple) -> None:
    """The last run's measured figures against its prediction, its power over time, and every run's pair."""
    if not runs_done:
        return
    r = runs_done[-1]
    if r["settings"] != settings:
        st.warning(
            _(
                "The settings changed since this run: the figures below belong to the previous settings. "
                "Press the button to measure these."
            )
        )
    cols, notes = st.columns(3), []
    for col, what, unit, label in zip(cols, ("seconds", "joules"), ("s", "J"), (_("Time"), _("Energy"))):
        col.metric(_("{q}, measured").format(q=label), f"{r[f'measured_{what}']:.3g} {unit}")
        notes.append(
            _("{q}: predicted {p:.3g} {u}, {verdict}").format(
                q=label,
                p=r[f"predicted_{what}"],
                u=unit,
                verdict=prediction_error(r[f"predicted_{what}"], r[f"measured_{what}"]),
            )
        )
    cols[2].metric(_("Carbon"), f"{r['kg_co2e'] * 1000:.3g} g CO2e")
    st.markdown(
        _("**The prediction.** {t}. {e}. Carbon at {g:g} g/kWh and PUE {pue:g}.").format(
            t=notes[0], e=notes[1], g=r["g_per_kwh"], pue=r["pue"]
        )
    )
    st.caption(
        _(
            "FLOPs predict the time of large matrix products. A small network spends most of its time on "
            "per-step overhead (Python, the optimizer, tiny matrices), so its prediction is far too low; the "
            "larger the network, the more the FLOPs dominate."
        )
    )
    estimated = meter().source == energy.ESTIMATE
    st.caption(
        _("Last run: {run}, {p:,} parameters, {s:,} samples seen. Energy: {src}.").format(
            run=r["run"],
            p=r["parameters"],
            s=r["samples_seen"],
            src=_("estimate (time x stated power)") if estimated else meter().source,
        )
    )
    st.altair_chart(ec.power_over_time(*r["power_trace"], estimated), key="ef_power_chart")
    if estimated:
        st.caption(
            _(
                "With no energy counter the power is the stated figure itself, so this line is flat by "
                "construction: it shows when each epoch ended, not how the power moved. On a GPU (NVML) or a "
                "CPU with RAPL, each point is the measured average power of its epoch."
            )
        )
    st.altair_chart(ec.predicted_vs_measured(runs_done), key="ef_scatter")


def prediction_error(predicted: float, measured: float) -> str:
    """The prediction's error in words: a percentage when close, a factor when off by more than 2x."""
    ratio = predicted / measured
    if 0.5 <= ratio <= 2:
        return _("off by {e:+.0f}%").format(e=100 * (ratio - 1))
    factor = max(ratio, 1 / ratio)
    x = f"{factor:,.0f}" if factor >= 100 else f"{factor:.3g}"
    return _("{x}x too low").format(x=x) if ratio < 1 else _("{x}x too high").format(x=x)


def show_lab(res: tuple | None, settings: tuple) -> None:
    if not res:
        return
    if res[:2] != settings:
        st.warning(
            _("These measurements belong to {m} at batch {b}; press the button to measure these settings.").format(
                m=res[0], b=res[1]
            )
        )
    st.table(lab_table(res[2], res[1]).set_index(_("variant")))
    metric = next(k for k in res[2][0] if k in ("accuracy", "r2"))
    st.altair_chart(
        ec.tradeoff(res[2], "kilobytes", metric, {k: _(v) for k, v in VARIANTS.items()}), key="ef_lab_chart"
    )
    st.markdown("\n".join("- " + line for line in res[3]))


def show_distill(got: tuple | None, settings: tuple) -> None:
    if not got:
        return
    if got[0] != settings:
        st.warning(_("The results below belong to other settings; press the button to train these."))
    c = got[1]
    st.table(distill_table(c).set_index(_("model")))
    distill_verdict(c)
    st.caption(
        _("Per seed: distilled {d}, labels only {l}.").format(
            d=", ".join(f"{a:.3f}" for a in c.distilled), l=", ".join(f"{a:.3f}" for a in c.label_only)
        )
    )
