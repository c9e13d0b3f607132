"""Loss surface: optimizer paths on exact toy surfaces, and the landscape around trained networks."""

import json

import numpy as np
import streamlit as st

from core import boundary, data, landscape, models, toy_surfaces as toys
from core.errors import CoreError
from ui import cache, charts, landscape as ui_ls, playground as ui_pg
from ui.charts import landscape as lc
from ui.formulas import OPTIMIZER, OPTIMIZER_NAMES

st.set_page_config(page_title="Loss surface", page_icon="⛰️", layout="wide")
st.title("Loss surface")
st.caption("Gradient descent walks downhill on the loss. Watch optimizers race on surfaces known exactly, then look "
           "at the real landscape around a trained network (Li et al. 2018).")
toy_tab, net_tab = st.tabs(["Toy surfaces, exact", "Real networks, around trained weights"])

with toy_tab:
    name = st.selectbox("Surface", list(toys.TOYS), format_func=lambda n: toys.TOYS[n].name, key="toy_name")
    toy = toys.TOYS[name]
    # a click on the map picks the start point: read it before the start widgets are drawn
    event = st.session_state.get(f"toy_chart_{name}")
    picked = (event or {}).get("selection", {}).get("start") if isinstance(event, dict) or hasattr(event, "get") else None
    if picked and st.session_state.get("toy_last_pick") != picked:
        st.session_state["toy_last_pick"] = picked
        st.session_state[f"toy_x_{name}"] = float(picked[0]["x"])
        st.session_state[f"toy_y_{name}"] = float(picked[0]["y"])
    st.latex(toy.formula)
    c = st.columns(5)
    x0 = c[0].number_input(f"start {toy.axes[0]}", value=float(toy.start[0]), step=0.1, key=f"toy_x_{name}")
    y0 = c[1].number_input(f"start {toy.axes[1]}", value=float(toy.start[1]), step=0.1, key=f"toy_y_{name}")
    lr = c[2].number_input("learning rate α (0 to 100)", 0.0, 100.0, toy.lr, format="%.4f", key=f"toy_lr_{name}")
    steps = c[3].number_input(f"steps (1 to {ui_ls.LIMITS['steps']})", 1, ui_ls.LIMITS["steps"], 200, key="toy_steps")
    log = c[4].checkbox("log colour scale", True, key="toy_log")
    chosen = st.multiselect("Optimizers", toys.OPTIMIZERS, default=["sgd", "momentum", "adam"], format_func=OPTIMIZER_NAMES.get,
                            key="toy_opts")
    if not chosen:
        st.warning("Pick at least one optimizer.")
    elif lr <= 0:
        st.error("The learning rate must be above 0.")
    else:
        try:
            paths = [toys.path(name, o, (x0, y0), float(lr), int(steps)) for o in chosen]
        except CoreError as e:
            st.error(str(e))
            paths = []
    if chosen and lr > 0 and paths:
        upto = st.slider("Show the race up to step", 0, int(steps), int(steps), key="toy_upto")
        xs, ys, Z = toys.grid(name, 70)
        m, s = st.columns([3, 2])
        m.altair_chart(lc.toy_map(xs, ys, Z, paths, upto, log, True, toy.axes, f"{toy.name}: click the map to start there"),
                       width="stretch", on_select="rerun", key=f"toy_chart_{name}")
        s.altair_chart(lc.steps_chart(paths, upto), width="stretch")
        for p in paths:
            if p["diverged"] is not None:
                st.warning(f"{OPTIMIZER_NAMES[p['optimizer']]} diverged at step {p['diverged']}: the learning rate "
                           f"{lr:g} is too large for it here (marked ✕ on the map). Try {lr / 10:g}.")
        rows = [{"optimizer": OPTIMIZER_NAMES[p["optimizer"]], "steps run": len(p["loss"]) - 1,
                 "final loss": float(p["loss"][-1]), "final point": f"({p['points'][-1][0]:.4f}, {p['points'][-1][1]:.4f})",
                 "diverged": "yes" if p["diverged"] is not None else "no"} for p in paths]
        st.dataframe(rows, hide_index=True)
        if name == "regression":
            w, b = toys.regression_minimum()
            st.caption(f"The least-squares minimum (closed form): w = {w:.4f}, b = {b:.4f}.")
        st.markdown("**Update rules** ($g_t = \\nabla L(\\theta_t)$, β = 0.9 for momentum and Nesterov; PyTorch's defaults otherwise)")
        for o in chosen:
            st.latex(r"\text{%s:}\quad %s" % (OPTIMIZER_NAMES[o], OPTIMIZER[o]))

with net_tab:
    source = st.radio("Model", ["Train two models here and compare", "The model trained on the Playground", "A zoo model"],
                      horizontal=True, key="ls_source")
    c = st.columns(5)
    method = c[0].selectbox("Directions", list(landscape.METHODS), key="ls_method", format_func={
        "filter": "random, filter-normalized", "layer": "random, layer-normalized", "none": "random, not normalized",
        "pca": "PCA of the training trajectory"}.get)
    res = c[1].number_input(f"Resolution (3 to {landscape.MAX_RESOLUTION} per side)", 3, 1000, 31, key="ls_res")
    span = c[2].number_input(f"Span ± (above 0, at most {landscape.MAX_SPAN:g})", 0.0, 1000.0, 1.0, 0.25, key="ls_span")
    seed = int(c[3].number_input("Direction seed", 0, 9999, 0, key="ls_seed"))
    metric = c[4].radio("Map", ["loss", "accuracy"], key="ls_metric", format_func={"loss": "training loss", "accuracy": "validation accuracy"}.get)
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

    records = {}
    if source.startswith("Train"):
        a, b, e = st.columns(3)
        dsname = a.selectbox("Dataset", list(data.TWO_D), key="ls_ds")
        epochs = int(b.number_input("Epochs (5 to 300)", 5, 300, 60, key="ls_epochs"))
        dseed = int(e.number_input("Seed", 0, 9999, 0, key="ls_dseed"))
        sa, sb = st.columns(2)
        bs_a = int(sa.select_slider("Model A: batch size", [4, 8, 16, 32, 64, 128, 300], 8, key="ls_bs_a"))
        l2_a = float(sa.select_slider("Model A: L2 λ", [0.0, 1e-4, 1e-3, 1e-2, 1e-1], 0.0, key="ls_l2_a"))
        bs_b = int(sb.select_slider("Model B: batch size", [4, 8, 16, 32, 64, 128, 300], 300, key="ls_bs_b"))
        l2_b = float(sb.select_slider("Model B: L2 λ", [0.0, 1e-4, 1e-3, 1e-2, 1e-1], 0.0, key="ls_l2_b"))
        try:
            pair = ui_ls.train_pair(dsname, dseed, epochs, {"A": {"batch_size": bs_a, "l2": l2_a}, "B": {"batch_size": bs_b, "l2": l2_b}})
        except CoreError as err:
            st.error(str(err))
            st.stop()
        records = pair["models"]
        ds = cache.dataset(dsname, dseed, json.dumps({}))
        no_path = None
    elif source.startswith("The model"):
        rec, problem = ui_ls.playground_model(st.session_state.get("pg_result"))
        if problem:
            st.info(problem)
            st.stop()
        records, ds = {"Playground model": rec}, rec["dataset"]
        st.caption(f"The Playground's last model: {models.describe(ui_ls.rebuild(rec))}, trained on **{ds.name}** "
                   f"({len(ds.X_train)} training samples).")
        no_path = None if rec["trajectory"] is not None else (
            "This Playground model has too many parameters x epochs to keep its path through weight space "
            f"(the limit is {ui_pg.MAX_TRAJECTORY_FLOATS:,} numbers), so PCA directions and the interpolation "
            "from its initial weights are not available: pick random directions, or train a smaller network.")
    else:
        choices = ui_ls.zoo_names()
        zname = st.selectbox("Zoo model", choices, key="ls_zoo")
        rec = ui_ls.zoo_model(zname)
        records = {zname: rec}
        ds = cache.dataset(rec["dataset"]["name"], rec["dataset"]["seed"], json.dumps(rec["dataset"]["options"], sort_keys=True))
        if ui_ls.limits(rec):
            st.caption(f"A Transformer is scored on the first {ui_ls.SEQUENCE_LIMITS['max_points']} training and "
                       f"{ui_ls.SEQUENCE_LIMITS['max_val_points']} validation sequences at each grid point (about 8 ms "
                       "a point on 2 CPU cores); accuracy is per token.")
        no_path = ("Zoo checkpoints keep the final weights only, not the training path, so PCA directions and the "
                   "interpolation from initial weights are not available for them: pick random directions, or train "
                   "models here.")
    if method == "pca" and no_path:
        st.info(no_path)
        st.stop()
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

    label = {name: f"Model {name}" if len(name) == 1 else name for name in records}  # A, B; the zoo's names
    surfaces = {}
    try:
        for name, rec in records.items():
            surfaces[name] = ui_ls.surface(keys[name], rec, ds_key, ds, method, int(res), map_span, seed,
                                           label[name])
    except CoreError as err:
        st.error(str(err))
        st.stop()

    lead_name = next(iter(records))
    first = records[lead_name]
    epoch = None
    if first["trajectory"] is not None:
        clicked = ((st.session_state.get("ls_map") or {}).get("selection") or {}).get("epoch_pick")
        if clicked and st.session_state.get("ls_last_pick") != clicked:  # a click on the path picks that epoch
            st.session_state["ls_last_pick"] = clicked
            st.session_state["ls_epoch"] = int(clicked[0]["epoch"])
        epoch = st.slider(f"Pick an epoch on the path of {label[lead_name]} (linked to the map, the boundary and the numbers)", 0,
                          len(first["trajectory"]) - 1, len(first["trajectory"]) - 1, key="ls_epoch")
    frac = st.select_slider("Sharpness box: ± this share of the span (ε-sharpness, Keskar et al. 2017)",
                            [0.1, 0.25, 0.5, 1.0], 0.25, format_func=lambda f: f"{f:.0%}", key="ls_sharp")
    radius = frac * map_span
    # side by side, the maps share one colour scale, so that a sharper minimum looks sharper
    shared = lc.value_range([getattr(s, metric) for s in surfaces.values()], log and metric == "loss")
    cols = st.columns(len(surfaces))
    for col, (name, s) in zip(cols, surfaces.items()):
        with col:
            nan = int(np.isnan(s.loss).sum())
            lead = name == next(iter(surfaces))
            chart = lc.surface_map(s, metric, log, contour, f"{label[name]}: {metric} on the plane" +
                                   (" (click a point of the path)" if lead and s.trajectory is not None else ""),
                                   epoch if lead else None, shared)
            if lead and s.trajectory is not None:
                col.altair_chart(chart, width="stretch", on_select="rerun", key="ls_map")
            else:
                col.altair_chart(chart, width="stretch")
            if s.trajectory is not None and (out := int((np.abs(s.trajectory) > s.alphas[-1]).any(axis=1).sum())):
                col.caption(f"{out} epochs of the path lie outside ±{s.alphas[-1]:g} and are drawn on the map's edge: "
                            "widen the span, or turn on fitting the span to the path.")
            finite = s.loss[np.isfinite(s.loss)]
            top = f"max on the plane {finite.max():.3g}." if len(finite) else "the loss is not finite anywhere on this plane: try a smaller span."
            col.markdown(f"Centre loss **{s.center_loss:.4f}** (the trained model's training loss); {top}" +
                         (f" {nan} cells are NaN (shown blank)." if nan else ""))
            col.markdown(f"Sharpness within ±{radius:.3g}: **{landscape.sharpness(s, radius):.2f}%** (the largest rise "
                         "of the loss in that box over 1 + the centre loss; higher = sharper).")
            if s.explained_variance is not None:
                col.markdown(f"PCA directions explain **{s.explained_variance[0]:.1%} + {s.explained_variance[1]:.1%} = "
                             f"{s.explained_variance.sum():.1%}** of the trajectory's variance.")
            if s.reconstruction_error is not None:
                col.caption(f"Faithfulness: the start point lies {s.reconstruction_error:.1%} of its distance to the end "
                            "off the plane (0% = the path lies in the plane). The projected end point is the centre, "
                            "where the real end point is, exactly.")

    if epoch is not None:
        st.subheader(f"{label[lead_name]} at epoch {epoch}")
        rec = first
        model = ui_ls.rebuild(rec)
        landscape.load_flat(model, rec["trajectory"][epoch])
        a1, a2 = st.columns([2, 1])
        if ds.is_2d:
            bd = boundary.decision_boundary(boundary.torch_logits(model), ds.X_train, 40)
            a1.altair_chart(charts.decision_boundary(bd, ds.X_train, ds.y_train, ds.class_names,
                                                     f"Decision boundary at epoch {epoch}"), width="stretch")
        if epoch > 0:
            a2.metric("Training loss", f"{rec['train_loss'][epoch - 1]:.4f}")
            a2.metric("Validation accuracy", f"{rec['val_acc'][epoch - 1]:.1%}")
        else:
            a2.markdown("Epoch 0: the initial weights, before any step.")
        lead_surface = surfaces[lead_name]
        if lead_surface.trajectory is not None:  # PCA: how far to trust the map along the path
            f = landscape.path_fidelity(ui_ls.rebuild(rec), ds, lead_surface, rec["trajectory"], epoch,
                                        ui_ls.limits(rec).get("max_points", 2000))
            a2.metric("Loss the map shows at this epoch's point", f"{f['plane_loss']:.4f}")
            bn = " (batch-norm statistics: the final model's)" if rec["config"].get("batch_norm") else ""
            a2.caption(f"The real loss of these weights on the same samples is {f['real_loss']:.4f}{bn}. They lie "
                       f"{f['off_plane']:.1%} of their distance to the end point off the plane: the nearer 0%, the "
                       "more the map's number is the real one.")

    st.subheader("1-D slices")
    dchoice = st.radio("Direction", ["filter", "interpolation"], horizontal=True, key="ls_slice", format_func={
        "filter": "random filter-normalized direction through the trained weights",
        "interpolation": "interpolation from the initial to the trained weights"}.get)
    if dchoice == "interpolation" and no_path:
        st.info(no_path)
    else:
        sl = {name: ui_ls.cached_slice(keys[name], r, ds_key, ds, dchoice, float(span), seed) for name, r in records.items()}
        xt = "α (0 = initial weights, 1 = trained)" if dchoice == "interpolation" else "α along the direction"
        st.altair_chart(lc.slices_chart(sl, xt, "Training loss along a line: the sharper minimum rises faster"), width="stretch")
