"""Model zoo: every exported ONNX model, described, runnable, downloadable."""

import streamlit as st

from core.errors import CoreError
from ui import cache, zoo as zoo_ui

st.set_page_config(page_title="Model zoo", page_icon="🗂️", layout="wide")
st.title("Model zoo")
st.caption("Every model in `exported/manifest.json`: fp32 and int8 side by side, how faithful each export is, its "
           "operator graph, a live run through onnxruntime, and every file to download.")

try:
    manifest = cache.manifest()
except CoreError as e:
    st.error(str(e))
    st.stop()

zoo_ui.manifest_download(manifest)
by_name = {e["name"]: e for e in manifest["models"]}
families = [e for e in manifest["models"] if e["precision"] == "fp32"]
task = st.radio("Show", ["all", "classification", "regression", "sequence"], horizontal=True, key="zoo_task")
for e in families:
    if task in ("all", e["task"]):
        int8 = by_name.get(f"{e['name']}_int8")
        if int8 is None:
            st.warning(f"{e['name']} has no int8 entry in the manifest; rebuild with `python -m core build`.")
            continue
        zoo_ui.card(e, int8)
