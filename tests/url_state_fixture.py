"""A page adopting ui.url_state in a few lines: driven by tests/test_url_state.py through AppTest."""

import streamlit as st

from ui import url_state

SETTINGS = url_state.Schema(
    "fixture",
    (
        url_state.Choice("dataset", "moons", key="fx_dataset", choices=("moons", "circles", "xor")),
        url_state.Int("epochs", 60, key="fx_epochs", low=1, high=500),
        url_state.Float("lr", 0.01, key="fx_lr", low=1e-5, high=1.0),
        url_state.Bool("batch_norm", False, key="fx_bn"),
    ),
)

state = url_state.bind(SETTINGS)
st.selectbox("Dataset", ("moons", "circles", "xor"), key="fx_dataset")
st.slider("Epochs", 1, 500, key="fx_epochs")
st.number_input("Learning rate", 1e-5, 1.0, key="fx_lr", format="%.5f")
st.checkbox("Batch norm", key="fx_bn")
url_state.share_link(SETTINGS, state)
st.text(f"state={state}")
