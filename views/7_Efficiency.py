"""Efficiency: what learning costs in time, energy and carbon, and what quantization and distillation save."""

import pandas as pd
import streamlit as st

from core import carbon, distill, energy
from core.errors import CoreError
from ui import efficiency as ef
from ui import efficiency_runs as er
from ui import i18n, url_state
from ui.charts import efficiency as ec
from ui.i18n import _

st.set_page_config(page_title="Efficiency", page_icon="⚡", layout="wide")
i18n.setup()
state = url_state.bind(ef.SETTINGS)
url_state.share_link(ef.SETTINGS, state)
st.session_state.setdefault("ef_n", float(carbon.PRESETS[state["preset"]].parameters or 1e9))
st.session_state.setdefault("ef_d", float(carbon.PRESETS[state["preset"]].tokens or 2e10))
st.title(_("Efficiency: time, energy and carbon"))
st.caption(
    _(
        "Half of the source articles is about what large models cost and the remedies they name: quantization, "
        "knowledge distillation, efficient hardware, greener power. Carbon here is location-based: energy x PUE "
        "x the average intensity of the grid, with no offsets."
    )
)
ef.energy_source_note()
calc, runs, lab, kd, csv = st.tabs(
    [
        _("Big-model calculator"),
        _("Predict, then measure"),
        _("Compression lab"),
        _("Knowledge distillation"),
        _("Measurements (CSV)"),
    ]
)

with calc:
    st.latex(r"E = H \times P \times \text{PUE},\quad C = E \times I,\quad \text{FLOPs} \approx 6 N D")
    st.caption(
        _(
            "E: energy; H: accelerator-hours; P: average power per accelerator; PUE: power usage "
            "effectiveness of the datacenter; C: carbon; I: grid carbon intensity; N: parameters; D: training "
            "tokens."
        )
    )
    preset = carbon.PRESETS[
        st.selectbox(_("Published run"), list(carbon.PRESETS), key="ef_preset", on_change=ef.on_preset)
    ]
    st.caption(ef.preset_caption(preset))
    st.table(ef.preset_table(preset).set_index(ef.preset_table_index()))
    st.subheader(_("What if?"))
    st.caption(_("Picking a published run fills these boxes with its own inputs; change any of them."))
    c1, c2, c3 = st.columns(3)
    acc = c1.selectbox(_("Accelerator"), list(carbon.ACCELERATORS), key="ef_acc", on_change=ef.on_accelerator)
    hours = c1.number_input(_("Accelerator-hours"), step=1000.0, format="%.0f", key="ef_hours")
    watts = c2.number_input(_("Power per accelerator (W)"), step=10.0, format="%.2f", key="ef_watts")
    pue = c2.number_input(_("PUE (power usage effectiveness, 1.0 to 3.0)"), 1.0, 3.0, step=0.01, key="ef_pue")
    with c3:
        g, g_src = ef.region_picker(preset)
    try:
        w = carbon.what_if(hours, watts, pue, g)
        m1, m2 = st.columns(2)
        m1.metric(_("Energy"), f"{w.kwh / 1000:,.1f} MWh")
        m2.metric(_("Carbon"), f"{w.kg_co2e / 1000:,.1f} t CO2e")
        st.caption(_("{formula}. Grid: {grid}.").format(formula=w.formula, grid=g_src))
    except CoreError as e:
        st.error(str(e))
    with st.expander(_("The 6 x N x D path")):
        e1, e2, e3 = st.columns(3)
        n = e1.number_input(_("Parameters N"), format="%.0f", step=1e6, key="ef_n")
        d = e2.number_input(_("Training tokens D"), format="%.0f", step=1e9, key="ef_d")
        util = e3.number_input(_("Utilisation of peak (0 to 1)"), 0.0, 1.0, 0.4, 0.05, key="ef_util")
        try:
            st.write(carbon.what_if_flops(n, d, carbon.ACCELERATORS[acc], util, pue, g).formula)
        except CoreError as e:
            st.error(str(e))
    st.subheader(_("The scale ladder"))
    last = (st.session_state.get("ef_runs") or [None])[-1]
    st.altair_chart(ec.scale_ladder(ef.ladder_rows(last)), key="ef_ladder")
    st.caption(
        _(
            "Published models at their published figures; the BigModel predicted at this machine's stated "
            "figures; your last run (tab 2) as measured."
        )
        if last
        else _(
            "Published models at their published figures; the BigModel predicted at this machine's stated "
            "figures. Train a run in tab 2 to add it."
        )
    )

with runs:
    st.write(
        _(
            "Before the run: FLOPs ≈ 6 x parameters x samples seen; time = FLOPs / the stated FLOP rate; energy = "
            "time x the stated power. After it: the measured figures and the prediction's error. Carbon uses the "
            "grid picked in the calculator tab."
        )
    )
    c1, c2 = st.columns(2)
    model_name = c1.selectbox(
        _("Model"), list(ef.RUN_MODELS), key="ef_run_model", format_func=lambda m: _(ef.RUN_MODELS[m])
    )
    epochs = int(c1.number_input(_("Epochs (1 to 50)"), 1, 50, key="ef_run_epochs"))
    n_samples = int(c1.number_input(_("BigModel samples (100 to 20000)"), 100, 20000, 1000, key="ef_run_n"))
    rate = c2.number_input(
        _("Stated FLOP rate (FLOP/s)"),
        1e6,
        1e18,
        energy.CPU_FLOPS_PER_CORE * energy.cores(),
        format="%.3e",
        key="ef_rate",
    )
    power = c2.number_input(_("Stated power (W)"), 0.1, 1e5, energy.estimate_watts(), key="ef_power")
    pue2 = c2.number_input(_("PUE of this machine (1.0 to 3.0)"), 1.0, 3.0, 1.0, 0.01, key="ef_run_pue")
    settings = (model_name, epochs, n_samples, rate, power, pue2, g)
    if st.button(_("Train and measure"), type="primary", key="ef_run_go"):
        try:
            er.run_training(model_name, epochs, n_samples, rate, power, g, pue2, settings)
        except CoreError as e:
            st.error(str(e))
    er.show_runs(st.session_state.get("ef_runs", []), settings)

with lab:
    names = [e["name"] for e in ef.zoo_entries()]
    entry = st.selectbox(_("Zoo model"), names, key="ef_lab_model")
    batch = int(st.number_input(_("Large batch (2 to 4096)"), 2, 4096, 256, key="ef_lab_batch"))
    if st.button(_("Measure every variant"), type="primary", key="ef_lab_go"):
        try:
            st.session_state["ef_lab"] = (entry, batch, *er.lab_rows(entry, batch))
        except CoreError as e:
            st.error(str(e))
    er.show_lab(st.session_state.get("ef_lab"), (entry, batch))

with kd:
    c1, c2, c3 = st.columns(3)
    teacher = c1.selectbox(_("Teacher (zoo)"), ef.TEACHERS, key="ef_kd_teacher")
    labels = c1.selectbox(
        _("Labelled training samples"),
        ef.LABELS,
        key="ef_kd_labels",
        format_func=lambda k: _("all") if k == 0 else str(k),
    )
    T = c2.number_input(_("Temperature T (0.5 to 50)"), 0.5, 50.0, step=0.5, key="ef_kd_T")
    alpha = c2.number_input(_("α: weight of the soft term (0 to 1)"), 0.0, 1.0, step=0.05, key="ef_kd_alpha")
    width = int(c3.number_input(_("Student width (1 to 256)"), 1, 256, key="ef_kd_width"))
    kd_epochs = int(c3.number_input(_("Student epochs (1 to 50)"), 1, 50, 5, key="ef_kd_epochs"))
    st.latex(
        r"L = \alpha\, T^2\, \mathrm{KL}\big(\sigma(z_t/T)\,\|\,\sigma(z_s/T)\big) + (1-\alpha)\,\mathrm{CE}(z_s, y)"
    )
    st.caption(
        _(
            "The distilled student learns from the teacher's soft targets on every training input and from the "
            "labels it has; the label-only student learns from those labels alone, for as many steps. Three "
            "seeds each."
        )
    )
    kd_settings = (teacher, T, alpha, width, labels, kd_epochs)
    if st.button(_("Train the students (3 seeds)"), type="primary", key="ef_kd_go"):
        try:
            cfg = distill.DistillConfig(float(T), float(alpha), (width,), epochs=kd_epochs, labels=labels or None)
            st.session_state["ef_kd"] = (kd_settings, er.distill_run(teacher, cfg, (0, 1, 2)))
        except CoreError as e:
            st.error(str(e))
    er.show_distill(st.session_state.get("ef_kd"), kd_settings)

with csv:
    rows = st.session_state.get("ef_log", [])
    st.write(
        _(
            "{n} measurement(s) this session, each with its device, versions, threads, batch and energy source "
            "(estimate or measured)."
        ).format(n=len(rows))
    )
    st.download_button(
        _("Download CSV"),
        pd.DataFrame(rows).to_csv(index=False).encode(),
        "efficiency.csv",
        "text/csv",
        key="ef_csv",
        disabled=not rows,
    )
