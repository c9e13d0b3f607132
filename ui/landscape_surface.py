"""Loss-surface page: surfaces computed and cached (plain data, shared by every session, never
mutated), what a surface costs before it is computed, and the notes and epoch view under the maps."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

import numpy as np
import streamlit as st

from core import data, landscape
from core.records import TrainedModel
from ui import work_queue
from ui.i18n import _
from ui.landscape import shown_name

MAX_CACHED_SURFACES = 16
MAX_CACHED_BYTES = 64 * 2**20  # the hosted demo has little memory: directions of a big net are large
SEQUENCE_LIMITS = {"max_points": 256, "max_val_points": 256}  # Transformers: sequences scored per grid point
# Issue 12 item 9: a surface costs about grid points x samples x parameters. The sort Transformer's
# 101 x 101 surface (10,201 x 512 sequences x 68,362 parameters) took 301 s on this 2-core host.
SECONDS_PER_UNIT = 301 / (101 * 101 * 512 * 68_362)
SURFACE_BUDGET = 6e10  # units per press, about 50 s here: a class of thirty must not queue behind one map


def limits(record: TrainedModel) -> dict:
    """Samples scored per grid point: a Transformer costs ~50 ms a point on all its sequences on 2
    CPU cores, so it is scored on the first 256 training and 256 validation sequences."""
    return SEQUENCE_LIMITS if record.is_transformer else {}


@st.cache_resource
def _surface_store() -> dict:
    return {"lock": threading.Lock(), "items": OrderedDict()}


def _surface_key(record_key, record, dataset_key, method, resolution, span, seed) -> tuple:
    return (record_key, record.loss, dataset_key, method, resolution, span, seed)


def stored_surface(
    record_key: str,
    record: TrainedModel,
    dataset_key: str,
    dataset: data.Dataset,
    method: str,
    resolution: int,
    span: float,
    seed: int,
) -> landscape.Surface | None:
    """The surface already computed for these settings (by any session), else None: nothing is computed."""
    store, key = _surface_store(), _surface_key(record_key, record, dataset_key, method, resolution, span, seed)
    with store["lock"]:
        if key in store["items"]:
            store["items"].move_to_end(key)
            return store["items"][key]
    return None


def surface(
    record_key: str,
    record: TrainedModel,
    dataset_key: str,
    dataset: data.Dataset,
    method: str,
    resolution: int,
    span: float,
    seed: int,
) -> landscape.Surface:
    """The surface of the loss the record was trained with, cached per (model, loss, data, method,
    resolution, span, seed) and shared by all sessions (never mutated); computed in a slot of the
    shared work queue, with a progress bar."""
    hit = stored_surface(record_key, record, dataset_key, dataset, method, resolution, span, seed)
    if hit is not None:
        return hit
    what = _("Computing the surface of {model}").format(model=shown_name(record))
    bar = st.progress(
        0.0, text=_("{what}: {done} of {total} points").format(what=what, done=0, total=f"{resolution**2:,}")
    )
    shown = {"at": 0.0}

    def on_progress(done, total):
        now = time.perf_counter()
        if now - shown["at"] > 0.2 or done == total:
            shown["at"] = now
            bar.progress(
                done / total,
                text=_("{what}: {done} of {total} points").format(what=what, done=f"{done:,}", total=f"{total:,}"),
            )

    try:
        with work_queue.heavy_slot(_("a loss surface")):
            result = landscape.surface(
                record.build(),
                dataset,
                method,
                resolution,
                span,
                seed,
                trajectory=record.trajectory,
                on_progress=on_progress,
                loss=record.loss,
                **limits(record),
            )
    finally:
        bar.empty()
    store = _surface_store()
    with store["lock"]:
        store["items"][_surface_key(record_key, record, dataset_key, method, resolution, span, seed)] = result
        while len(store["items"]) > 1 and (
            len(store["items"]) > MAX_CACHED_SURFACES or sum(map(_nbytes, store["items"].values())) > MAX_CACHED_BYTES
        ):
            store["items"].popitem(last=False)  # the least recently used first; the newest always stays
    return result


def cost(record: TrainedModel, resolution: int) -> dict:
    """What one surface costs: grid points x samples scored per point x parameters, and seconds here."""
    lim, ds = limits(record), record.dataset
    samples = min(len(ds.X_train), lim.get("max_points", 2000)) + min(len(ds.X_val), lim.get("max_val_points", 10**9))
    params = int(sum(np.size(v) for v in record.state.values()))
    units = resolution**2 * samples * params
    return {
        "points": resolution**2,
        "samples": samples,
        "params": params,
        "units": units,
        "seconds": units * SECONDS_PER_UNIT,
    }


def largest_resolution(costs: list[dict]) -> int:
    """The largest grid side whose surfaces (all of them) fit the budget; below 3 none does."""
    per_point = sum(c["units"] / c["points"] for c in costs)
    return math.isqrt(int(SURFACE_BUDGET // per_point))


def _sci(x: float) -> str:
    """3.6 × 10¹¹: readable in both languages."""
    e = math.floor(math.log10(x)) if x > 0 else 0
    return f"{x / 10**e:.2g} × 10" + str(e).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


def cost_gate(records: list[TrainedModel], resolution: int, pressed: bool) -> bool:
    """Before surfaces are computed: their estimated cost, a refusal past the budget (naming it and what
    to lower), else the button. True when they may be computed now (its press, or ``pressed`` already)."""
    costs = [cost(r, resolution) for r in records]
    units = sum(c["units"] for c in costs)
    terms = " + ".join(f"{c['points']:,} × {c['samples']:,} × {c['params']:,}" for c in costs)
    budget = {"budget": _sci(SURFACE_BUDGET), "budget_seconds": f"{SURFACE_BUDGET * SECONDS_PER_UNIT:.0f}"}
    if units > SURFACE_BUDGET:
        fit = largest_resolution(costs)
        lower = (
            _("lower the resolution to at most {res} per side, or pick a smaller model").format(res=fit)
            if fit >= 3
            else _("pick a smaller model: even a 3 × 3 grid is past it")
        )
        st.error(
            _(
                "This surface would cost {terms} = {units} (grid points × samples scored per point × parameters), "
                "past the budget of {budget} per press (about {budget_seconds} s on this server; the 101 × 101 "
                "surface of the sort Transformer took 301 s here). To compute it, {lower}."
            ).format(terms=terms, units=_sci(units), lower=lower, **budget)
        )
        return False
    st.caption(
        _(
            "Cost: {terms} = {units} (grid points × samples scored per point × parameters), about {seconds} s "
            "on this server; the budget per press is {budget} (about {budget_seconds} s)."
        ).format(terms=terms, units=_sci(units), seconds=f"{units * SECONDS_PER_UNIT:.1f}", **budget)
    )
    if pressed or st.button(_("Compute the surface"), type="primary", key="ls_compute"):
        return True
    st.info(_("Press **Compute the surface** to compute the map for these settings."))
    return False


def _nbytes(s: landscape.Surface) -> int:
    arrays = [s.alphas, s.betas, s.loss, s.accuracy, *s.directions, s.trajectory]
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


@st.cache_data(show_spinner=False, max_entries=16)
def path_span(record_key: str, _record: TrainedModel) -> float:
    """The map span that shows a model's whole PCA path: a PCA of its trajectory, once per model."""
    return landscape.path_span(_record.trajectory)


@st.cache_data(show_spinner=False, max_entries=16)
def cached_slice(
    record_key: str,
    loss: str,
    _record: TrainedModel,
    dataset_key: str,
    _dataset: data.Dataset,
    direction: str,
    span: float,
    seed: int,
) -> dict:
    init = _record.trajectory[0] if _record.trajectory is not None else None
    with work_queue.heavy_slot(_("a loss surface")):
        return landscape.slice_1d(
            _record.build(),
            _dataset,
            direction,
            61,
            span,
            seed,
            initial=init,
            max_points=limits(_record).get("max_points", 2000),
            loss=loss,
        )


def path_fidelity(record: TrainedModel, surface: landscape.Surface, epoch: int) -> dict:
    return landscape.path_fidelity(
        record.build(), record.dataset, surface, record.trajectory, epoch, limits(record).get("max_points", 2000)
    )


def weights_at(record: TrainedModel, epoch: int):
    """The record's network holding the weights of ``epoch`` on its path (0 = initial)."""
    return landscape.load_flat(record.build(), record.trajectory[epoch])


def surface_notes(s: landscape.Surface, radius: float) -> list[str]:
    """What to read under a map: its centre and maximum, NaN cells, sharpness, PCA fidelity."""
    from ui.formulas import LOSS_NAMES

    finite = s.loss[np.isfinite(s.loss)]
    nan = int(np.isnan(s.loss).sum())
    top = (
        _("max on the plane {max}.").format(max=f"{finite.max():.3g}")
        if len(finite)
        else _("the loss is not finite anywhere on this plane: try a smaller span.")
    )
    lines = [
        _(
            "Centre loss **{centre}** (the trained model's training loss: {loss}, the loss it was trained with); {top}"
        ).format(centre=f"{s.center_loss:.4f}", loss=_(LOSS_NAMES[s.loss_name]).lower(), top=top)
        + (_(" {n} cells are NaN (shown blank).").format(n=nan) if nan else ""),
        _(
            "Sharpness within ±{radius}: **{sharpness}%** (the largest rise of the loss in that box over 1 + the "
            "centre loss; higher = sharper)."
        ).format(radius=f"{radius:.3g}", sharpness=f"{landscape.sharpness(s, radius):.2f}"),
    ]
    if s.trajectory is not None and (out := int((np.abs(s.trajectory) > s.alphas[-1]).any(axis=1).sum())):
        lines.append(
            _(
                "{n} epochs of the path lie outside ±{span} and are drawn on the map's edge: widen the span, "
                "or turn on fitting the span to the path."
            ).format(n=out, span=f"{s.alphas[-1]:g}")
        )
    if s.explained_variance is not None:
        ev = s.explained_variance
        lines.append(
            _("PCA directions explain **{a} + {b} = {total}** of the trajectory's variance.").format(
                a=f"{ev[0]:.1%}", b=f"{ev[1]:.1%}", total=f"{ev.sum():.1%}"
            )
        )
    if s.reconstruction_error is not None:
        lines.append(
            _(
                "Faithfulness: the start point lies {error} of its distance to the end off the plane (0% = the "
                "path lies in the plane). The projected end point is the centre, where the real end point is, "
                "exactly."
            ).format(error=f"{s.reconstruction_error:.1%}")
        )
    return lines


def epoch_view(lead: TrainedModel, lead_surface: landscape.Surface, epoch: int):
    """The lead model at one epoch of its path: boundary, losses, and how far to trust the map there."""
    from core import boundary
    from ui import charts
    from ui.formulas import LOSS_NAMES

    ds = lead.dataset
    st.subheader(_("{model} at epoch {epoch}").format(model=shown_name(lead), epoch=epoch))
    a1, a2 = st.columns([2, 1])
    if ds.is_2d:
        bd = boundary.decision_boundary(boundary.torch_logits(weights_at(lead, epoch)), ds.X_train, 40)
        a1.altair_chart(
            charts.decision_boundary(
                bd, ds.X_train, ds.y_train, ds.class_names, _("Decision boundary at epoch {epoch}").format(epoch=epoch)
            ),
            width="stretch",
        )
    if epoch > 0:
        a2.metric(
            _("Training loss ({loss})").format(loss=_(LOSS_NAMES[lead.loss]).lower()),
            f"{lead.history.train_loss[epoch - 1]:.4f}",
        )
        if ds.task != "regression":
            a2.metric(_("Validation accuracy"), f"{lead.history.val_acc[epoch - 1]:.1%}")
    else:
        a2.markdown(_("Epoch 0: the initial weights, before any step."))
    if lead_surface.trajectory is not None:  # PCA: how far to trust the map along the path
        f = path_fidelity(lead, lead_surface, epoch)
        a2.metric(_("Loss the map shows at this epoch's point"), f"{f['plane_loss']:.4f}")
        bn = _(" (batch-norm statistics: the final model's)") if lead.config.get("batch_norm") else ""
        a2.caption(
            _(
                "The real loss of these weights on the same samples is {loss}{bn}. They lie {off} of their "
                "distance to the end point off the plane: the nearer 0%, the more the map's number is the real "
                "one."
            ).format(loss=f"{f['real_loss']:.4f}", bn=bn, off=f"{f['off_plane']:.1%}")
        )
