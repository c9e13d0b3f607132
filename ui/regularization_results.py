"""The Regularization page's runs and results: variants and a sweep, trained on their buttons.

Every result is stored with the key of the settings that produced it and drawn only while the
settings shown still have that key; otherwise the page says the results are stale.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd
import streamlit as st

from core import boundary
from core import regularization as reg
from core.errors import CoreError
from ui import charts, work_queue
from ui.charts import regularization as rcharts
from ui.i18n import N_, _
from ui.regularization import (
    DATASETS,
    LABELS,
    LOG_SWEEPS,
    STRENGTHS,
    SWEEPABLE,
    Setting,
    cost_caption,
    refused,
    sweep_changed,
    translated,
    variant_label,
)


def train_variants(data: reg.Splits, variants: dict, setting: Setting) -> None:
    """Train on the button, with a progress bar; store the result under the settings' key."""
    c = reg.cost(data, len(variants), setting.widths, setting.epochs)
    pressed = st.button(_("Train the variants"), type="primary", key="rg_train")
    st.caption(cost_caption(c))
    if not pressed or refused(c):
        return
    bar = st.progress(0.0, text=_("Training..."))
    together = sum("batch_norm" not in r for r in variants.values())

    def progress(i, n, name, e):
        if e["epoch"] % 10 == 0 or e["epoch"] == e["epochs"]:
            who = variant_label(name) if name in variants else _("{k} variants together").format(k=together)
            bar.progress(
                (i + e["epoch"] / e["epochs"]) / n,
                text=_("{who}: epoch {epoch} of {epochs}").format(who=who, epoch=e["epoch"], epochs=e["epochs"]),
            )

    try:
        with work_queue.heavy_slot(_("training")):
            result = reg.run_variants(data, variants, on_progress=progress, **setting.config)
        st.session_state["rg_result"] = {"key": setting.key(variants), "variants": result}
    except CoreError as e:
        st.error(str(e))
    finally:
        bar.empty()


def summary_table(ranked: list[reg.Variant]) -> pd.DataFrame:
    columns = {
        N_("variant"): lambda v: variant_label(v.name),
        N_("test accuracy"): lambda v: v.metrics.test_accuracy,
        N_("validation accuracy"): lambda v: v.metrics.val_accuracy,
        N_("train accuracy"): lambda v: v.metrics.train_accuracy,
        N_("accuracy gap (train − test)"): lambda v: v.metrics.accuracy_gap,
        N_("loss gap (test − train)"): lambda v: v.metrics.loss_gap,
        N_("weight norm ‖w‖₂"): lambda v: v.metrics.weight_norm,
        N_("weights near 0 (|w|<{t})"): lambda v: v.metrics.near_zero,
        N_("epochs run"): lambda v: v.metrics.epochs_run,
        N_("kept epoch"): lambda v: v.metrics.best_epoch,
    }
    return pd.DataFrame([{_(k).format(t=f"{reg.NEAR_ZERO:g}"): f(v) for k, f in columns.items()} for v in ranked])


def show_variants(data: reg.Splits, variants: dict, setting: Setting) -> None:
    stored = st.session_state.get("rg_result")
    if not stored:
        st.info(
            _("Press **Train the variants** to train {k} variants on {dataset}.").format(
                k=len(variants), dataset=_(DATASETS[setting.dataset])
            )
        )
        return
    if stored["key"] != setting.key(variants):
        st.warning(
            _(
                "Stale: the variants were trained with other settings (dataset, samples, noise, seed, epochs or "
                "remedies), so they are hidden. Press **Train the variants** to train these settings."
            )
        )
        return
    result = stored["variants"]
    st.subheader(_("Summary, best test accuracy first"))
    st.dataframe(summary_table(reg.rank(result)).style.format(precision=4), hide_index=True, key="rg_table")
    _n, n_val, n_test = data.sizes
    st.caption(
        _(
            "Ranked by accuracy on the {n_test} test rows, which no variant trained on and early stopping never "
            "saw. Validation accuracy ({n_val} rows) is no fair score for early stopping, which kept the epoch of "
            "its lowest validation loss. One test row is {row} of test accuracy, so a difference of a row or two "
            "is noise. Accuracy gap = train − test accuracy; loss gap = test − train loss. Metrics are those of "
            "the weights each variant ends with (for early stopping, its kept epoch)."
        ).format(n_test=n_test, n_val=n_val, row=f"{1 / n_test:.1%}")
    )
    ds = data.data
    cols = st.columns(3)
    for i, v in enumerate(result.values()):
        with cols[i % 3].container(border=True):
            st.markdown(f"**{variant_label(v.name)}**")
            if ds.is_2d:
                bd = boundary.decision_boundary(boundary.onnx_logits(v.onnx), ds.X_train, 40)
                st.altair_chart(
                    charts.decision_boundary(bd, ds.X_train, ds.y_train, ds.class_names, _("Boundary (onnxruntime)")),
                    width="stretch",
                )
            st.altair_chart(rcharts.gap_curves(v.history, _("Loss, gap shaded")), width="stretch", height=240)
            st.altair_chart(rcharts.weight_histogram(v.weights, _("Weight histogram")), width="stretch", height=220)
            m = v.metrics
            kept = _(" · stopped at epoch {run}, kept epoch {kept}").format(run=m.epochs_run, kept=m.best_epoch)
            st.markdown(
                _(
                    "test accuracy **{acc}** · gap **{gap}** (accuracy), **{loss_gap}** (loss) · ‖w‖₂ {norm} · "
                    "near zero {zero}"
                ).format(
                    acc=f"{m.test_accuracy:.1%}",
                    gap=f"{m.accuracy_gap:.1%}",
                    loss_gap=f"{m.loss_gap:.3f}",
                    norm=f"{m.weight_norm:.2f}",
                    zero=f"{m.near_zero:.1%}",
                )
                + (kept if m.stopped_early else "")
            )


@dataclass(frozen=True)
class SweepSetting:
    """One remedy's strengths to sweep."""

    remedy: str  # one of SWEEPABLE
    low: float  # first strength
    high: float  # last strength
    points: int  # strengths asked for (whole-number remedies may get fewer, each value once)

    @property
    def log(self) -> bool:
        return self.remedy in LOG_SWEEPS


def sweep_controls() -> SweepSetting:
    s1, s2, s3, s4 = st.columns(4)
    remedy = s1.selectbox(
        _("Remedy"), SWEEPABLE, format_func=translated(LABELS).get, key="rg_sw", on_change=sweep_changed
    )
    lo, hi = reg.REMEDIES[remedy][1]
    step, fmt = (1.0, "%.0f") if remedy in reg.WHOLE else (None, "%.5f")
    low = s2.number_input(_("from (≥ {lo})").format(lo=f"{lo:g}"), 1e-6, 500.0, step=step, format=fmt, key="rg_lo")
    high = s3.number_input(_("to (≤ {hi})").format(hi=f"{hi:g}"), 1e-6, 500.0, step=step, format=fmt, key="rg_hi")
    points = s4.number_input(
        _("points (2 to {max})").format(max=reg.MAX_SWEEP_POINTS), 2, reg.MAX_SWEEP_POINTS, key="rg_pts"
    )
    return SweepSetting(remedy, float(low), float(high), int(points))


def run_sweep(data: reg.Splits, sweep: SweepSetting, setting: Setting) -> None:
    """Sweep on the button; store the rows under the key of the setting and the sweep."""
    pressed = st.button(_("Run the sweep"), key="rg_sweep")
    lo, hi = reg.REMEDIES[sweep.remedy][1]
    problem, values = None, []
    if not (lo <= sweep.low < sweep.high <= hi):
        problem = _("{what} sweeps from {lo} to {hi}, the first strength below the last: change from and to.").format(
            what=_(STRENGTHS[sweep.remedy]), lo=f"{lo:g}", hi=f"{hi:g}"
        )
    else:
        try:
            values = reg.sweep_values(sweep.low, sweep.high, sweep.points, sweep.log, whole=sweep.remedy in reg.WHOLE)
        except CoreError as e:
            problem = str(e)
    if problem:  # said quietly until the button is pressed
        if pressed:
            st.error(problem)
        else:
            st.caption(problem)
        return
    c = reg.cost(data, len(values), setting.widths, setting.epochs)
    st.caption(cost_caption(c))
    if not pressed or refused(c):
        return
    bar = st.progress(0.0, text=_("Sweeping..."))
    progress = lambda i, n, e: bar.progress(
        e["epoch"] / e["epochs"],
        text=_("{k} strengths together: epoch {epoch} of {epochs}").format(
            k=len(values), epoch=e["epoch"], epochs=e["epochs"]
        ),
    )
    try:
        with work_queue.heavy_slot(_("training")):
            rows = reg.sweep(data, sweep.remedy, values, on_progress=progress, **setting.config)
        st.session_state["rg_sweep_result"] = {"key": setting.key(asdict(sweep)), "rows": rows}
    except CoreError as e:
        st.error(str(e))
    finally:
        bar.empty()


def show_sweep(data: reg.Splits, sweep: SweepSetting, setting: Setting) -> None:
    stored = st.session_state.get("rg_sweep_result")
    if not stored:
        return
    if stored["key"] != setting.key(asdict(sweep)):
        st.warning(
            _(
                "Stale: the sweep was run with other settings (dataset, samples, noise, seed, epochs, remedy or "
                "range), so it is hidden. Press **Run the sweep** to sweep these settings."
            )
        )
        return
    rows = stored["rows"]
    what = _(STRENGTHS[sweep.remedy])
    x_title = _("{what} (log scale)").format(what=what) if sweep.log else what
    for panel in ("accuracy", "gap"):  # stacked, each the page's full width: room for titles, legend and plot
        st.altair_chart(rcharts.sweep_chart(rows, x_title, sweep.log, panel), width="stretch", height=400)
    best = reg.best_of(rows)
    st.caption(
        _(
            "Strengths trained: {values}. Best test accuracy {acc} ({n} test rows) at {what} = {best}. Too "
            "little: the gap stays wide (overfitting); too much: train and test accuracy fall together "
            "(underfitting)."
        ).format(
            values=", ".join(f"{r.strength:.3g}" for r in rows),
            acc=f"{best.metrics.test_accuracy:.1%}",
            n=data.sizes[2],
            what=what,
            best=f"{best.strength:.3g}",
        )
    )
