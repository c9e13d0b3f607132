"""views/11_Experiments.py through AppTest (in-process engine: Ray itself is tested in test_experiments.py)."""

from urllib.parse import parse_qs, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core import experiments as ex
from ui import experiments as xv

PAGE = "../views/11_Experiments.py"


def _page(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in {"ray": "false", "epochs": "2", "n": "80", **query}.items():
        at.query_params[k] = v
    return at.run()


def test_runs_stream_into_table_charts_diff_and_report():
    at = _page(seed="0,1,2", lr="3")  # 3 runs
    assert not at.exception and at.markdown[0].value.startswith("**3 runs**")
    at.button(key="ex_run").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 3 and set(table["status"]) == {"finished"}
    assert len(at.metric) == 3 and at.get("download_button")
    at.selectbox(key="ex_diff_b").set_value(2).run()
    assert not at.exception


def test_too_large_grid_is_refused_with_the_limit():
    at = _page(lr="0,1,2,3,4,5,6,7,8,9", width="0,1,2,3,4,5")
    assert not at.exception and "at most 48" in at.error[0].value


def test_chinese():
    at = _page(lang="zh")
    assert at.title[0].value == "实验：同时进行多次训练"


@given(
    st.fixed_dictionaries(
        {
            "seed": st.lists(st.integers(0, 9), max_size=10).map(tuple),
            "runs": st.integers(1, ex.MAX_RUNS),
            "mode": st.sampled_from(("grid", "random")),
        }
    )
)
def test_schema_round_trips(part):
    state = {**xv.SCHEMA.defaults, **part}
    query = {k: v[-1] for k, v in parse_qs(urlencode(xv.SCHEMA.to_query(state)), keep_blank_values=True).items()}
    assert xv.SCHEMA.parse(query) == (state, [])


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from([f.name for f in xv.SCHEMA.fields] + ["zz"]), st.text(max_size=30), max_size=5))
def test_any_link_opens_without_an_exception(query):
    at = _page(**query)
    assert not at.exception
