"""Home page of the neural-network explorer: `streamlit run app.py`."""

import streamlit as st

from ui import home, i18n
from ui.i18n import _

st.set_page_config(page_title="Neural network explorer", page_icon="🧠", layout="wide")
i18n.setup()

st.title(_("🧠 Neural network explorer"))
st.markdown(_(
    "See how neural networks learn, and check every number you see. Each page takes one idea from "
    "the source articles (loss functions, gradient descent and its optimizers, backpropagation, "
    "regularization, attention) and lets you change it and watch what happens. "
    "Models are trained here with PyTorch, exported to ONNX and run with onnxruntime; every number "
    "shown is tested against an independent oracle (autograd, closed forms, PyTorch against onnxruntime)."
))
home.cards()
st.divider()
home.status_panel()
