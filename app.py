"""Home page of the neural-network explorer: `streamlit run app.py`."""

import streamlit as st

from ui import home

st.set_page_config(page_title="Neural network explorer", page_icon="🧠", layout="wide")

st.title("🧠 Neural network explorer")
st.markdown(
    "See how neural networks learn, and check every number you see. Each page takes one idea from "
    "the source articles (loss functions, gradient descent and its optimizers, backpropagation, "
    "regularization, attention) and lets you change it and watch what happens. "
    "Models are trained here with PyTorch, exported to ONNX and run with onnxruntime; every number "
    "shown is tested against an independent oracle (autograd, closed forms, PyTorch against onnxruntime)."
)
home.cards()
st.divider()
home.status_panel()
