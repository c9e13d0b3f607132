"""Lessons: the source articles' path, one idea a step, each step opening a live page in its state."""

import streamlit as st

from ui import i18n
from ui.i18n import _
from ui.lessons import ARTICLES, STEPS

st.set_page_config(page_title="Lessons", page_icon="📚", layout="wide")
lang = i18n.setup()
st.title(_("📚 Lessons from the articles"))
st.caption(
    _(
        "Thirteen steps that follow the source articles from the loss to attention. Each step explains one "
        "idea, asks you to predict what will happen, opens the live page with the settings that show it, and "
        "says what to look for. The text is ours; each step names the article it follows."
    )
)

n = st.number_input(_("Step (1 to {n})").format(n=len(STEPS)), 1, len(STEPS), 1, key="ls_step")
step = STEPS[int(n) - 1]
st.progress(int(n) / len(STEPS), text=_("Step {i} of {n}").format(i=int(n), n=len(STEPS)))
st.header(f"{int(n)}. {_(step.title)}")
st.markdown(_(step.idea))
st.caption(_("Follows: {article}").format(article=_(ARTICLES[step.article])))

st.subheader(_("1. Predict first"))
st.markdown(_(step.predict))
guess = st.text_area(
    _("Your prediction (kept on this page while you work)"), key=f"lesson_guess_{int(n)}", max_chars=500
)
st.subheader(_("2. Open the live page in this state"))
st.page_link(
    step.page, label=_("Open the page with these settings"), icon="➡️", query_params={**step.params, "lang": lang}
)
st.caption(
    _("Settings in the link: {params}").format(
        params=", ".join(f"{k} = {v}" for k, v in step.params.items()) or _("the page's defaults")
    )
)
st.subheader(_("3. What to look for"))
with st.expander(_("Read this after you pressed the button"), expanded=bool(guess.strip())):
    st.markdown(_(step.look_for))
    if guess.strip():
        st.caption(_("You predicted:"))
        st.text(guess.strip())
