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

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ui.i18n import _, current

SHARED = ("lang",)  # parameters every page reads (ui.i18n): kept in links, never "unknown"
MAX_RAW = 2000          # longer query values are refused before any parsing
_SAFE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")


def _number(raw: str) -> float | None:
    """The float a query value spells, or None; ints too long for a float's precision are refused."""
    if len(raw) > 40:
        return None
    try:
        return float(raw)
    except ValueError:
        return None


def _fmt(v: float) -> str:
    return format(v, ".6g")  # digits, sign, point and exponent only: safe to show


@dataclass(frozen=True)
class Field:
    name: str             # the URL's parameter name and the state's key
    default: Any          # the value when the link does not say (or says something invalid)
    key: str | None = None  # the widget's session-state key; None: `name`

    widget_key = property(lambda self: self.key or self.name)

    def read(self, raw: str) -> tuple[Any, str | None]:
        """(value, notice) for one raw query value; notice None when the value was taken as it is."""
        raise NotImplementedError

    def write(self, value: Any) -> str:
        return str(value)


@dataclass(frozen=True)
class Int(Field):
    low: int = 0          # inclusive bounds: values outside are clamped
    high: int = 100

    def read(self, raw):
        x = _number(raw)
        if x is None or not math.isfinite(x):
            return self.default, _("`{name}`: not a number; using {value}.").format(name=self.name, value=self.default)
        v = min(max(round(x), self.low), self.high)
        if v != x:
            return v, _("`{name}`: {got} is outside {low} to {high} or not whole; using {value}.").format(
                name=self.name, got=_fmt(x), low=self.low, high=self.high, value=v)
        return v, None


@dataclass(frozen=True)
class Float(Field):
    low: float = 0.0
    high: float = 1.0

    def read(self, raw):
        x = _number(raw)
        if x is None or not math.isfinite(x):
            return self.default, _("`{name}`: not a finite number; using {value}.").format(name=self.name, value=_fmt(self.default))
        v = min(max(x, self.low), self.high)
        if v != x:
            return v, _("`{name}`: {got} is outside {low} to {high}; using {value}.").format(
                name=self.name, got=_fmt(x), low=_fmt(self.low), high=_fmt(self.high), value=_fmt(v))
        return v, None

    def write(self, value):
        return repr(float(value))  # shortest text that reads back to the same float


@dataclass(frozen=True)
class Bool(Field):
    def read(self, raw):
        word = raw.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True, None
        if word in ("0", "false", "no", "off"):
            return False, None
        return self.default, _("`{name}`: not true or false; using {value}.").format(name=self.name, value=str(self.default).lower())

    def write(self, value):
        return "true" if value else "false"


@dataclass(frozen=True)
class Choice(Field):
    choices: tuple = ()   # the closed set: the state only ever holds one of these very objects

    def read(self, raw):
        for c in self.choices:
            if self.write(c) == raw:
                return c, None
        x = _number(raw)  # numeric choices also match by value ("0.010" is 0.01)
        for c in self.choices:
            if x is not None and isinstance(c, (int, float)) and not isinstance(c, bool) and c == x:
                return c, None
        return self.default, _("`{name}`: not one of the choices; using {value}.").format(name=self.name, value=self.write(self.default))

    def write(self, value):
        return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class IntList(Field):
    """Comma-separated whole numbers, e.g. hidden-layer widths `32,32`; held as a tuple."""
    low: int = 1
    high: int = 512
    min_len: int = 0
    max_len: int = 8

    def read(self, raw):
        parts = [p for p in raw.split(",") if p.strip()] if raw.strip() else []
        xs = [_number(p) for p in parts]
        if any(x is None or not math.isfinite(x) for x in xs) or not self.min_len <= len(xs) <= self.max_len:
            return self.default, _("`{name}`: not {low} to {high} whole numbers; using {value}.").format(
                name=self.name, low=self.min_len, high=self.max_len, value=self.write(self.default))
        v = tuple(min(max(round(x), self.low), self.high) for x in xs)
        if list(v) != xs:
            return v, _("`{name}`: numbers kept within {low} to {high}; using {value}.").format(
                name=self.name, low=self.low, high=self.high, value=self.write(v))
        return v, None

    def write(self, value):
        return ",".join(str(int(x)) for x in value)


@dataclass(frozen=True)
class Text(Field):
    """Free text for a text box (a sentence); control characters removed, length capped.

    The page shows it only inside a widget or `st.text`/`st.code`, never as markdown."""
    max_len: int = 200

    def read(self, raw):
        clean = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")[: self.max_len]
        if clean != raw:
            return clean, _("`{name}`: control characters removed or text cut to {n} characters.").format(
                name=self.name, n=self.max_len)
        return clean, None


@dataclass(frozen=True)
class Schema:
    page: str                 # the page's name, for notices and the session's bookkeeping
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
        st.warning(_("This link had settings that could not be used as they were:") + "\n\n" +
                   "\n".join(f"- {n}" for n in notices), icon="🔗")
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
