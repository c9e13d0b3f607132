"""The efficiency page opens without training anything, labels its energy source, keeps its settings in the URL,
starts the what-if from a newly picked preset, catches bad calculator input with a message, and measures a tiny
training run on a press (marked stale once a setting changes)."""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core import carbon
from ui import efficiency as ef
from ui import url_state as us

PAGE = "../views/7_Efficiency.py"


def _value(f):
    if isinstance(f, us.Int):
        return st.integers(f.low, f.high)
    if isinstance(f, us.Float):
        return st.floats(f.low, f.high, allow_nan=False, allow_infinity=False)
    return st.sampled_from(f.choices)


@given(st.fixed_dictionaries({f.name: _value(f) for f in ef.SETTINGS.fields}))
def test_state_to_url_to_state_round_trips(state):
    back, notices = ef.SETTINGS.parse(ef.SETTINGS.to_query(state))
    assert back == state and not notices


def test_page_opens_reproduces_presets_and_catches_bad_input():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception, at.exception
    assert "ef_log" not in at.session_state or not at.session_state["ef_log"]  # nothing ran yet
    text = " ".join(w.value for w in at.warning) + " ".join(s.value for s in at.success)
    assert "estimate" in text or "measured" in text
    assert at.metric[0].value == "1,289.4 MWh" and at.metric[1].value == "553.1 t CO2e"
    assert at.query_params["preset"] == "GPT-3 175B" and at.query_params["pue"] == "1.1"
    for bad in (-5.0, 0.0, 1e40):
        at.number_input(key="ef_hours").set_value(bad).run()
        assert not at.exception and at.error, bad
    at.number_input(key="ef_hours").set_value(3552000.0).run()
    assert not at.error
    # a new preset starts the what-if from its own inputs, not the user's earlier hours
    at.number_input(key="ef_hours").set_value(10.0).run()
    at.selectbox(key="ef_preset").set_value("BLOOM 176B").run()
    assert at.number_input(key="ef_hours").value == 1_082_990.0 and at.number_input(key="ef_watts").value == 400.0
    assert at.query_params["hours"] == "1082990.0"


def test_links_open_with_their_settings_and_bad_links_only_warn():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params.update(preset="Meena 2.6B", region="free", grid="9999", pue="1.3", lang="zh")
    at.run()
    assert not at.exception
    assert at.selectbox(key="ef_preset").value == "Meena 2.6B" and at.number_input(key="ef_grid").value == 2000.0
    assert any("🔗" in (w.icon or "") for w in at.warning)  # the clamped grid is reported
    assert at.number_input(key="ef_pue").value == 1.3


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from([f.name for f in ef.SETTINGS.fields] + ["x"]), st.text(max_size=30), max_size=5))
def test_any_query_string_gives_no_exception(query):
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params.update(query)
    at.run()
    assert not at.exception, (query, at.exception)


def test_training_run_is_measured_logged_and_marked_stale():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.number_input(key="ef_run_epochs").set_value(2).run()
    at.button(key="ef_run_go").click().run()
    assert not at.exception, at.exception
    log = at.session_state["ef_log"]
    assert len(log) == 1 and log[0]["measured_joules"] > 0 and log[0]["energy_source"]
    assert "energy_is_estimate" in log[0] and "threads" in log[0]
    stale = "The settings changed since this run"
    assert not any(stale in w.value for w in at.warning)
    at.number_input(key="ef_run_epochs").set_value(3).run()
    assert any(stale in w.value for w in at.warning)
    assert math.isfinite(carbon.PRESETS["GPT-3 175B"].watts)


def test_prediction_error_reads_as_a_percentage_or_a_factor():
    from ui import efficiency_runs as er

    assert er.prediction_error(1.1, 1.0) == "off by +10%"
    assert er.prediction_error(1.64e-4, 12.0) == "73,171x too low" and er.prediction_error(3.0, 1.0) == "3x too high"
