"""The Regularization page's settings: one URL schema, the sidebar controls and the cost check before training.

Variants are keyed by remedy ids ("none", "l2", "l1+l2"), never by their translated names, so a
change of language keeps the results (ui/regularization_results.py draws them).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import streamlit as st

from core import regularization as reg
from ui import cache, url_state
from ui.i18n import N_, _

DATASETS = {"moons": N_("Two moons"), "circles": N_("Circles"), "spirals": N_("Spirals"), "digits": N_("Digits (8x8)")}
DEFAULT_EPOCHS = {"moons": 300, "circles": 300, "spirals": 300, "digits": 60}  # digits: 900 train rows, slower epochs
LABELS = {
    "l1": N_("L1"),
    "l2": N_("L2 / weight decay"),
    "dropout": N_("Dropout"),
    "early_stopping": N_("Early stopping"),
    "batch_norm": N_("Batch norm"),
    "augmentation": N_("Data augmentation (input jitter)"),
}
STRENGTHS = {
    "l1": N_("L1 strength λ₁"),
    "l2": N_("L2 strength λ₂"),
    "dropout": N_("dropout rate p"),
    "early_stopping": N_("patience (epochs)"),
    "augmentation": N_("input jitter σ (standardized units)"),
}
STEPS = {"l1": (1e-4, "%.6f"), "l2": (1e-3, "%.6f"), "dropout": (0.05, "%.3f"), "augmentation": (0.01, "%.3f")}
SWEEPABLE = ("l2", "l1", "dropout", "augmentation", "early_stopping")
SWEEP_RANGES = {
    "l2": (1e-5, 1e-1),
    "l1": (1e-5, 1e-2),
    "dropout": (0.05, 0.8),
    "augmentation": (0.02, 1.0),
    "early_stopping": (2, 100),
}
LOG_SWEEPS = ("l1", "l2", "early_stopping", "augmentation")


class RemedyList(url_state.Field):
    """The remedies combined into one variant: `l1,dropout` in the URL, a tuple of remedy ids in the state."""

    def read(self, raw):
        asked = [p.strip() for p in raw.split(",") if p.strip()]
        kept = tuple(dict.fromkeys(p for p in asked if p in reg.REMEDIES))
        return kept, (None if list(kept) == asked else f"`{self.name}`: only remedy names, each once, are kept.")

    def write(self, value):
        return ",".join(value)


def _strength_field(r: str) -> url_state.Field:
    _what, (lo, hi), default = reg.REMEDIES[r]
    kind = url_state.Int if r in reg.WHOLE else url_state.Float
    return kind(r, default, key=f"rg_s_{r}", low=lo, high=hi)


SCHEMA = url_state.Schema(
    "regularization",
    (
        url_state.Choice("dataset", "moons", key="rg_ds", choices=tuple(DATASETS)),
        url_state.Int("n", 120, key="rg_n", low=40, high=1000),
        url_state.Float("noise", 0.35, key="rg_noise", low=0.0, high=1.0),
        url_state.Int("seed", 0, key="rg_seed", low=0, high=9999),
        url_state.Int("epochs", 300, key="rg_epochs", low=10, high=1000),
        *(url_state.Bool(f"{r}_on", r != "batch_norm", key=f"rg_on_{r}") for r in reg.REMEDIES),
        *(_strength_field(r) for r in STRENGTHS),  # batch norm is on or off: no strength
        RemedyList("combo", (), key="rg_combo"),
        url_state.Choice("sweep", "l2", key="rg_sw", choices=SWEEPABLE),
        url_state.Float("from", 1e-5, key="rg_lo", low=1e-6, high=500.0),
        url_state.Float("to", 0.1, key="rg_hi", low=1e-6, high=500.0),
        url_state.Int("points", 6, key="rg_pts", low=2, high=reg.MAX_SWEEP_POINTS),
    ),
)


def translated(names: dict) -> dict:
    """Labels in this run's language, fixed now: Streamlit may call a format_func outside the page's thread."""
    return {k: _(v) for k, v in names.items()}


def variant_label(vid: str) -> str:
    """ "none" -> the baseline's name, "l1+dropout" -> "L1 + Dropout", in this run's language."""
    return _("none (no remedy)") if vid == "none" else " + ".join(_(LABELS[r]) for r in vid.split("+"))


def link_defaults() -> None:
    """Before url_state.bind: a link naming a dataset (a sweep's remedy) but not its epochs (range) opens with
    that dataset's epochs (that remedy's range), as choosing it on the page does."""
    q, ss = st.query_params, st.session_state
    if q.get("dataset") in DEFAULT_EPOCHS and "epochs" not in q and "rg_epochs" not in ss:
        ss["rg_epochs"] = DEFAULT_EPOCHS[q["dataset"]]
    if q.get("sweep") in SWEEP_RANGES:
        for name, key, v in zip(("from", "to"), ("rg_lo", "rg_hi"), SWEEP_RANGES[q["sweep"]]):
            if name not in q and key not in ss:
                ss[key] = float(v)


def _dataset_changed() -> None:
    st.session_state["rg_epochs"] = DEFAULT_EPOCHS[st.session_state["rg_ds"]]


def sweep_changed() -> None:
    st.session_state["rg_lo"], st.session_state["rg_hi"] = map(float, SWEEP_RANGES[st.session_state["rg_sw"]])


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
        return {
            "widths": self.widths,
            "epochs": self.epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "seed": self.seed,
        }

    def key(self, *more) -> str:
        """One string for these settings and ``more``: equal keys, equal results."""
        return json.dumps([asdict(self), *more], sort_keys=True, default=str)


def setting_controls() -> Setting:
    sb = st.sidebar
    sb.header(_("The overfitting setting"))
    name = sb.selectbox(
        _("Dataset"), list(DATASETS), format_func=translated(DATASETS).get, key="rg_ds", on_change=_dataset_changed
    )
    opts = {}
    if name != "digits":
        opts["n_samples"] = int(sb.slider(_("Samples (train + validation + test)"), 40, 1000, step=20, key="rg_n"))
        opts["noise"] = float(sb.slider(_("Noise"), 0.0, 1.0, step=0.05, key="rg_noise"))
    seed = int(sb.number_input(_("Seed"), 0, 9999, key="rg_seed"))
    epochs = int(sb.number_input(_("Epochs (10 to 1000)"), 10, 1000, key="rg_epochs"))
    return Setting(name, opts, seed, epochs)


@st.cache_data(show_spinner=False, max_entries=16)
def splits(dataset: str, seed: int, options_json: str) -> reg.Splits:
    """The dataset with a test split held out (core.regularization.hold_out_test)."""
    return reg.hold_out_test(cache.dataset(dataset, seed, options_json))


def variant_controls() -> dict:
    """{variant id: {remedy: strength}}, the unregularized baseline "none" first."""
    sb, ss = st.sidebar, st.session_state
    sb.header(_("Variants"))
    variants, strengths = {"none": {}}, {}
    for r, (_what, (lo, hi), _default) in reg.REMEDIES.items():
        if not sb.checkbox(_(LABELS[r]), key=f"rg_on_{r}"):
            continue
        if r == "batch_norm":
            strengths[r] = 1
        elif r in reg.WHOLE:
            strengths[r] = int(sb.number_input(_(STRENGTHS[r]), int(lo), int(hi), key=f"rg_s_{r}"))
        else:
            step, fmt = STEPS[r]
            strengths[r] = float(
                sb.number_input(
                    _("{what} ({lo} to {hi})").format(what=_(STRENGTHS[r]), lo=f"{lo:g}", hi=f"{hi:g}"),
                    float(lo),
                    float(hi),
                    step=step,
                    format=fmt,
                    key=f"rg_s_{r}",
                )
            )
        variants[r] = {r: strengths[r]}
    ss["rg_combo"] = [c for c in ss.get("rg_combo", ()) if c in strengths]  # only remedies switched on
    combo = sb.multiselect(
        _("Also train a combination of"),
        list(strengths),
        format_func=translated(LABELS).get,
        placeholder=_("Choose remedies switched on above"),
        key="rg_combo",
    )
    if len(combo) >= 2:
        variants["+".join(combo)] = {c: strengths[c] for c in combo}
    elif len(combo) == 1:
        sb.warning(_("Pick two or more remedies for a combination."))
    return variants


def sci(x: float) -> str:
    """1.9 × 10⁹: the mantissa to two digits."""
    mantissa, exp = f"{x:.1e}".split("e")
    return f"{mantissa} × 10{str(int(exp)).translate(str.maketrans('-0123456789', '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'))}"


def cost_caption(c: reg.Cost) -> str:
    return _(
        "Cost before training: {v} variants × {p:,} parameters × {r} training rows × {e} epochs = {total} "
        "(budget {budget})."
    ).format(v=c.variants, p=c.parameters, r=c.rows, e=c.epochs, total=sci(c.total), budget=sci(reg.MAX_COST))


def refused(c: reg.Cost) -> bool:
    """Show the refusal and return True when ``c`` is past the budget (checked before any training)."""
    if not c.over_budget:
        return False
    fit = int(reg.MAX_COST // (c.variants * c.parameters * c.rows))
    lower = (
        _("lower the epochs to {fit} or fewer, or the samples or the variants").format(fit=fit)
        if fit >= 10
        else _("lower the samples or the number of variants (each epoch alone is too costly)")
    )
    st.error(
        _(
            "Not trained: {v} variants × {p:,} parameters × {r} training rows × {e} epochs = {total}, past the "
            "budget of {budget}. To fit it, {lower}."
        ).format(
            v=c.variants,
            p=c.parameters,
            r=c.rows,
            e=c.epochs,
            total=sci(c.total),
            budget=sci(reg.MAX_COST),
            lower=lower,
        )
    )
    return True
