"""The typed fields of a page's URL schema (ui.url_state): each reads one raw query value into a
valid value plus, where it had to change it, a short notice that never quotes the raw text."""

from __future__ import annotations

import math
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from ui.i18n import N_, _


def number(raw: str) -> float | None:
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
class Field(ABC):
    name: str  # the URL's parameter name and the state's key
    default: Any  # the value when the link does not say (or says something invalid)
    key: str | None = None  # the widget's session-state key; None: `name`

    widget_key = property(lambda self: self.key or self.name)

    @abstractmethod
    def read(self, raw: str) -> tuple[Any, str | None]:
        """(value, notice) for one raw query value; notice None when the value was taken as it is."""

    def write(self, value: Any) -> str:
        return str(value)

    def note(self, text: str, **values) -> str:
        """A notice about this field, in the reader's language (``text`` marked with N_)."""
        return _(text).format(name=self.name, **values)


@dataclass(frozen=True)
class Int(Field):
    low: int = 0  # inclusive bounds: values outside are clamped
    high: int = 100

    def read(self, raw):
        x = number(raw)
        if x is None or not math.isfinite(x):
            return self.default, self.note(N_("`{name}`: not a number; using {value}."), value=self.default)
        v = min(max(round(x), self.low), self.high)
        if v != x:
            return v, self.note(
                N_("`{name}`: {got} is outside {low} to {high} or not whole; using {value}."),
                got=_fmt(x),
                low=self.low,
                high=self.high,
                value=v,
            )
        return v, None


@dataclass(frozen=True)
class Float(Field):
    low: float = 0.0
    high: float = 1.0

    def read(self, raw):
        x = number(raw)
        if x is None or not math.isfinite(x):
            return self.default, self.note(
                N_("`{name}`: not a finite number; using {value}."), value=_fmt(self.default)
            )
        v = min(max(x, self.low), self.high)
        if v != x:
            return v, self.note(
                N_("`{name}`: {got} is outside {low} to {high}; using {value}."),
                got=_fmt(x),
                low=_fmt(self.low),
                high=_fmt(self.high),
                value=_fmt(v),
            )
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
        return self.default, self.note(
            N_("`{name}`: not true or false; using {value}."), value=str(self.default).lower()
        )

    def write(self, value):
        return "true" if value else "false"


@dataclass(frozen=True)
class Choice(Field):
    choices: tuple = ()  # the closed set: the state only ever holds one of these very objects

    def read(self, raw):
        for c in self.choices:
            if self.write(c) == raw:
                return c, None
        x = number(raw)  # numeric choices also match by value ("0.010" is 0.01)
        for c in self.choices:
            if x is not None and isinstance(c, (int, float)) and not isinstance(c, bool) and c == x:
                return c, None
        return self.default, self.note(
            N_("`{name}`: not one of the choices; using {value}."), value=self.write(self.default)
        )

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
        xs = [number(p) for p in parts]
        if any(x is None or not math.isfinite(x) for x in xs) or not self.min_len <= len(xs) <= self.max_len:
            return self.default, self.note(
                N_("`{name}`: not {low} to {high} whole numbers; using {value}."),
                low=self.min_len,
                high=self.max_len,
                value=self.write(self.default),
            )
        v = tuple(min(max(round(x), self.low), self.high) for x in xs)
        if list(v) != xs:
            return v, self.note(
                N_("`{name}`: numbers kept within {low} to {high}; using {value}."),
                low=self.low,
                high=self.high,
                value=self.write(v),
            )
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
            return clean, self.note(
                N_("`{name}`: control characters removed or text cut to {n} characters."), n=self.max_len
            )
        return clean, None
