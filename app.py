"""Home page of the neural-network explorer: `streamlit run app.py`.

The pages stay files in `pages/`, listed here in file-name order as Streamlit's own `pages/`
folder would list them; `st.navigation` is used only so the home page is named "Home", not "app"."""

from pathlib import Path

import streamlit as st

from ui import home

PAGES = sorted(Path(__file__).parent.joinpath("pages").glob("[0-9]*_*.py"), key=lambda p: int(p.name.split("_")[0]))


def home_page() -> None:
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


st.navigation([st.Page(home_page, title="Home", default=True)]
              + [st.Page(f"pages/{p.name}") for p in PAGES]).run()
