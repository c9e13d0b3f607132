"""Backpropagation, one number at a time: forward, loss, deltas, gradients, update; checked three ways."""

import streamlit as st

from core import backprop as bp
from core.errors import CoreError
from ui import backprop as ui_bp
from ui import backprop_state, i18n, url_state
from ui.i18n import _

st.set_page_config(page_title="Backpropagation", page_icon="🔢", layout="wide")
i18n.setup()
state = backprop_state.bind()
url_state.share_link(backprop_state.SCHEMA, state)
st.title(_("Backpropagation, one number at a time"))
st.caption(
    _(
        "A network small enough to see every number. Step through one training step, then check the "
        "hand-derived gradients against PyTorch autograd and finite differences."
    )
)

setup = ui_bp.sidebar(state)

st.subheader(_("The network (edit any number)"))
params, x, y, problems = ui_bp.edit_network(setup)
for p in problems:
    st.error(p)
if problems:
    st.stop()
try:
    r = bp.step(params, x, y, setup.activation, setup.loss, setup.lr, setup.output_activation)
except CoreError as e:
    st.error(str(e))
    st.stop()

st.subheader(_("One step, stage by stage"))
ui_bp.step_through(setup, params, x, y, r)

st.subheader(_("Are these numbers right? Three ways to the same gradients"))
ui_bp.proof(setup, params, x, y, r)

st.subheader(_("Many steps"))
ui_bp.many_steps(setup, params, x, y)

st.subheader(_("Vanishing gradients in a deep stack"))
ui_bp.vanishing(setup.seed)
