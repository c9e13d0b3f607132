"""Loss surface: optimizer paths on exact toy surfaces, and the landscape around trained networks."""

import streamlit as st

from core import landscape, models
from core.errors import CoreError
from ui import landscape as ui_ls
from ui import playground as ui_pg
from ui.charts import landscape as lc
from ui.formulas import LOSS_NAMES
from ui.landscape_toy import toy_view

st.set_page_config(page_title="Loss surface", page_icon="⛰️", layout="wide")
st.title("Loss surface")
st.caption("Gradient descent walks downhill on the loss. Watch optimizers race on surfaces known exactly, then look "
           "at the real landscape around a trained network (Li et al. 2018).")
VIEWS = {"toy": "Toy surfaces, exact", "net": "Real networks, around trained weights"}
view = st.radio("View", list(VIEWS), format_func=VIEWS.get, horizontal=True, key="ls_view",
                label_visibility="collapsed")  # only the chosen view runs: nothing is computed for a hidden one
if view == "toy":
    toy_view()
    st.stop()

SOURCES = {"pair": "Train two models here and compare", "playground": "The model trained on the Playground",
           "zoo": "A zoo model"}
source = st.radio("Model", list(SOURCES), format_func=SOURCES.get, horizontal=True, key="ls_source")
c = st.columns(5)
method = c[0].selectbox("Directions", list(landscape.METHODS), key="ls_method", format_func={
    "filter": "random, filter-normalized", "layer": "random, layer-normalized", "none": "random, not normalized",
    "pca": "PCA of the training trajectory"}.get)
res = c[1].number_input(f"Resolution (3 to {landscape.MAX_RESOLUTION} per side)", 3, 1000, 31, key="ls_res")
span = c[2].number_input(f"Span ± (above 0, at most {landscape.MAX_SPAN:g})", 0.0, 1000.0, 1.0, 0.25, key="ls_span")
seed = int(c[3].number_input("Direction seed", 0, 9999, 0, key="ls_seed"))
metric = c[4].radio("Map", ["loss", "accuracy"], key="ls_metric",
                    format_func={"loss": "training loss", "accuracy": "validation accuracy"}.get)
v1, v2, v3 = st.columns(3)
contour = v1.toggle("Contour levels (off: smooth heatmap)", True, key="ls_contour")
log = v2.toggle("Log colour scale", True, key="ls_log")
fit_path = v3.toggle("PCA: fit the span to the whole path", True, key="ls_fit", disabled=method != "pca",
                     help="Set the span so that every epoch of the projected path lies on the map.")
if res > landscape.MAX_RESOLUTION:
    st.error(f"Resolution {res} is past the limit of {landscape.MAX_RESOLUTION} points per side.")
    st.stop()
if not 0 < span <= landscape.MAX_SPAN:
    st.error(f"Span must be above 0 and at most {landscape.MAX_SPAN:g}.")
    st.stop()

no_path = None
if source == "pair":
    dsname, dseed, epochs, pair = ui_ls.pair_controls()
    records, older = ui_ls.trained_pair(dsname, dseed, epochs, pair)
    if st.button("Train models A and B", type="primary", key="ls_train"):
        try:
            records = ui_ls.train_pair(dsname, dseed, epochs, pair)
        except CoreError as err:
            st.error(str(err))
            st.stop()
    if records is None:
        st.info(("The settings changed since models A and B were trained: press " if older else "Press ") +
                f"**Train models A and B** to train two MLPs {ui_ls.PAIR_NETWORK['widths']} on {dsname} for {epochs} "
                "epochs from the same initial weights (a few seconds on a CPU).")
        st.stop()
elif source == "playground":
    rec = st.session_state.get("pg_record")
    if rec is None:
        st.info(ui_ls.NO_PLAYGROUND_MODEL)
        st.stop()
    records = {rec.name: rec}
    st.caption(f"The Playground's last model: {models.describe(rec.build())}, trained on **{rec.dataset.name}** "
               f"({len(rec.dataset.X_train)} training samples) with {LOSS_NAMES[rec.loss].lower()}.")
    if rec.trajectory is None:
        no_path = ("This Playground model has too many parameters x epochs to keep its path through weight space "
                   f"(the limit is {ui_pg.MAX_TRAJECTORY_FLOATS:,} numbers), so PCA directions and the interpolation "
                   "from its initial weights are not available: pick random directions, or train a smaller network.")
else:
    zname = st.selectbox("Zoo model", ui_ls.zoo_names(), key="ls_zoo")
    records = {zname: ui_ls.zoo_record(zname)}
    if ui_ls.limits(records[zname]):
        st.caption(f"A Transformer is scored on the first {ui_ls.SEQUENCE_LIMITS['max_points']} training and "
                   f"{ui_ls.SEQUENCE_LIMITS['max_val_points']} validation sequences at each grid point (about 8 ms "
                   "a point on 2 CPU cores); accuracy is per token.")
    no_path = ("Zoo checkpoints keep the final weights only, not the training path, so PCA directions and the "
               "interpolation from initial weights are not available for them: pick random directions, or train "
               "models here.")
if method == "pca" and no_path:
    st.info(no_path)
    st.stop()
lead = next(iter(records.values()))
ds = lead.dataset
ds_key = ui_ls.dataset_key(ds)
keys = {name: ui_ls.record_key(r) for name, r in records.items()}  # weight fingerprints, for the caches
if metric == "accuracy" and ds.task == "regression":
    st.info("A regression model has no accuracy: the maps show its training loss (mean squared error).")
    metric = "loss"
map_span = float(span)
if method == "pca" and fit_path:
    need = max(ui_ls.path_span(keys[name], r) for name, r in records.items())
    map_span = round(min(landscape.MAX_SPAN, need), 3)
    st.caption(f"Map span ±{map_span:g}: the whole path fits (the 1-D slices keep ±{span:g})."
               if need <= landscape.MAX_SPAN else f"Map span ±{map_span:g}, the limit; the path reaches "
               f"±{need / 1.1:.3g}, so its far end is drawn on the edge.")
try:
    surfaces = {name: ui_ls.surface(keys[name], r, ds_key, ds, method, int(res), map_span, seed)
                for name, r in records.items()}
except CoreError as err:
    st.error(str(err))
    st.stop()

epoch = None
if lead.trajectory is not None:
    clicked = ((st.session_state.get("ls_map") or {}).get("selection") or {}).get("epoch_pick")
    if clicked and st.session_state.get("ls_last_pick") != clicked:  # a click on the path picks that epoch
        st.session_state["ls_last_pick"] = clicked
        st.session_state["ls_epoch"] = int(clicked[0]["epoch"])
    epoch = st.slider(f"Pick an epoch on the path of {lead.name} (linked to the map, the boundary and the numbers)", 0,
                      len(lead.trajectory) - 1, len(lead.trajectory) - 1, key="ls_epoch")
frac = st.select_slider("Sharpness box: ± this share of the span (ε-sharpness, Keskar et al. 2017)",
                        [0.1, 0.25, 0.5, 1.0], 0.25, format_func=lambda f: f"{f:.0%}", key="ls_sharp")
radius = frac * map_span
# side by side, the maps share one colour scale, so that a sharper minimum looks sharper
shared = lc.value_range([getattr(s, metric) for s in surfaces.values()], log and metric == "loss")
for col, (name, s), first in zip(st.columns(len(surfaces)), surfaces.items(), [True] + [False] * len(surfaces)):
    with col:
        clickable = first and s.trajectory is not None
        what = LOSS_NAMES[s.loss_name].lower() if metric == "loss" else "validation accuracy"
        chart = lc.surface_map(s, metric, log, contour, f"{records[name].name}: {what} on the plane" +
                               (" (click a point of the path)" if clickable else ""), epoch if first else None, shared)
        st.altair_chart(chart, width="stretch", **({"on_select": "rerun", "key": "ls_map"} if clickable else {}))
        for line in ui_ls.surface_notes(s, radius):
            st.markdown(line)

if epoch is not None:
    ui_ls.epoch_view(lead, next(iter(surfaces.values())), epoch)

st.subheader("1-D slices")
dchoice = st.radio("Direction", ["filter", "interpolation"], horizontal=True, key="ls_slice", format_func={
    "filter": "random filter-normalized direction through the trained weights",
    "interpolation": "interpolation from the initial to the trained weights"}.get)
if dchoice == "interpolation" and no_path:
    st.info(no_path)
else:
    sl = {r.name: ui_ls.cached_slice(keys[name], r.loss, r, ds_key, ds, dchoice, float(span), seed)
          for name, r in records.items()}
    xt = "α (0 = initial weights, 1 = trained)" if dchoice == "interpolation" else "α along the direction"
    st.altair_chart(lc.slices_chart(sl, xt, "Training loss along a line: the sharper minimum rises faster"),
                    width="stretch")
