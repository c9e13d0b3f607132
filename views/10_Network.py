"""The living network: every neuron's activation over the plane and every weight, as it trains step by step."""

import time

import numpy as np
import streamlit as st

from core import formula, stepper
from ui import i18n, url_state
from ui import network_view as nv
from ui.charts import network as net_charts
from ui.i18n import _

st.set_page_config(page_title="Network", page_icon="🕸️", layout="wide")
i18n.setup()
state = url_state.bind(nv.SCHEMA)
st.title(_("The network, alive"))
st.caption(
    _(
        "Each neuron is drawn with what it computes over the input plane; each weight is an edge, blue above "
        "zero and orange below, as thick as it is large. Press play, or step one batch or one epoch at a time."
    )
)

spec = nv.controls(state)
url_state.share_link(nv.SCHEMA, state)
backward = st.toggle(_("Backward mode: show the gradients flowing back"), key="net_backward")
plane_col, net_col = st.columns([2, 3])
with plane_col:
    cls = nv.drawing_controls() if spec["source"] == "drawn" else None
got = nv.safely(nv.data, spec)
if got is None:
    X, y, ds = np.zeros((0, 2)), np.zeros(0, int), None
else:
    X, y, ds = got

run = st.session_state.get("net_run")
stale = run is not None and ds is not None and run["key"] != nv.arch_key(spec)
b = st.columns(5)
play = b[0].button(_("▶ Play"), key="net_play", disabled=ds is None or stale, type="primary")
pause = b[1].button(_("Pause"), key="net_pause")
one_batch = b[2].button(_("Step one batch"), key="net_step_batch", disabled=ds is None or stale)
one_epoch = b[3].button(_("Step one epoch"), key="net_step_epoch", disabled=ds is None or stale)
b[4].button(_("Reset"), key="net_reset", on_click=nv.reset)
if play:
    st.session_state["net_playing"] = True
if pause:
    st.session_state["net_playing"] = False
if stale:
    st.warning(
        _(
            "You changed the data, the features, the network or the optimizer: the run below keeps its own "
            "settings. Press **Reset** to start a run with the new ones. Learning rate, L2 and batch size "
            "apply at the next step without a reset."
        )
    )
if ds is not None and (one_batch or one_epoch):
    nv.step(ds, spec, 1 if one_batch else None)

status, net_slot = st.empty(), net_col.empty()
plane_slot = plane_col.empty()
curve_slot = st.empty()


def draw() -> None:
    run = st.session_state.get("net_run")
    rs = run["rs"] if run else None
    extent = formula.PLANE
    grid = np.linspace(-extent, extent, 40)
    if rs is None or ds is None:
        event = plane_slot.altair_chart(
            net_charts.plane(X, y, ("0", "1"), title=_("Data"), clickable=cls is not None, extent=extent),
            width="stretch",
            on_select="rerun" if cls is not None else "ignore",
            key=f"net_plane_{st.session_state.get('net_pick_round', 0)}",
        )
        if cls is not None:
            nv.add_clicked_point(event, cls)
        status.info(_("The data is shown; press play or a step button to start training."))
        return
    feats = run["features"]
    big = stepper.picture(rs, feats, grid, grid)
    event = plane_slot.altair_chart(
        net_charts.plane(
            X,
            y,
            ("0", "1"),
            grid,
            grid,
            big.maps[-1][0],
            _("Decision boundary at epoch {e}").format(e=rs.epoch),
            clickable=cls is not None,
            extent=extent,
        ),
        width="stretch",
        on_select="rerun" if cls is not None else "ignore",
        key=f"net_plane_{st.session_state.get('net_pick_round', 0)}_{rs.steps}",
    )
    if cls is not None:
        nv.add_clicked_point(event, cls)
    n_nodes = sum(m.shape[0] for m in big.maps)
    r = net_charts.thumbnail_resolution(n_nodes)
    small = np.linspace(-extent, extent, r)
    pic = stepper.picture(rs, feats, small, small)
    h = rs.history
    acc = f"{h['val_acc'][-1]:.1%}" if h["val_acc"] else "–"
    status.info(_("Epoch {e}, {s} batches in all; validation accuracy {a}.").format(e=rs.epoch, s=rs.steps, a=acc))
    net_slot.altair_chart(net_charts.network(pic, feats, st.session_state.get("net_neuron"), backward), width="stretch")
    if h["train_loss"]:
        curve_slot.altair_chart(
            net_charts.loss_curves(nv.curves_frame(rs), _("Loss per epoch"), _("loss")), width="stretch"
        )
    return pic


pic = draw()
if pic is not None and not stale:
    with st.expander(_("Select a neuron: its formula with the current numbers"), expanded=True):
        nv.neuron_details(pic, spec, X, backward)
while st.session_state.get("net_playing") and ds is not None and not stale:
    rs = st.session_state.get("net_run", {}).get("rs") if st.session_state.get("net_run") else None
    if rs is not None and rs.epoch >= nv.MAX_EPOCHS:
        st.session_state["net_playing"] = False
        break
    if not nv.step(ds, spec, None):
        break
    draw()
    time.sleep(0.05)
