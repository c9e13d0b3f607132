"""views/10_Network.py through AppTest: data before training, single steps, backward mode, typed and drawn data,
settings changed mid-run, both languages, and any link."""

from urllib.parse import parse_qs, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from ui import network_view as nv

PAGE = "../views/10_Network.py"


def _page(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in {"n": "80", **query}.items():
        at.query_params[k] = v
    return at.run()


def test_data_first_then_one_batch_and_one_epoch_and_backward_mode():
    at = _page()
    assert not at.exception and "press play" in at.info[0].value
    at.button(key="net_step_batch").click().run()
    assert not at.exception and at.info[0].value.startswith("Epoch 0, 1 batches")
    at.button(key="net_step_epoch").click().run()
    assert at.info[0].value.startswith("Epoch 1,")
    assert any("tanh" in x.value for x in at.latex)  # the selected neuron's formula, numbers plugged in
    at.toggle(key="net_backward").set_value(True).run()
    assert not at.exception and at.metric  # dL/db of the selected neuron


def test_a_changed_network_keeps_the_run_and_asks_for_reset():
    at = _page()
    at.button(key="net_step_epoch").click().run()
    at.slider(key="net_width").set_value(3).run()
    assert any("Reset" in w.value for w in at.warning) and at.button(key="net_step_epoch").disabled
    assert at.session_state["net_run"]["rs"].epoch == 1
    at.button(key="net_reset").click().run()
    assert "net_run" not in at.session_state


def test_typed_rule_and_hostile_text():
    at = _page(data="rule", rule="x1*x2 > 0")
    at.button(key="net_step_epoch").click().run()
    assert not at.exception and at.info[0].value.startswith("Epoch 1,")
    at = _page(data="rule", rule="__import__('os').system('touch /tmp/hacked')")
    assert not at.exception and "allowed functions" in at.error[0].value
    at = _page(extra="1/0")
    assert not at.exception and "divides by zero" in at.error[0].value


def test_drawn_points_train():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params["data"] = "drawn"
    at.session_state["net_drawn"] = [[x / 5, (x % 7) / 3 - 1, int(x % 2)] for x in range(-12, 12)]
    at.run()
    at.button(key="net_step_epoch").click().run()
    assert not at.exception and at.info[0].value.startswith("Epoch 1,")
    at.button(key="net_draw_clear").click().run()
    assert "at least 20" in at.error[0].value


def test_chinese():
    at = _page(lang="zh")
    assert at.title[0].value == "活的网络" and "数据已显示" in at.info[0].value


STATES = st.fixed_dictionaries(
    {
        f.name: (
            st.sampled_from(f.choices)
            if hasattr(f, "choices") and f.choices
            else st.integers(f.low, f.high)
            if type(f).__name__ == "Int"
            else st.floats(f.low, f.high, allow_nan=False)
            if type(f).__name__ == "Float"
            else st.booleans()
            if type(f).__name__ == "Bool"
            else st.text(st.characters(exclude_categories=("C",)), max_size=40)
        )
        for f in nv.SCHEMA.fields
    }
)


@given(STATES)
def test_schema_round_trips(state):
    query = {k: v[-1] for k, v in parse_qs(urlencode(nv.SCHEMA.to_query(state)), keep_blank_values=True).items()}
    assert nv.SCHEMA.parse(query) == (state, [])


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from([f.name for f in nv.SCHEMA.fields] + ["zz"]), st.text(max_size=30), max_size=5))
def test_any_link_opens_without_an_exception(query):
    at = _page(**query)
    assert not at.exception
