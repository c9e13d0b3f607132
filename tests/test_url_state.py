"""ui.url_state: links round-trip exactly; any query string yields a valid state and only the schema's notices."""

import math
import re
from urllib.parse import parse_qs, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from ui import url_state as us

SCHEMA = us.Schema(
    "every_type",
    (
        us.Int("epochs", 60, low=1, high=500),
        us.Float("lr", 0.01, low=1e-5, high=1.0),
        us.Float("noise", 0.2, low=-1.0, high=1.0),
        us.Bool("batch_norm", False),
        us.Choice("dataset", "moons", choices=("moons", "circles", "xor", "csv")),
        us.Choice("lr_step", 0.01, choices=(0.001, 0.003, 0.01, 0.03, 0.1)),
        us.Choice("batch", 32, choices=(8, 16, 32, 64)),
        us.IntList("widths", (32, 32), low=1, high=512, min_len=0, max_len=8),
        us.Text("sentence", "the cat sat", max_len=120),
    ),
)
FIELDS = {f.name: f for f in SCHEMA.fields}
# a notice is made of the schema's own words and formatted numbers: no <, >, [, ], /, quotes or parentheses
SAFE_NOTICE = re.compile(r"[A-Za-z0-9 `_.,:;+\-]*")


def _value(f):
    if isinstance(f, us.Int):
        return st.integers(f.low, f.high)
    if isinstance(f, us.Float):
        return st.floats(f.low, f.high, allow_nan=False, allow_infinity=False)
    if isinstance(f, us.Bool):
        return st.booleans()
    if isinstance(f, us.Choice):
        return st.sampled_from(f.choices)
    if isinstance(f, us.IntList):
        return st.lists(st.integers(f.low, f.high), min_size=f.min_len, max_size=f.max_len).map(tuple)
    return st.text(st.characters(exclude_categories=("C",)), max_size=f.max_len)


states = st.fixed_dictionaries({f.name: _value(f) for f in SCHEMA.fields})


def _valid(state):
    assert set(state) == set(FIELDS)
    for name, v in state.items():
        f = FIELDS[name]
        if isinstance(f, (us.Int, us.Float)):
            assert isinstance(v, int if isinstance(f, us.Int) else float) and math.isfinite(v)
            assert f.low <= v <= f.high
        elif isinstance(f, us.Choice):
            assert any(v is c for c in f.choices)  # the schema's own object, never the link's text
        elif isinstance(f, us.IntList):
            assert f.min_len <= len(v) <= f.max_len and all(f.low <= x <= f.high for x in v)
        elif isinstance(f, us.Text):
            assert len(v) <= f.max_len


@settings(max_examples=200, deadline=None)
@given(states)
def test_state_to_url_to_state_round_trips(state):
    assert SCHEMA.parse(SCHEMA.to_query(state)) == (state, [])
    # through a real query string too, as the browser sends it
    url = urlencode(SCHEMA.to_query(state))
    assert SCHEMA.parse(parse_qs(url, keep_blank_values=True)) == (state, [])


hostile = st.sampled_from(
    [
        "1e12",
        "-1e12",
        "nan",
        "inf",
        "-inf",
        "NaN",
        "",
        " ",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "**bold**",
        "$x$",
        "1,2,3,4,5,6,7,8,9",
        "0,-5,99999",
        "1e400",
        "9" * 5000,
        "true",
        "0.0100",
        "\x00\n",
    ]
)
keys = st.one_of(st.sampled_from(sorted(FIELDS)), st.text(max_size=30))
values = st.one_of(hostile, st.text(max_size=60), st.lists(st.one_of(hostile, st.text(max_size=20)), max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(keys, values, max_size=12))
def test_any_query_gives_a_valid_state_and_only_the_schemas_notices(query):
    state, notices = SCHEMA.parse(query)
    _valid(state)
    for n in notices:
        assert SAFE_NOTICE.fullmatch(n), n
        named = re.match(r"`(\w+)`: ", n)
        assert (named and named[1] in FIELDS) or n.startswith("Settings in the link not known to this page, ignored: ")


def test_hostile_values_are_clamped_or_dropped_with_a_notice_each():
    state, notices = SCHEMA.parse(
        {
            "epochs": "1e12",
            "lr": "nan",
            "dataset": "../../etc/passwd",
            "batch_norm": "<img src=x onerror=alert(1)>",
            "<b>": "[a](javascript:x)",
        }
    )
    assert state["epochs"] == 500 and state["lr"] == 0.01 and state["dataset"] == "moons"
    assert state["batch_norm"] is False
    assert len(notices) == 5
    assert not any(bad in " ".join(notices) for bad in ("passwd", "<", "javascript", "nan"))


def test_numbers_are_clamped_and_numeric_choices_match_by_value():
    state, notices = SCHEMA.parse(
        {"epochs": "0", "noise": "-3", "lr_step": "0.0100", "batch": "64.0", "widths": "0,600,16"}
    )
    assert (state["epochs"], state["noise"], state["lr_step"], state["batch"]) == (1, -1.0, 0.01, 64)
    assert state["widths"] == (1, 512, 16)
    assert len(notices) == 3


def test_text_loses_control_characters_and_is_capped():
    state, notices = SCHEMA.parse({"sentence": "hi\x00\u202e there" + "x" * 500})
    assert state["sentence"].startswith("hi there") and len(state["sentence"]) == 120 and len(notices) == 1


def test_streamlit_page_reads_the_link_once_writes_widgets_back_and_shows_a_link():
    at = AppTest.from_file("url_state_fixture.py", default_timeout=30)
    for k, v in {
        "epochs": "1e12",
        "lr": "nan",
        "dataset": "../../etc/passwd",
        "batch_norm": "true",
        "x<b>": "[a](javascript:alert(1))",
    }.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    warning = at.warning[0].value
    assert "passwd" not in warning and "javascript" not in warning and warning.count("\n- ") == 4
    assert (at.selectbox[0].value, at.slider[0].value, at.number_input[0].value, at.checkbox[0].value) == (
        "moons",
        500,
        0.01,
        True,
    )
    assert dict(at.query_params) == {"dataset": "moons", "epochs": "500", "lr": "0.01", "batch_norm": "true"}

    at.slider[0].set_value(123).run()  # a widget change reaches the URL; the link's old value does not come back
    assert at.slider[0].value == 123 and at.query_params["epochs"] == "123" and not at.warning
    assert at.code[0].value.endswith(
        "?dataset=moons&epochs=123&lr=0.01&batch_norm=true&lang=en"
    )  # the language travels too


def test_the_language_parameter_is_shared_by_every_page_not_unknown():
    schema = us.Schema("t", (us.Int("epochs", 5, low=1, high=9),))
    state, notices = schema.parse({"lang": "zh", "epochs": "7"})
    assert state == {"epochs": 7} and notices == []
