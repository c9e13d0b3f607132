"""A page's settings in its URL, after TensorFlow Playground's `state.ts`: one schema per page.

Each field names a setting, its type, its default and its allowed range or closed set of choices.
`Schema.parse` turns untrusted query parameters into a full, valid state plus short notices (never
quoting the bad value: a link may carry markdown, HTML or `javascript:`); `Schema.to_query` writes a
state back. `bind` wires a schema to a page's widgets through their session-state keys, and
`share_link` shows the link that reproduces the view.

Adopting it on a page (the schema holds the defaults, so bound widgets take no `value=`/`index=`):

    SETTINGS = url_state.Schema("playground", (url_state.Int("epochs", 60, 1, 500, key="pg_epochs"), ...))
    state = url_state.bind(SETTINGS)          # first line after st.set_page_config
    st.sidebar.slider("Epochs", 1, 500, key="pg_epochs")
    url_state.share_link(SETTINGS, state)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ui.i18n import _, current
from ui.url_fields import Bool, Choice, Field, Float, Int, IntList, Text  # noqa: F401  (the schema API)

SHARED = ("lang",)  # parameters every page reads (ui.i18n): kept in links, never "unknown"
MAX_RAW = 2000  # longer query values are refused before any parsing
_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")


@dataclass(frozen=True)
class Schema:
    page: str  # the page's name, for notices and the session's bookkeeping
    fields: tuple[Field, ...]

    def __post_init__(self):
        names = [f.name for f in self.fields]
        assert len(set(names)) == len(names), f"duplicate field names in schema {self.page}"
        assert all(_SAFE_NAME.fullmatch(n) for n in names), "field names must be short identifiers"

    @property
    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields}

    def parse(self, query: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """(state with every field, notices) from query parameters; a list value counts by its last item."""
        state, notices, unknown = self.defaults, [], 0
        by_name = {f.name: f for f in self.fields}
        for name, raw in query.items():
            if isinstance(raw, (list, tuple)):
                raw = raw[-1] if raw else ""
            field = by_name.get(name)
            if name in SHARED:
                continue
            if field is None:
                unknown += 1
                continue
            if not isinstance(raw, str) or len(raw) > MAX_RAW:
                notices.append(_("`{name}`: value too long or not text; using the default.").format(name=field.name))
                continue
            state[name], notice = field.read(raw)
            if notice:
                notices.append(notice)
        if unknown:
            notices.append(_("Settings in the link not known to this page, ignored: {n}.").format(n=unknown))
        return state, notices

    def to_query(self, state: Mapping[str, Any]) -> dict[str, str]:
        """Every field, so a link keeps its meaning even if a default changes later."""
        return {f.name: f.write(state[f.name]) for f in self.fields}


# --- Streamlit -----------------------------------------------------------------------------------


def bind(schema: Schema, show_notices: bool = True) -> dict[str, Any]:
    """Seed the widgets from the link, write the widgets back to the link; returns the state.

    Call before the page's widgets. A widget key missing from session state (first visit, or back
    from another page, where Streamlit drops a widget's state) is seeded from the URL, else the
    default; a key already there holds the user's latest choice, which then goes to the URL."""
    import streamlit as st

    from_url, notices = schema.parse(st.query_params.to_dict())
    ss = st.session_state
    for f in schema.fields:
        if f.widget_key not in ss:
            ss[f.widget_key] = list(from_url[f.name]) if isinstance(f, IntList) else from_url[f.name]
    # widget values pass the schema too, so the URL never holds what a link could not
    state, _unused = schema.parse({f.name: _write_or_default(f, ss[f.widget_key]) for f in schema.fields})
    query = {**schema.to_query(state), **{k: v for k, v in st.query_params.to_dict().items() if k in SHARED}}
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    if show_notices and notices:
        st.warning(
            _("This link had settings that could not be used as they were:")
            + "\n\n"
            + "\n".join(f"- {n}" for n in notices),
            icon="🔗",
        )
    return state


def _write_or_default(field: Field, value: Any) -> str:
    try:
        return field.write(tuple(value) if isinstance(value, list) else value)
    except (TypeError, ValueError):  # a widget that allows None, or holds another type
        return field.write(field.default)


def link(schema: Schema, state: Mapping[str, Any]) -> str:
    """The full URL of this view (relative `?query` where the browser's URL is not known)."""
    import streamlit as st

    base = (st.context.url or "").split("?")[0]  # None outside a browser session (AppTest)
    return f"{base}?{urlencode({**schema.to_query(state), 'lang': current()})}"


def share_link(schema: Schema, state: Mapping[str, Any], where=None) -> None:
    """A "copy link" control: the code box's copy button copies the link to this view."""
    import streamlit as st

    with (where or st.sidebar).expander(_("🔗 Link to this view")):
        st.code(link(schema, state), language=None, wrap_lines=True)
        st.caption(_("Copy it with the button at its right: it opens this page with these settings, in this language."))
