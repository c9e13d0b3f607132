"""The Regularization page's controls, training runs and result panels: settings in, keyed results out.

Every result is stored with the key of the settings that produced it and drawn only while the
settings shown still have that key; otherwise the page says the results are stale.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pandas as pd
import streamlit as st

from core import boundary
from core import regularization as reg
from core.errors import CoreError
from ui import cache, charts
from ui.charts import regularization as rcharts

DATASETS = ("moons", "circles", "spirals", "digits")
DEFAULT_EPOCHS = {"moons": 300, "circles": 300, "spirals": 300, "digits": 60}  # digits: 900 train rows, slower epochs
LABELS = {"l1": "L1", "l2": "L2 / weight decay", "dropout": "Dropout", "early_stopping": "Early stopping",
          "batch_norm": "Batch norm", "augmentation": "Data augmentation (input jitter)"}
SWEEPABLE = ("l2", "l1", "dropout", "augmentation", "early_stopping")
SWEEP_RANGES = {"l2": (1e-5, 1e-1), "l1": (1e-5, 1e-2), "dropout": (0.05, 0.8), "augmentation": (0.02, 1.0),
                "early_stopping": (2, 100)}
LOG_SWEEPS = ("l1", "l2", "early_stopping", "augmentation")


@dataclass(frozen=True)
class Setting:
    """The overfitting setting every variant and every sweep point shares."""

    dataset: str  # one of DATASETS
    options: dict  # data.load options (samples, noise); empty for digits
    seed: int  # data split, initial weights, shuffling, dropout and jitter
    epochs: int  # epochs asked for (early stopping may run fewer)
    widths: tuple = (128, 128)  # hidden layer widths of the MLP
    lr: float = 0.01  # Adam's learning rate
    batch_size: int = 32  # samples per step

    @property
    def config(self) -> dict:
        """Keyword arguments of core.regularization.run_variants and sweep."""
        return {"widths": self.widths, "epochs": self.epochs, "lr": self.lr, "batch_size": self.batch_size,
                "seed": self.seed}

    def key(self, *more) -> str:
        """One string for these settings and ``more``: equal keys, equal results."""
        return json.dumps([asdict(self), *more], sort_keys=True, default=str)


def setting_controls() -> Setting:
    st.sidebar.header("The overfitting setting")
    name = st.sidebar.selectbox("Dataset", DATASETS, key="rg_ds")
    opts = {}
    if name != "digits":
        opts["n_samples"] = int(st.sidebar.slider("Samples (train + validation + test)", 40, 1000, 120, 20, key="rg_n"))
        opts["noise"] = float(st.sidebar.slider("Noise", 0.0, 1.0, 0.35, 0.05, key="rg_noise"))
    seed = int(st.sidebar.number_input("Seed", 0, 9999, 0, key="rg_seed"))
    # keyed per dataset: switching datasets shows that dataset's own default, not the last one's value
    epochs = int(st.sidebar.number_input("Epochs (10 to 1000)", 10, 1000, DEFAULT_EPOCHS[name], key=f"rg_epochs_{name}"))
    return Setting(name, opts, seed, epochs)


@st.cache_data(show_spinner=False, max_entries=16)
def splits(dataset: str, seed: int, options_json: str) -> reg.Splits:
    """The dataset with a test split held out (core.regularization.hold_out_test)."""
    return reg.hold_out_test(cache.dataset(dataset, seed, options_json))


def variant_controls() -> dict:
    """{variant name: {remedy: strength}}, the unregularized baseline "none" first."""
    st.sidebar.header("Variants")
    variants, strengths = {"none": {}}, {}
    for r, (what, (lo, hi), default) in reg.REMEDIES.items():
        if not st.sidebar.checkbox(LABELS[r], r != "batch_norm", key=f"rg_on_{r}"):
            continue
        if r == "batch_norm":
            strengths[r] = 1
        elif r == "early_stopping":
            strengths[r] = int(st.sidebar.number_input(what, int(lo), int(hi), int(default), key=f"rg_s_{r}"))
        else:
            strengths[r] = float(st.sidebar.number_input(f"{what} ({lo:g} to {hi:g})", 0.0, 10.0, float(default),
                                                         format="%.5f" if hi < 1 else "%.3f", key=f"rg_s_{r}"))
        variants[LABELS[r]] = {r: strengths[r]}
    combo = st.sidebar.multiselect("Also train a combination of", list(strengths), format_func=LABELS.get, key="rg_combo")
    if len(combo) >= 2:
        variants[" + ".join(LABELS[c] for c in combo)] = {c: strengths[c] for c in combo}
    elif len(combo) == 1:
        st.sidebar.warning("Pick two or more remedies for a combination.")
    return variants


def train_variants(data: reg.Splits, variants: dict, setting: Setting) -> None:
    """Train on the button, with a progress bar; store the result under the settings' key."""
    if not st.button("Train the variants", type="primary", key="rg_train"):
        return
    bar = st.progress(0.0, text="Training...")

    def progress(i, n, name, e):
        if e["epoch"] % 10 == 0 or e["epoch"] == e["epochs"]:
            bar.progress((i + e["epoch"] / e["epochs"]) / n, text=f"{name}: epoch {e['epoch']} of {e['epochs']}")
    try:
        result = reg.run_variants(data, variants, on_progress=progress, **setting.config)
        st.session_state["rg_result"] = {"key": setting.key(variants), "variants": result}
    except CoreError as e:
        st.error(str(e))
    finally:
        bar.empty()


def _table(ranked: list[reg.Variant]) -> pd.DataFrame:
    return pd.DataFrame([{
        "variant": v.name, "test accuracy": v.metrics.test_accuracy, "validation accuracy": v.metrics.val_accuracy,
        "train accuracy": v.metrics.train_accuracy, "accuracy gap (train − test)": v.metrics.accuracy_gap,
        "loss gap (test − train)": v.metrics.loss_gap, "weight norm ‖w‖₂": v.metrics.weight_norm,
        f"weights near 0 (|w|<{reg.NEAR_ZERO:g})": v.metrics.near_zero, "epochs run": v.metrics.epochs_run,
        "kept epoch": v.metrics.best_epoch} for v in ranked])


def show_variants(data: reg.Splits, variants: dict, setting: Setting) -> None:
    stored = st.session_state.get("rg_result")
    if not stored:
        st.info(f"Press **Train the variants** to train {len(variants)} variants on {setting.dataset}.")
        return
    if stored["key"] != setting.key(variants):
        st.warning("Stale: the variants were trained with other settings (dataset, samples, noise, seed, epochs or "
                   "remedies), so they are hidden. Press **Train the variants** to train these settings.")
        return
    result = stored["variants"]
    ranked = reg.rank(result)
    st.subheader("Summary, best test accuracy first")
    st.dataframe(_table(ranked).style.format(precision=4), hide_index=True, key="rg_table")
    _, n_val, n_test = data.sizes
    st.caption(f"Ranked by accuracy on the {n_test} test rows, which no variant trained on and early stopping never "
               f"saw. Validation accuracy ({n_val} rows) is no fair score for early stopping, which kept the epoch of its "
               f"lowest validation loss. One test row is {1 / n_test:.1%} of test accuracy, so a difference of a row or two "
               "is noise. Accuracy gap = train − test accuracy; loss gap = test − train loss. Metrics are those "
               "of the weights each variant ends with (for early stopping, its kept epoch).")
    ds = data.data
    cols = st.columns(3)
    for i, v in enumerate(result.values()):
        with cols[i % 3].container(border=True):
            st.markdown(f"**{v.name}**")
            if ds.is_2d:
                bd = boundary.decision_boundary(boundary.onnx_logits(v.onnx), ds.X_train, 40)
                st.altair_chart(charts.decision_boundary(bd, ds.X_train, ds.y_train, ds.class_names,
                                                         "Boundary (onnxruntime)"), width="stretch")
            st.altair_chart(rcharts.gap_curves(v.history, "Loss, gap shaded"), width="stretch", height=240)
            st.altair_chart(rcharts.weight_histogram(v.weights, "Weight histogram"), width="stretch", height=220)
            m = v.metrics
            kept = f" · stopped at epoch {m.epochs_run}, kept epoch {m.best_epoch}" if m.stopped_early else ""
            st.markdown(f"test accuracy **{m.test_accuracy:.1%}** · gap **{m.accuracy_gap:.1%}** (accuracy), "
                        f"**{m.loss_gap:.3f}** (loss) · ‖w‖₂ {m.weight_norm:.2f} · near zero {m.near_zero:.1%}{kept}")


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
    remedy = s1.selectbox("Remedy", SWEEPABLE, format_func=LABELS.get, key="rg_sw")
    lo, hi = reg.REMEDIES[remedy][1]
    a, b = SWEEP_RANGES[remedy]
    if remedy in reg.WHOLE:
        low = s2.number_input(f"from (≥ {lo:g})", value=int(a), step=1, key=f"rg_lo_{remedy}")
        high = s3.number_input(f"to (≤ {hi:g})", value=int(b), step=1, key=f"rg_hi_{remedy}")
    else:
        low = s2.number_input(f"from (≥ {lo:g})", value=float(a), format="%.5f", key=f"rg_lo_{remedy}")
        high = s3.number_input(f"to (≤ {hi:g})", value=float(b), format="%.5f", key=f"rg_hi_{remedy}")
    points = int(s4.number_input(f"points (2 to {reg.MAX_SWEEP_POINTS})", 1, 100, 6, key="rg_pts"))
    return SweepSetting(remedy, float(low), float(high), points)


def run_sweep(data: reg.Splits, sweep: SweepSetting, setting: Setting) -> None:
    """Sweep on the button; store the rows under the key of the setting and the sweep."""
    if not st.button("Run the sweep", key="rg_sweep"):
        return
    what, (lo, hi), _ = reg.REMEDIES[sweep.remedy]
    try:
        if not (lo <= sweep.low and sweep.high <= hi):
            raise CoreError(f"{what} must stay from {lo:g} to {hi:g}.")
        values = reg.sweep_values(sweep.low, sweep.high, sweep.points, sweep.log, whole=sweep.remedy in reg.WHOLE)
        bar = st.progress(0.0, text="Sweeping...")
        try:
            rows = reg.sweep(data, sweep.remedy, values, on_progress=lambda i, n, e: bar.progress(
                e["epoch"] / e["epochs"], text=f"{len(values)} strengths together: epoch {e['epoch']}"), **setting.config)
        finally:
            bar.empty()
        st.session_state["rg_sweep_result"] = {"key": setting.key(asdict(sweep)), "rows": rows}
    except CoreError as e:
        st.error(str(e))


def show_sweep(data: reg.Splits, sweep: SweepSetting, setting: Setting) -> None:
    stored = st.session_state.get("rg_sweep_result")
    if not stored:
        return
    if stored["key"] != setting.key(asdict(sweep)):
        st.warning("Stale: the sweep was run with other settings (dataset, samples, noise, seed, epochs, remedy or "
                   "range), so it is hidden. Press **Run the sweep** to sweep these settings.")
        return
    rows = stored["rows"]
    what = reg.REMEDIES[sweep.remedy][0]
    st.altair_chart(rcharts.sweep_chart(rows, what + (" (log scale)" if sweep.log else ""), sweep.log), width="stretch",
                    height=380)
    best = reg.best_of(rows)
    st.caption(f"Strengths trained: {', '.join(f'{r.strength:.3g}' for r in rows)}. Best test accuracy "
               f"{best.metrics.test_accuracy:.1%} ({data.sizes[2]} test rows) at {what} = {best.strength:.3g}. Too little: "
               "the gap stays wide (overfitting); too much: train and test accuracy fall together (underfitting).")
