"""简体中文 and English: gettext catalogs read with Babel, one language control kept in the URL.

Every user-visible string in views/ and ui/ is written in English inside ``_("...")`` (or ``N_``
for a constant translated where it is shown); ``pybabel extract`` finds them (see babel.cfg), and
the Chinese lives in ``locale/zh/LC_MESSAGES/*.po`` (one file per area of the app, merged into one
catalog). Placeholders are named, ``_("Epoch {n} of {total}").format(n=..., total=...)``, so a
translation may reorder them. tests/test_i18n.py fails when an English string has no Chinese
entry, or a catalog entry is no longer used.

The language is chosen per session and per run of a page (Streamlit runs each session's script in
its own thread), from ``?lang=`` in the URL, else the control, else the browser's language.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"
_state = threading.local()


@cache
def catalog(lang: str) -> dict[str, str]:
    """msgid -> translation, merged over every .po file of the language (empty for English)."""
    from babel.messages.pofile import read_po

    out: dict[str, str] = {}
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with open(po, "rb") as f:
            for m in read_po(f):
                if m.id and m.string and not m.fuzzy:
                    out[m.id] = m.string
    return out


def current() -> str:
    return getattr(_state, "lang", DEFAULT)


def use(lang: str) -> None:
    """Translate this thread's strings into ``lang`` from now on (a page run is one thread)."""
    _state.lang = lang if lang in LANGUAGES else DEFAULT


def _(text: str) -> str:
    """``text`` in the current language; the English text where no translation exists."""
    lang = current()
    return text if lang == DEFAULT else catalog(lang).get(text, text)


def N_(text: str) -> str:
    """Marks a constant for extraction; it is translated with _() where it is shown."""
    return text


def browser_language(locale: str | None) -> str:
    """'zh' for any Chinese browser locale (zh, zh-CN, zh-Hans-CN, zh-TW ...), else English."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT


def chosen() -> str:
    """The language this session reads, without drawing anything: the URL's, else the session's
    choice, else the browser's."""
    import streamlit as st

    asked = st.query_params.get("lang")
    if asked in LANGUAGES and st.session_state.get("_lang_from_url") != asked:
        return asked
    return st.session_state.get("lang") or browser_language(getattr(st.context, "locale", None))


def setup() -> str:
    """Pick this run's language and draw the control. Call first on every page, after set_page_config.

    The URL's ``lang`` wins (a teacher's link opens in the class's language), then the session's
    choice, then the browser's language; the choice is written back to the URL."""
    import streamlit as st

    asked = st.query_params.get("lang")
    if asked in LANGUAGES and st.session_state.get("_lang_from_url") != asked:
        st.session_state["lang"] = asked  # a link (or a changed URL) sets the language once
        st.session_state["_lang_from_url"] = asked
    if "lang" not in st.session_state:
        st.session_state["lang"] = browser_language(getattr(st.context, "locale", None))
    # "lang" is plain session state, so the choice survives a switch of page; the widget mirrors it
    st.session_state["lang_control"] = st.session_state["lang"]
    st.sidebar.selectbox(
        "Language · 语言",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        key="lang_control",
        on_change=lambda: st.session_state.update(lang=st.session_state["lang_control"]),
    )
    lang = st.session_state["lang"]
    use(lang)
    if st.query_params.get("lang") != lang:
        st.query_params["lang"] = lang
        st.session_state["_lang_from_url"] = lang
    return lang
