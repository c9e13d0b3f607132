"""Model zoo: every exported ONNX model, described, runnable, downloadable; each file checked first."""

import streamlit as st

from core import zoo
from core.errors import CoreError
from ui import cache, i18n, url_state
from ui import zoo as zoo_ui
from ui.i18n import _

st.set_page_config(page_title="Model zoo", page_icon="🗂️", layout="wide")
i18n.setup()
st.title(_("Model zoo"))
st.caption(
    _(
        "Every model in `exported/manifest.json`: fp32 and int8 side by side, how faithful each export is, its "
        "operator graph, a live run through onnxruntime, and every file to download. A file whose sha256 does "
        "not match the manifest is never offered or run."
    )
)

try:
    manifest = cache.manifest()
except CoreError as e:
    st.error(str(e))
    st.stop()
pairs, problems = zoo_ui.families(manifest)
for problem in problems:
    st.error(problem)
if not pairs:
    st.stop()
SETTINGS = zoo_ui.schema([e["name"] for e, _int8 in pairs])
state = url_state.bind(SETTINGS)

zoo_ui.manifest_download(manifest)
st.dataframe(
    zoo_ui.overview(pairs),
    hide_index=True,
    width="stretch",
    column_config={
        _("fp32 KB"): st.column_config.NumberColumn(format="%.1f"),
        _("int8 KB"): st.column_config.NumberColumn(format="%.1f"),
    },
)
st.caption(
    _(
        "The int8 rule: an int8 file ships only where it is smaller than its fp32 twin. Where it is not (a net "
        "of a few hundred weights), the card says why; where it is, its validation score must stay within "
        "{tol} of fp32's."
    ).format(tol=zoo.INT8_ACC_TOL)
)
chosen = st.selectbox(_("Model"), SETTINGS.fields[0].choices, key="zoo_model")
url_state.share_link(SETTINGS, state)
entry, int8 = next(p for p in pairs if p[0]["name"] == chosen)
zoo_ui.card(entry, int8)
