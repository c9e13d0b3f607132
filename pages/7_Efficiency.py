"""Efficiency: what learning costs in time, energy and carbon, and what quantization and distillation save."""

import pandas as pd
import streamlit as st

from core import carbon, distill, energy
from core.errors import CoreError
from ui import efficiency as ef
from ui.charts import efficiency as ec

st.set_page_config(page_title="Efficiency", page_icon="⚡", layout="wide")
st.title("Efficiency: time, energy and carbon")
st.caption("Half of the source articles (002, 003) is about what large models cost and the remedies they name: "
           "quantization, distillation, efficient hardware, greener power. Carbon here is location-based: energy x "
           "PUE x the average intensity of the grid, with no offsets.")
ef.energy_source_note()
calc, runs, lab, kd, csv = st.tabs(["Big-model calculator", "Predict, then measure", "Compression lab",
                                    "Distillation", "Measurements (CSV)"])

with calc:
    st.latex(r"E = \text{accelerator-hours} \times P \times \text{PUE},\quad C = E \times I_{\text{grid}},\quad"
             r"\text{FLOPs} \approx 6 N D")
    name = st.selectbox("Published run", list(carbon.PRESETS), key="ef_preset")
    preset = carbon.PRESETS[name]
    st.caption(f"Source: {preset.citation}. Hardware: {preset.accelerator}. {preset.note}")
    st.dataframe(ef.preset_table(preset), hide_index=True, key="ef_preset_table")
    st.subheader("What if?")
    c1, c2, c3 = st.columns(3)
    acc = c1.selectbox("Accelerator", list(carbon.ACCELERATORS), key="ef_acc")
    hours = ef.number("Accelerator-hours", round(preset.accelerator_hours), "ef_hours")
    watts = ef.number("Power per accelerator (W)", carbon.ACCELERATORS[acc].watts, "ef_watts")
    pue = c2.number_input("PUE (1.0 to 3.0)", 1.0, 3.0, 1.1, 0.01, key="ef_pue")
    with c3:
        g, g_src = ef.region_picker("ef_region")
    try:
        w = carbon.what_if(hours, watts, pue, g)
        st.metric("Energy", f"{w.kwh / 1000:,.1f} MWh")
        st.metric("Carbon", f"{w.kg_co2e / 1000:,.1f} t CO2e")
        st.caption(f"{w.formula}. Grid: {g_src}.")
    except CoreError as e:
        st.error(str(e))
    with st.expander("The 6 x N x D path"):
        n = ef.number("Parameters N", preset.parameters or 1e9, "ef_n")
        d = ef.number("Training tokens D", preset.tokens or 2e10, "ef_d")
        util = ef.number("Utilisation of peak (0 to 1)", 0.4, "ef_util")
        try:
            wf = carbon.what_if_flops(n, d, carbon.ACCELERATORS[acc], util, pue, g)
            st.write(wf.formula)
        except CoreError as e:
            st.error(str(e))
    st.subheader("The scale ladder")
    last = (st.session_state.get("ef_runs") or [None])[-1]
    st.altair_chart(ec.scale_ladder(ef.ladder_rows(last)), key="ef_ladder")
    st.caption("Published models at their published figures; the BigModel predicted at this machine's stated figures; "
               "your run (tab 2) as measured" + ("" if last else ": train one to add it") + ".")

with runs:
    st.write("Before the run: FLOPs ≈ 6 x parameters x samples seen; time = FLOPs / the stated FLOP rate; energy = "
             "time x the stated power. After it: the measured figures and the prediction's error.")
    c1, c2 = st.columns(2)
    model_name = c1.selectbox("Model", ["bigmodel", "moons", "digits"], key="ef_run_model",
                              format_func=lambda m: {"bigmodel": "The articles' BigModel 1000-200-100-1 (known answer)",
                                                     "moons": "moons, MLP 2-32-32-2",
                                                     "digits": "digits, MLP 64-32-32-10"}[m])
    epochs = int(c1.number_input("Epochs (1 to 50)", 1, 50, 3, key="ef_run_epochs"))
    n_samples = int(c1.number_input("BigModel samples (100 to 20000)", 100, 20000, 1000, key="ef_run_n"))
    rate = ef.number("Stated FLOP rate (FLOP/s)", energy.CPU_FLOPS_PER_CORE * energy.cores(), "ef_rate")
    power = ef.number("Stated power (W)", energy.estimate_watts(), "ef_power")
    with c2:
        g2, g2_src = ef.region_picker("ef_run_region")
    pue2 = c2.number_input("PUE", 1.0, 3.0, 1.0, 0.01, key="ef_run_pue")
    if st.button("Train and measure", type="primary", key="ef_run_go"):
        try:
            carbon.check("Grid intensity (g/kWh)", g2, 0, 2000)
            ef.run_training(model_name, epochs, n_samples, carbon.check("FLOP rate", rate, 1e6, 1e18),
                            carbon.check("Power (W)", power, 0.1, 1e5), g2, pue2)
        except CoreError as e:
            st.error(str(e))
    runs_done = st.session_state.get("ef_runs", [])
    if runs_done:
        r = runs_done[-1]
        cols = st.columns(3)
        for col, what, unit in zip(cols, ("seconds", "joules"), ("s", "J")):
            err = 100 * (r[f"predicted_{what}"] - r[f"measured_{what}"]) / r[f"measured_{what}"]
            col.metric(f"{what} (predicted -> measured)", f"{r[f'measured_{what}']:.3g} {unit}",
                       f"prediction {err:+.0f}%", delta_color="off")
        cols[2].metric("Carbon", f"{r['kg_co2e'] * 1000:.3g} g CO2e")
        st.caption(f"Last run: {r['run']}, {r['parameters']:,} parameters, {r['samples_seen']:,} samples seen. "
                   f"Energy: {ef.meter().source}" + (" (time x stated power)." if ef.meter().source == "estimate" else "."))
        st.altair_chart(ec.power_over_time(*r["power_trace"], ef.meter().source), key="ef_power_chart")
        st.altair_chart(ec.predicted_vs_measured(runs_done), key="ef_scatter")

with lab:
    names = [e["name"] for e in ef.zoo.load_manifest()["models"] if e["precision"] == "fp32"]
    entry = st.selectbox("Zoo model", names, key="ef_lab_model")
    batch = int(st.number_input("Large batch (2 to 4096)", 2, 4096, 256, key="ef_lab_batch"))
    if st.button("Measure every variant", type="primary", key="ef_lab_go"):
        try:
            st.session_state["ef_lab"] = (entry, batch, *ef.lab_rows(entry, batch))
        except CoreError as e:
            st.error(str(e))
    res = st.session_state.get("ef_lab")
    if res and res[:2] == (entry, batch):
        st.dataframe(pd.DataFrame(res[2]), hide_index=True, key="ef_lab_table")
        metric = next(k for k in res[2][0] if k in ("accuracy", "r2"))
        st.altair_chart(ec.tradeoff(res[2], "kilobytes", metric), key="ef_lab_chart")
        for line in res[3]:
            st.write("- " + line)
    elif res:
        st.info("The table below the button belongs to other settings; press it to measure these.")

with kd:
    teachers = [n for n in ("digits_mlp", "iris_mlp", "moons_mlp") if n in names]
    teacher = st.selectbox("Teacher (zoo)", teachers, key="ef_kd_teacher")
    c1, c2, c3 = st.columns(3)
    T = c1.number_input("Temperature T (0.5 to 50)", 0.5, 50.0, 4.0, 0.5, key="ef_kd_T")
    alpha = c2.number_input("alpha (weight of the soft term)", 0.0, 1.0, 0.9, 0.05, key="ef_kd_alpha")
    width = int(c3.number_input("Student width (1 to 256)", 1, 256, 8, key="ef_kd_width"))
    st.latex(r"L = \alpha\, T^2\, \mathrm{KL}\big(\sigma(z_t/T)\,\|\,\sigma(z_s/T)\big) + (1-\alpha)\,\mathrm{CE}(z_s, y)")
    settings = (teacher, T, alpha, width)
    if st.button("Train the students (3 seeds)", type="primary", key="ef_kd_go"):
        try:
            cfg = distill.DistillConfig(float(T), float(alpha), (width,), epochs=5)
            st.session_state["ef_kd"] = (settings, ef.distill_run(teacher, cfg, (0, 1, 2)))
        except CoreError as e:
            st.error(str(e))
    got = st.session_state.get("ef_kd")
    if got and got[0] == settings:
        c = got[1]
        st.dataframe(pd.DataFrame({"model": ["teacher", "distilled student", "label-only student"],
                                   "parameters": [c.teacher_parameters, c.student_parameters, c.student_parameters],
                                   "validation accuracy (mean of seeds)": [c.teacher_accuracy, sum(c.distilled) / 3,
                                                                           sum(c.label_only) / 3]}),
                     hide_index=True, key="ef_kd_table")
        st.caption(f"Per seed: distilled {[f'{a:.3f}' for a in c.distilled]}, labels only "
                   f"{[f'{a:.3f}' for a in c.label_only]}.")
    elif got:
        st.info("The results held belong to other settings; press the button to train these.")

with csv:
    rows = st.session_state.get("ef_log", [])
    st.write(f"{len(rows)} measurement(s) this session, each with its device, versions, threads, batch and energy "
             "source (estimate or measured).")
    st.download_button("Download CSV", pd.DataFrame(rows).to_csv(index=False).encode(), "efficiency.csv", "text/csv",
                       key="ef_csv", disabled=not rows)
