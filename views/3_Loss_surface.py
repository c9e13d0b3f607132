"""Loss surface: optimizer paths on exact toy surfaces, and the landscape around trained networks."""

import streamlit as st

from core import landscape
from core.errors import CoreError
from ui import i18n, url_state
from ui import landscape as ui_ls
from ui import landscape_surface as ui_surf
from ui import landscape_toy as toy
from ui.charts import landscape as lc
from ui.formulas import LOSS_NAMES
from ui.i18n import N_, _

st.set_page_config(page_title="Loss surface", page_icon="⛰️", layout="wide")
i18n.setup()
VIEWS = {"toy": N_("Toy surfaces, exact"), "net": N_("Real networks, around trained weights")}
SCHEMA = url_state.Schema(
    "loss_surface",
    (
        url_state.Choice("view", "toy", key="ls_view", choices=tuple(VIEWS)),
        *toy.fields(toy.current_surface()),
        *ui_ls.fields(ui_ls.zoo_names()),
    ),
)
state = url_state.bind(SCHEMA)
url_state.share_link(SCHEMA, state)
st.title(_("Loss surface"))
st.caption(
    _(
        "Gradient descent walks downhill on the loss. Watch optimizers race on surfaces known exactly, then look "
        "at the real landscape around a trained network (Li et al. 2018)."
    )
)
view = st.radio(
    _("View"),
    list(VIEWS),
    format_func=lambda v: _(VIEWS[v]),
    horizontal=True,
    key="ls_view",
    label_visibility="collapsed",
)  # only the chosen view runs: nothing is computed for a hidden one
if view == "toy":
    toy.toy_view()
    st.stop()

SOURCES = {
    "pair": N_("Train two models here and compare"),
    "playground": N_("The model trained on the Playground"),
    "zoo": N_("A zoo model"),
}
METHODS = {
    "filter": N_("random, filter-normalized"),
    "layer": N_("random, layer-normalized"),
    "none": N_("random, not normalized"),
    "pca": N_("PCA of the training trajectory"),
}
source = st.radio(_("Model"), list(SOURCES), format_func=lambda v: _(SOURCES[v]), horizontal=True, key="ls_source")
c = st.columns(5)
method = c[0].selectbox(_("Directions"), list(METHODS), format_func=lambda v: _(METHODS[v]), key="ls_method")
res = int(
    c[1].number_input(
        _("Resolution (3 to {n} per side)").format(n=landscape.MAX_RESOLUTION),
        3,
        landscape.MAX_RESOLUTION,
        key="ls_res",
    )
)
span = c[2].number_input(
    _("Span ± (at most {n})").format(n=f"{landscape.MAX_SPAN:g}"),
    ui_ls.MIN_SPAN,
    landscape.MAX_SPAN,
    step=0.25,
    key="ls_span",
)
seed = int(c[3].number_input(_("Direction seed"), 0, 9999, key="ls_dir_seed"))
metric = c[4].radio(
    _("Map"),
    ["loss", "accuracy"],
    key="ls_metric",
    format_func=lambda m: _("training loss") if m == "loss" else _("validation accuracy"),
)
v1, v2, v3 = st.columns(3)
contour = v1.toggle(_("Contour levels (off: smooth heatmap)"), key="ls_contour")
log = v2.toggle(_("Log colour scale"), key="ls_log")
fit_path = v3.toggle(
    _("PCA: fit the span to the whole path"),
    key="ls_fit",
    disabled=method != "pca",
    help=_("Set the span so that every epoch of the projected path lies on the map."),
)

no_path, trained_now = None, False
if source == "pair":
    dsname, dseed, epochs, pair = ui_ls.pair_controls()
    records, older = ui_ls.trained_pair(dsname, dseed, epochs, pair)
    if st.button(_("Train models A and B"), type="primary", key="ls_train"):
        try:
            records, trained_now = ui_ls.train_pair(dsname, dseed, epochs, pair), True
        except CoreError as err:
            st.error(str(err))
            st.stop()
    if records is None:
        st.info(
            (
                _(
                    "The settings changed since models A and B were trained: press **Train models A and B** to train "
                    "two MLPs {widths} on {dataset} for {epochs} epochs from the same initial weights (a few seconds on "
                    "a CPU)."
                )
                if older
                else _(
                    "Press **Train models A and B** to train two MLPs {widths} on {dataset} "
                    "for {epochs} epochs from the same initial weights (a few seconds on a CPU)."
                )
            ).format(widths=ui_ls.PAIR_NETWORK["widths"], dataset=dsname, epochs=epochs)
        )
        st.stop()
elif source == "playground":
    records, no_path = ui_ls.playground_source()
else:
    records, no_path = ui_ls.zoo_source()
if method == "pca" and no_path:
    st.info(no_path)
    st.stop()
lead = next(iter(records.values()))
ds = lead.dataset
ds_key = ui_ls.dataset_key(ds)
keys = {name: ui_ls.record_key(r) for name, r in records.items()}  # weight fingerprints, for the caches
if metric == "accuracy" and ds.task == "regression":
    st.info(_("A regression model has no accuracy: the maps show its training loss (mean squared error)."))
    metric = "loss"
map_span = float(span)
if method == "pca" and fit_path:
    need = max(ui_surf.path_span(keys[name], r) for name, r in records.items())
    map_span = round(min(landscape.MAX_SPAN, need), 3)
    st.caption(
        _("Map span ±{span}: the whole path fits (the 1-D slices keep ±{slices}).").format(
            span=f"{map_span:g}", slices=f"{span:g}"
        )
        if need <= landscape.MAX_SPAN
        else _("Map span ±{span}, the limit; the path reaches ±{reach}, so its far end is drawn on the edge.").format(
            span=f"{map_span:g}", reach=f"{need / 1.1:.3g}"
        )
    )
args = {name: (keys[name], r, ds_key, ds, method, res, map_span, seed) for name, r in records.items()}
surfaces = {name: ui_surf.stored_surface(*a) for name, a in args.items()}
if missing := [name for name, s in surfaces.items() if s is None]:  # nothing is computed before a press
    if not ui_surf.cost_gate([records[name] for name in missing], res, trained_now):
        st.stop()
    try:
        surfaces.update({name: ui_surf.surface(*args[name]) for name in missing})
    except CoreError as err:
        st.error(str(err))
        st.stop()

epoch = None
if lead.trajectory is not None:
    clicked = ((st.session_state.get("ls_map") or {}).get("selection") or {}).get("epoch_pick")
    if clicked and st.session_state.get("ls_last_pick") != clicked:  # a click on the path picks that epoch
        st.session_state["ls_last_pick"] = clicked
        st.session_state["ls_epoch"] = int(clicked[0]["epoch"])
    epoch = st.slider(
        _("Pick an epoch on the path of {model} (linked to the map, the boundary and the numbers)").format(
            model=ui_ls.shown_name(lead)
        ),
        0,
        len(lead.trajectory) - 1,
        len(lead.trajectory) - 1,
        key="ls_epoch",
    )
frac = st.select_slider(
    _("Sharpness box: ± this share of the span (ε-sharpness, Keskar et al. 2017)"),
    ui_ls.SHARP_BOX,
    format_func=lambda f: f"{f:.0%}",
    key="ls_sharp",
)
radius = frac * map_span
# side by side, the maps share one colour scale, so that a sharper minimum looks sharper
shared = lc.value_range([getattr(s, metric) for s in surfaces.values()], log and metric == "loss")
for col, (name, s), first in zip(st.columns(len(surfaces)), surfaces.items(), [True] + [False] * len(surfaces)):
    with col:
        clickable = first and s.trajectory is not None
        what = _(LOSS_NAMES[s.loss_name]).lower() if metric == "loss" else _("validation accuracy")
        title = _("{model}: {what} on the plane").format(model=ui_ls.shown_name(records[name]), what=what)
        chart = lc.surface_map(
            s,
            metric,
            log,
            contour,
            title + (_(" (click a point of the path)") if clickable else ""),
            epoch if first else None,
            shared,
        )
        st.altair_chart(chart, width="stretch", **({"on_select": "rerun", "key": "ls_map"} if clickable else {}))
        for line in ui_surf.surface_notes(s, radius):
            st.markdown(line)

if epoch is not None:
    ui_surf.epoch_view(lead, next(iter(surfaces.values())), epoch)

st.subheader(_("1-D slices"))
SLICES = {
    "filter": N_("random filter-normalized direction through the trained weights"),
    "interpolation": N_("interpolation from the initial to the trained weights"),
}
dchoice = st.radio(_("Direction"), list(SLICES), horizontal=True, key="ls_slice", format_func=lambda d: _(SLICES[d]))
if dchoice == "interpolation" and no_path:
    st.info(no_path)
else:
    sl = {
        ui_ls.shown_name(r): ui_surf.cached_slice(keys[name], r.loss, r, ds_key, ds, dchoice, float(span), seed)
        for name, r in records.items()
    }
    xt = _("α (0 = initial weights, 1 = trained)") if dchoice == "interpolation" else _("α along the direction")
    st.altair_chart(
        lc.slices_chart(sl, xt, _("Training loss along a line: the sharper minimum rises faster")), width="stretch"
    )
