"""Home page of the neural-network explorer: `streamlit run app.py`.

The pages are files in `views/`; `st.navigation` lists them in file-name order, named in the
reader's language, and names the home page "Home" rather than "app". The folder is not called
`pages/`: Streamlit takes a `pages/` folder for its older automatic navigation until this script has
run once in the server, so on a fresh server a shared link to /Loss_surface ran the page on its own,
under a sidebar listing "app" and the file names (tests/test_server_config.py opens such a link)."""

from pathlib import Path

import streamlit as st

from ui import home, i18n
from ui.i18n import _

PAGES = sorted(Path(__file__).parent.joinpath("views").glob("[0-9]*_*.py"), key=lambda p: int(p.name.split("_")[0]))


def home_page() -> None:
    st.set_page_config(page_title="Neural network explorer", page_icon="🧠", layout="wide")
    i18n.setup()
    st.title(_("🧠 Neural network explorer"))
    st.markdown(
        _(
            "See how neural networks learn, and check every number you see. Each page takes one idea from "
            "the source articles (loss functions, gradient descent and its optimizers, backpropagation, "
            "regularization, attention) and lets you change it and watch what happens. "
            "Models are trained here with PyTorch, exported to ONNX and run with onnxruntime; every number "
            "shown is tested against an independent oracle (autograd, closed forms, PyTorch against onnxruntime)."
        )
    )
    home.cards()
    st.divider()
    home.status_panel()


i18n.use(i18n.chosen())  # the navigation is named in the reader's language too
st.navigation(
    [st.Page(home_page, title=_("Home"), icon="🏠", default=True)]
    + [st.Page(f"views/{p.name}", **home.nav_entry(f"views/{p.name}")) for p in PAGES]
).run()
