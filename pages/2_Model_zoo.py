"""Model zoo: every exported ONNX model, described, runnable, downloadable; each file checked first."""

import streamlit as st

from core.errors import CoreError
from ui import cache
from ui import zoo as zoo_ui

st.set_page_config(page_title="Model zoo", page_icon="🗂️", layout="wide")
st.title("Model zoo")
st.caption("Every model in `exported/manifest.json`: fp32 and int8 side by side, how faithful each export is, its "
           "operator graph, a live run through onnxruntime, and every file to download. A file whose sha256 does "
           "not match the manifest is never offered or run.")

try:
    manifest = cache.manifest()
except CoreError as e:
    st.error(str(e))
    st.stop()

zoo_ui.manifest_download(manifest)
pairs, problems = zoo_ui.families(manifest)
for problem in problems:
    st.error(problem)
task = st.radio("Show", ["all", "classification", "regression", "sequence"], horizontal=True, key="zoo_task")
for e, int8 in pairs:
    if task in ("all", e["task"]):
        zoo_ui.card(e, int8)
