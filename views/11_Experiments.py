"""Experiments: many Playground trainings at once (a grid or random search), on Ray; compare, diff, report."""

import json

import streamlit as st

from core import experiments as ex
from core import lab_report
from core.errors import CoreError
from ui import experiments as xv
from ui import i18n, url_state, work_queue
from ui.i18n import _

st.set_page_config(page_title="Experiments", page_icon="🧪", layout="wide")
i18n.setup()
state = url_state.bind(xv.SCHEMA)
st.title(_("Experiments: many trainings at once"))
st.caption(
    _(
        "Pick the values to try in the sidebar. Each run is exactly a Playground training with those settings "
        "and seed, so a run gives the same numbers here as alone. The runs train in parallel on Ray."
    )
)

base, space, mode, n_runs = xv.controls(state)
st.sidebar.toggle(_("Use Ray"), key="ex_ray")
url_state.share_link(xv.SCHEMA, state)
try:
    runs = ex.plan(base, space, mode, n_runs, seed=0)
except CoreError as e:
    st.error(str(e))
    st.stop()
varied = [k for k in ex.SPACE if len({str(r[k]) for r in runs}) > 1]
epochs = sum(r["epochs"] for r in runs)
st.markdown(
    _("**{n} runs**, {e} epochs in all (at most {max_runs} runs and {max_epochs} epochs).").format(
        n=len(runs), e=epochs, max_runs=ex.MAX_RUNS, max_epochs=ex.MAX_TOTAL_EPOCHS
    )
)
key = json.dumps(runs, sort_keys=True, default=str)

if st.button(_("Run the experiment"), type="primary", key="ex_run"):
    with st.spinner(_("Starting Ray (the first time takes a while)...")):
        engine = xv.engine(state["ray"])
    if engine.kind == "in-process":
        st.warning(_("The runs train one after another in this process, not on Ray."))
        if state["ray"]:
            st.caption(engine.note)  # why Ray could not start (the core's words)
    else:
        st.caption(_("Ray: {kind}, {w} runs at once.").format(kind=engine.kind, w=engine.workers))
    results = [None] * len(runs)
    bar, table_slot = st.progress(0.0), st.empty()

    def on_result(i, r):
        results[i] = r
        done = sum(x is not None for x in results)
        bar.progress(done / len(runs), text=_("{d} of {n} runs finished").format(d=done, n=len(runs)))
        table_slot.dataframe(xv.table(results, runs, varied), hide_index=True)

    with work_queue.heavy_slot(_("training")):
        ex.run_all(runs, engine, on_result)
    bar.empty()
    table_slot.empty()
    st.session_state["ex_results"], st.session_state["ex_key"] = results, key
    st.session_state.pop("ex_report_for", None)

results = st.session_state.get("ex_results")
if results is None:
    st.info(_("Press **Run the experiment** to train these runs."))
    st.stop()
if st.session_state.get("ex_key") != key:
    st.warning(
        _(
            "The settings changed since the last experiment: the results below are for the previous "
            "settings. Press **Run the experiment** to run the new ones."
        )
    )
shown_runs = [r.settings for r in results]
shown_varied = [k for k in ex.SPACE if len({str(s[k]) for s in shown_runs}) > 1] or ["seed"]
diverged = sum(r.status != "ok" for r in results)
if diverged:
    st.warning(
        _("{d} of {n} runs diverged or failed; they are marked in the table, the others finished.").format(
            d=diverged, n=len(results)
        )
    )
st.dataframe(xv.table(results, shown_runs, shown_varied), hide_index=True, key="ex_table")
a, b = st.columns(2)
x_setting = a.selectbox(_("Setting on the x axis"), shown_varied, format_func=lambda k: _(xv.SETTINGS[k]), key="ex_x")
scatter = xv.scatter(results, x_setting)
curves = xv.overlaid_curves(results)
a.altair_chart(scatter, width="stretch")
b.altair_chart(curves, width="stretch")
st.subheader(_("Compare two runs"))
xv.run_diff(results)
st.subheader(_("Lab report"))
try:
    link = url_state.link(xv.SCHEMA, state)
    if st.session_state.get("ex_report_for") != (st.session_state.get("ex_key"), link):
        st.session_state["ex_report_zip"] = lab_report.build(
            results, link, {"accuracy_scatter": scatter.to_dict(), "learning_curves": curves.to_dict()}
        )
        st.session_state["ex_report_for"] = (st.session_state.get("ex_key"), link)
    report = st.session_state["ex_report_zip"]
    st.download_button(_("Download the lab report (zip)"), report, "lab_report.zip", "application/zip", key="ex_report")
    st.caption(
        _(
            "Figures (SVG and Vega-Lite), every run's settings and metrics as CSV, the link to this view, "
            "and the best run's ONNX bundle."
        )
    )
except CoreError as e:
    st.error(str(e))
