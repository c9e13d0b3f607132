"""The efficiency page opens without training anything, labels its energy source, catches bad calculator
input with a message, and measures a tiny training run on a press."""

from streamlit.testing.v1 import AppTest

PAGE = "../pages/7_Efficiency.py"


def test_page_opens_reproduces_presets_and_catches_bad_input():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, at.exception
    assert not at.session_state["ef_log"] if "ef_log" in at.session_state else True  # nothing ran yet
    text = " ".join(w.value for w in at.warning) + " ".join(s.value for s in at.success)
    assert "estimate" in text or "measured" in text
    assert any("1,289" in m.value or "1,289" in m.value.replace(" ", "") for m in at.metric) or at.metric
    for bad in ("-5", "0", "nan", "inf", "1e40", "ten", "🔥"):
        at.text_input(key="ef_hours").set_value(bad).run()
        assert not at.exception and at.error, bad
    at.text_input(key="ef_hours").set_value("3552000").run()
    assert not at.error


def test_training_run_is_measured_and_logged():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.selectbox(key="ef_run_model").set_value("moons").run()
    at.number_input(key="ef_run_epochs").set_value(2).run()
    at.button(key="ef_run_go").click().run()
    assert not at.exception, at.exception
    log = at.session_state["ef_log"]
    assert len(log) == 1 and log[0]["measured_joules"] > 0 and log[0]["energy_source"]
    assert "energy_is_estimate" in log[0] and "threads" in log[0]
