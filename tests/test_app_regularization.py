import re
from urllib.parse import parse_qs, urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core import regularization as reg
from ui import regularization as rg
from ui import url_state as us

PAGE = "../views/5_Regularization.py"
FIELDS = {f.name: f for f in rg.SCHEMA.fields}
SAFE_NOTICE = re.compile(r"[A-Za-z0-9 `_.,:;+\-]*")  # the schema's own words and numbers: nothing a link wrote
NOTICE_HEAD = "This link had settings that could not be used as they were"


def page(query=None, timeout=300):
    at = AppTest.from_file(PAGE, default_timeout=timeout)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def epochs_input(at):
    return at.number_input(key="rg_epochs")


def test_regularization_page_trains_variants_and_sweeps():
    at = page()
    assert not at.exception
    assert not at.dataframe  # nothing trains before the button
    # 120 samples: a quarter each for validation and test, the rest to train
    assert any(
        "60 train rows" in m.value and "30 validation rows" in m.value and "30 test rows" in m.value
        for m in at.markdown
    )
    epochs_input(at).set_value(20).run()
    at.button(key="rg_train").click().run()
    assert not at.exception, at.exception
    assert len(at.dataframe) == 1 and "best test accuracy first" in " ".join(s.value for s in at.subheader)
    table = at.dataframe[0].value
    assert list(table["test accuracy"]) == sorted(table["test accuracy"], reverse=True)
    assert "none (no remedy)" in set(table["variant"])
    at.number_input(key="rg_lo").set_value(0.5).run()  # from above to
    at.button(key="rg_sweep").click().run()
    assert any("first strength below the last" in e.value for e in at.error)
    at.number_input(key="rg_lo").set_value(1e-4).run()
    at.number_input(key="rg_pts").set_value(3).run()
    at.button(key="rg_sweep").click().run()
    assert not at.exception and any("Best test accuracy" in c.value for c in at.caption)


def test_results_of_another_dataset_are_not_shown_as_current():
    """Defect 3: after a dataset change the old sweep and its 'best' stayed on the page without a warning."""
    at = page()
    epochs_input(at).set_value(10).run()
    at.button(key="rg_train").click().run()
    at.number_input(key="rg_pts").set_value(2).run()
    at.button(key="rg_sweep").click().run()
    assert any("Best" in c.value for c in at.caption) and at.dataframe
    at.selectbox(key="rg_ds").set_value("circles").run()
    assert not at.exception
    assert not at.dataframe and not any("Best" in c.value for c in at.caption)
    assert sum("stale" in w.value.lower() for w in at.warning) == 2  # the variants and the sweep
    at.selectbox(key="rg_ds").set_value("moons").run()  # the same settings again: the results are current again
    epochs_input(at).set_value(10).run()
    assert at.dataframe and any("Best" in c.value for c in at.caption)
    at.selectbox(key="lang_control").set_value("zh").run()  # another language is no other setting
    assert at.dataframe and "测试准确率" in at.dataframe[0].value.columns and not at.exception
    assert any("最佳测试准确率" in c.value for c in at.caption)
    at.number_input(key="rg_seed").set_value(1).run()  # any setting that produced them counts, not just the dataset
    assert not at.dataframe and not any("最佳" in c.value for c in at.caption)


def test_epochs_default_per_dataset():
    """Defect 3: the epochs typed for one dataset carried over to the next (300 on digits: a 66 s run)."""
    at = page(timeout=120)
    assert epochs_input(at).value == 300
    at.selectbox(key="rg_ds").set_value("digits").run()
    assert epochs_input(at).value == 60 and at.query_params["epochs"] in ("60", ["60"])
    epochs_input(at).set_value(25).run()
    at.selectbox(key="rg_ds").set_value("spirals").run()
    assert epochs_input(at).value == 300
    # the lessons page's link names the dataset only: it opens with that dataset's epochs
    assert epochs_input(page({"dataset": "digits"}, timeout=120)).value == 60


def test_a_link_reproduces_every_setting():
    query = {
        "dataset": "circles",
        "n": "200",
        "noise": "0.2",
        "seed": "7",
        "epochs": "50",
        "l1_on": "0",
        "l2": "0.05",
        "dropout_on": "1",
        "dropout": "0.5",
        "early_stopping_on": "0",
        "batch_norm_on": "1",
        "augmentation": "0.3",
        "combo": "l2,dropout",
        "sweep": "dropout",
        "points": "4",
        "lang": "en",
    }
    at = page(query, timeout=120)
    assert not at.exception and not at.warning
    assert (at.selectbox(key="rg_ds").value, at.slider(key="rg_n").value, at.slider(key="rg_noise").value) == (
        "circles",
        200,
        0.2,
    )
    assert (at.number_input(key="rg_seed").value, epochs_input(at).value) == (7, 50)
    assert not at.checkbox(key="rg_on_l1").value and at.checkbox(key="rg_on_batch_norm").value
    assert at.number_input(key="rg_s_l2").value == 0.05 and at.number_input(key="rg_s_dropout").value == 0.5
    assert at.multiselect(key="rg_combo").value == ["l2", "dropout"]
    assert at.selectbox(key="rg_sw").value == "dropout" and (
        at.number_input(key="rg_lo").value,
        at.number_input(key="rg_hi").value,
    ) == (0.05, 0.8)
    # none, L2, dropout, batch norm, augmentation, L2 + dropout: the cost caption counts them
    assert any(c.value.startswith("Cost before training: 6 variants") for c in at.caption)
    written = {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert written["combo"] == "l2,dropout" and written["from"] == "0.05" and written["sweep"] == "dropout"


def test_named_hostile_links_are_clamped_or_dropped_with_only_the_schemas_notice():
    at = page(
        {
            "epochs": "1e12",
            "dataset": "../../etc/passwd",
            "combo": "<script>alert(1)</script>",
            "l2": "5",
            "points": "40",
            "from": "nan",
            "x<b>": "[a](javascript:alert(1))",
        },
        timeout=120,
    )
    assert not at.exception
    (notice,) = [w.value for w in at.warning]
    assert notice.startswith(NOTICE_HEAD) and notice.count("\n- ") == 7
    assert not any(bad in notice for bad in ("passwd", "<", "script", "javascript", "nan"))
    assert (epochs_input(at).value, at.selectbox(key="rg_ds").value, at.multiselect(key="rg_combo").value) == (
        1000,
        "moons",
        [],
    )
    assert at.number_input(key="rg_s_l2").value == 1.0 and at.number_input(key="rg_pts").value == 12
    assert not at.error and not at.dataframe  # nothing trains from a link


def test_a_run_past_the_budget_is_refused_on_the_page_naming_the_budget_and_what_to_lower():
    at = page({"n": "1000", "epochs": "1000"}, timeout=120)  # 6 variants x 17,154 x 500 rows x 1000 epochs
    assert any("= 5.1 × 10¹⁰ (budget 2.0 × 10¹⁰)" in c.value for c in at.caption)
    at.button(key="rg_train").click().run()
    (error,) = [e.value for e in at.error]
    assert "past the budget of 2.0 × 10¹⁰" in error and "lower the epochs to 388 or fewer" in error
    assert not at.dataframe and "rg_result" not in at.session_state
    at.button(key="rg_sweep").click().run()  # 6 sweep points cost as much
    assert any("past the budget" in e.value for e in at.error) and "rg_sweep_result" not in at.session_state


def test_the_page_in_chinese():
    at = page({"lang": "zh"}, timeout=120)
    assert not at.exception and at.title[0].value.startswith("正则化")
    assert at.button(key="rg_train").label == "训练各个变体"
    assert any(m.value.startswith("**数据划分：** 训练集 60 行") for m in at.markdown)
    assert any(c.value.startswith("训练前的开销估计") for c in at.caption)
    shown = [w.label for w in (*at.checkbox, *at.number_input, *at.selectbox, *at.slider, *at.multiselect)]
    english = [s for s in shown if re.search("[A-Za-z]{3}", s) and s not in ("Dropout（随机失活）", "Language · 语言")]
    assert not english, english


def _value(f):
    if isinstance(f, us.Int):
        return st.integers(f.low, f.high)
    if isinstance(f, us.Float):
        return st.floats(f.low, f.high, allow_nan=False, allow_infinity=False)
    if isinstance(f, us.Bool):
        return st.booleans()
    if isinstance(f, us.Choice):
        return st.sampled_from(f.choices)
    return st.lists(st.sampled_from(list(reg.REMEDIES)), unique=True).map(tuple)  # combo


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({f.name: _value(f) for f in rg.SCHEMA.fields}))
def test_state_to_url_to_state_round_trips(state):
    assert rg.SCHEMA.parse(rg.SCHEMA.to_query(state)) == (state, [])
    assert rg.SCHEMA.parse(parse_qs(urlencode(rg.SCHEMA.to_query(state)), keep_blank_values=True)) == (state, [])


hostile = st.sampled_from(
    [
        "1e12",
        "-1e12",
        "nan",
        "inf",
        "",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "**bold**",
        "l1,l1,l2",
        "dropout,,batch_norm",
        "1e400",
        "9" * 3000,
        "true",
        "0.0100",
        "\x00\n",
        "digits",
        "early_stopping",
    ]
)
queries = st.dictionaries(
    st.one_of(st.sampled_from(sorted(FIELDS)), st.text(max_size=20)),
    st.one_of(hostile, st.text(max_size=40)),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(queries)
def test_any_query_parses_to_a_valid_state_with_safe_notices(query):
    state, notices = rg.SCHEMA.parse(query)
    assert set(state) == set(FIELDS) and set(state["combo"]) <= set(reg.REMEDIES)
    for n in notices:
        assert SAFE_NOTICE.fullmatch(n), n


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(queries)
def test_any_query_string_opens_the_page_with_only_the_schemas_notice(query):
    at = page(query, timeout=300)
    assert not at.exception, at.exception
    assert all(w.value.startswith(NOTICE_HEAD) for w in at.warning)
    assert not at.error and not at.dataframe
