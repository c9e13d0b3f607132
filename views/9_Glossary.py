"""Glossary: the terms of the articles in Chinese and English, each linked to the page that shows it."""

import streamlit as st

from ui import i18n
from ui.glossary import TERMS
from ui.i18n import _

st.set_page_config(page_title="Glossary", page_icon="🔤", layout="wide")
lang = i18n.setup()
st.title(_("🔤 Glossary · 术语表"))
st.caption(
    _(
        "The terms as the source articles write them in Chinese, their English names, what they mean, and "
        "where to see each one at work."
    )
)
query = st.text_input(_("Find a term (Chinese or English)"), key="gl_query", max_chars=100).strip().lower()
shown = [t for t in TERMS if not query or query in t.zh.lower() or query in t.en.lower()]
if not shown:
    st.info(_("No term matches; clear the search box to see them all."))
head = st.columns([2, 3, 6, 2])
for col, label in zip(head, (_("中文"), _("English"), _("Meaning"), _("See it"))):
    col.markdown(f"**{label}**")
for t in shown:
    c = st.columns([2, 3, 6, 2])
    c[0].markdown(t.zh)
    c[1].markdown(t.en)
    c[2].markdown(_(t.meaning))
    c[3].page_link(t.page, label=_("Open"), query_params={"lang": lang})
