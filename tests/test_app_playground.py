import re
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from core import metrics, models
from core.params import flat
from core.records import TrainedModel
from ui import playground as pg
from ui import playground_run as run
from ui import url_state as us

PAGE = "../views/1_Playground.py"


def test_playground_trains_two_moons_from_the_widgets():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception
    at.button(key="pg_train").click().run()
    assert not at.exception, at.exception
    acc = next(m for m in at.metric if m.label == "Accuracy")
    assert float(acc.value.rstrip("%")) / 100 >= 0.95  # two moons, default widgets
    # the typed record the loss surface page reads: config, weights, loss, data, history and path
    record = at.session_state["pg_record"]
    assert isinstance(record, TrainedModel) and record.name == "Playground model" and record.loss == "cross_entropy"
    assert record.history.config["loss"] == "cross_entropy" and record.history.epochs == 100
    assert record.trajectory.shape == (101, models.n_parameters(record.build()))
    np.testing.assert_allclose(record.trajectory[-1], flat(record.build()).numpy())
    assert acc.value == f"{metrics.report(record.build(), record.dataset)['accuracy']:.1%}"  # the oracle
    assert at.session_state["pg_key"]
    at.button(key="pg_export_btn").click().run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    gap = float(re.search(r"largest difference \*\*([0-9.e+-]+)\*\*", text).group(1))
    assert gap < 1e-4


def test_limits_and_divergence_are_messages_not_tracebacks():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.text_input(key="pg_widths").input("600, 16").run()
    assert not at.exception and any("1 to 512" in e.value for e in at.error)
    at.text_input(key="pg_widths").input("8, 8, 8, 8, 8, 8, 8, 8, 8").run()
    assert any("At most 8 hidden layers" in e.value for e in at.error)
    at.text_input(key="pg_widths").input("16").run()
    at.selectbox(key="pg_dataset").select("linear").run()
    at.selectbox(key="pg_opt").select("sgd").run()
    at.select_slider(key="pg_lr").set_value(10.0).run()
    at.button(key="pg_train").click().run()
    assert not at.exception
    assert any("diverged" in e.value and "smaller" in e.value for e in at.error)


def test_control_combinations_work_or_explain():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.number_input(key="pg_epochs").set_value(3).run()
    for ds in ("circles", "spirals", "xor", "iris", "digits", "linear"):
        at.selectbox(key="pg_dataset").select(ds).run()
        at.button(key="pg_train").click().run()
        assert not at.exception, (ds, at.exception)
        assert any(s.value.startswith("Trained 3 epochs") for s in at.success), ds
    at.selectbox(key="pg_dataset").select("moons").run()
    at.checkbox(key="pg_bn").check().run()
    at.number_input(key="pg_batch").set_value(1).run()
    at.button(key="pg_train").click().run()
    assert not at.exception and any("at least 2 samples" in e.value for e in at.error)
    at.number_input(key="pg_batch").set_value(32).run()
    at.slider(key="pg_dropout").set_value(0.9).run()
    at.selectbox(key="pg_loss_classification").select("mse").run()
    at.selectbox(key="pg_opt").select("nesterov").run()
    at.button(key="pg_train").click().run()
    assert not at.exception and any(s.value.startswith("Trained") for s in at.success)
    at.button(key="pg_cv").click().run()
    assert not at.exception and "over 5 folds" in " ".join(m.value for m in at.markdown)


def _loss(at):
    return next(s for s in at.sidebar.selectbox if s.label == "Loss")


def test_each_task_keeps_its_own_loss_choice():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert _loss(at).value == "cross_entropy"
    at.selectbox(key="pg_dataset").select("linear").run()
    assert _loss(at).value == "mse" and _loss(at).options == ["Mean squared error"]
    at.selectbox(key="pg_dataset").select("iris").run()
    assert not at.exception and _loss(at).value == "cross_entropy"  # was: MSE carried over from regression
    _loss(at).select("mse").run()
    at.selectbox(key="pg_dataset").select("linear").run()
    at.selectbox(key="pg_dataset").select("moons").run()
    assert _loss(at).value == "mse"  # the classification choice is kept


def _csv(sep=";"):
    rows = (
        [sep.join(["a", "b", "label"])]
        + [sep.join([str(i % 7), str(i % 5), "yes" if i % 2 else "no"]) for i in range(40)]
        + [sep.join(["1", "", "no"])]
    )
    return "\n".join(rows).encode()


def test_a_csv_upload_survives_switching_datasets_and_can_be_cleared():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.selectbox(key="pg_dataset").select("csv").run()
    assert any("Upload a CSV" in i.value for i in at.info) and not at.error
    assert not at.get("help") and "DeltaGenerator" not in str(at.main)  # no help text of a bare expression
    at.file_uploader(key="pg_csv").set_value(("mine.csv", _csv(), "text/csv")).run()
    assert not at.exception and not at.error
    text = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "**Your CSV**: 30 training and 10 validation" in text and "semicolon-separated" in text
    assert "1 of 41 rows had an empty" in text
    at.selectbox(key="pg_dataset").select("moons").run()
    at.selectbox(key="pg_dataset").select("csv").run()
    assert not at.exception and not any("Upload a CSV" in i.value for i in at.info)
    assert "**Your CSV**" in " ".join(m.value for m in at.markdown) and "mine.csv" in " ".join(
        c.value for c in at.sidebar.caption
    )
    at.button(key="pg_csv_clear").click().run()
    assert any("Upload a CSV" in i.value for i in at.info)


def test_data_problems_are_one_message_without_help_text():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.selectbox(key="pg_dataset").select("csv").run()
    bad = "\n".join(["x,y,label"] + [f"{i},{i % 3},{i % 10}" for i in range(20)]).encode()
    at.file_uploader(key="pg_csv").set_value(("classes.csv", bad, "text/csv")).run()
    assert not at.exception and len(at.error) == 1 and "validation" in at.error[0].value
    assert not at.get("help") and "DeltaGenerator" not in str(at.main)


def test_the_page_is_thin(root):
    import ast

    page = (root / "views" / "1_Playground.py").read_text()
    imported = {a.name.split(".")[0] for n in ast.walk(ast.parse(page)) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(ast.parse(page)) if isinstance(n, ast.ImportFrom)}
    assert not imported & {"torch", "onnxruntime", "numpy", "pandas"}
    # Streamlit draws the value of any bare expression that is not a call (its "magic")
    bare = [
        n
        for n in ast.walk(ast.parse(page))
        if isinstance(n, ast.Expr) and not isinstance(n.value, (ast.Call, ast.Constant, ast.Await))
    ]
    assert not bare, [ast.unparse(n) for n in bare]  # line budgets: tests/test_layering.py


# --- the URL: a link opens the page with its settings; hostile links are clamped or dropped ---------------

IRIS_LINK = {
    "dataset": "iris",
    "widths": "10,8",
    "activation": "relu",
    "loss": "cross_entropy",
    "optimizer": "adam",
    "lr": "0.01",
    "epochs": "100",
}


def _open(query: dict, lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in {**query, **({"lang": lang} if lang else {})}.items():
        at.query_params[k] = v
    return at.run()


def _settings(at) -> dict:
    """The page's settings as its widgets hold them, in the schema's words."""
    ss = at.session_state
    return {f.name: ss[f.widget_key] for f in pg.SETTINGS.fields}


def test_the_articles_iris_link_opens_with_exactly_those_settings():
    at = _open(IRIS_LINK)
    assert not at.exception and not at.warning  # no notice: every value was taken as it is
    assert at.selectbox(key="pg_dataset").value == "iris" and at.text_input(key="pg_widths").value == "10, 8"
    assert (
        at.selectbox(key="pg_act").value == "relu"
        and at.selectbox(key="pg_loss_classification").value == "cross_entropy"
    )
    assert at.selectbox(key="pg_opt").value == "adam" and at.select_slider(key="pg_lr").value == 0.01
    assert at.number_input(key="pg_epochs").value == 100
    assert {k: at.query_params[k] for k in IRIS_LINK} == IRIS_LINK  # the URL keeps them, and adds the rest
    assert "**Iris**: 112 training and 38 validation samples" in " ".join(m.value for m in at.markdown)
    assert at.code[0].value.startswith("?dataset=iris&") and "widths=10%2C8" in at.code[0].value


def test_the_urls_loss_sets_the_loss_of_the_urls_task():
    at = _open({"dataset": "linear", "loss": "mse"})
    assert not at.exception and not at.warning and at.selectbox(key="pg_loss_regression").value == "mse"
    at = _open({"dataset": "moons", "loss": "mse", "widths": ""})
    assert not at.exception and at.selectbox(key="pg_loss_classification").value == "mse"
    assert at.text_input(key="pg_widths").value == "" and at.query_params["widths"] == ""  # no hidden layer
    at = _open({"dataset": "linear", "loss": "cross_entropy"})  # no such loss for a regression: its default
    assert (
        not at.exception and at.selectbox(key="pg_loss_regression").value == "mse" and at.query_params["loss"] == "mse"
    )


def test_hostile_links_are_clamped_or_dropped_with_only_the_schemas_notice():
    at = _open(
        {
            "epochs": "1e12",
            "lr": "nan",
            "dataset": "../../etc/passwd",
            "widths": "<script>",
            "loss": "javascript:alert(1)",
        }
    )
    assert not at.exception and len(at.warning) == 1
    notice = at.warning[0].value
    assert notice.count("\n- ") == 5 and not any(bad in notice for bad in ("passwd", "<", "script", "javascript"))
    s = _settings(at)
    assert (s["epochs"], s["lr"], s["dataset"], s["widths"], s["loss"]) == (
        1000,
        0.01,
        "moons",
        "16, 16",
        "cross_entropy",
    )
    assert at.query_params["epochs"] == "1000" and at.query_params["dataset"] == "moons"


def _setting_values():
    """A valid value of each field of the page's schema (every dataset but the CSV, whose file no link holds)."""
    out = {}
    for f in pg.SETTINGS.fields:
        if isinstance(f, us.Int):
            out[f.name] = hst.integers(f.low, f.high)
        elif isinstance(f, us.Float):
            out[f.name] = hst.floats(f.low, f.high, allow_nan=False)
        elif isinstance(f, us.Bool):
            out[f.name] = hst.booleans()
        elif isinstance(f, us.Choice):
            out[f.name] = hst.sampled_from(f.choices)
        else:  # the widths, as the text box holds them
            out[f.name] = hst.lists(hst.integers(1, 512), max_size=8).map(lambda w: ", ".join(map(str, w)))
    return hst.fixed_dictionaries(out)


@settings(max_examples=300, deadline=None)
@given(_setting_values())
def test_every_state_round_trips_through_its_link(state):
    assert pg.SETTINGS.parse(pg.SETTINGS.to_query(state)) == (state, [])
    assert pg.SETTINGS.parse(parse_qs(urlencode(pg.SETTINGS.to_query(state)), keep_blank_values=True)) == (state, [])


hostile = hst.sampled_from(
    [
        "1e12",
        "-1e12",
        "nan",
        "inf",
        "",
        " ",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "[x](javascript:alert(1))",
        "1,2,3,4,5,6,7,8,9",
        "0,-5,99999",
        "9" * 3000,
        "csv",
        "linear",
        "mse",
        "true",
        "0.0100",
    ]
)
names = hst.sampled_from([f.name for f in pg.SETTINGS.fields] + ["x<b>", "widths2"])


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(hst.dictionaries(names, hostile, max_size=6))
def test_any_query_string_opens_the_page_with_only_the_schemas_notice(query):
    at = _open(query)
    assert not at.exception, at.exception
    assert len(at.warning) <= 1 and all(w.value.startswith("This link had settings") for w in at.warning)
    # the only errors: a run past the time budget, or a network past a limit the URL cannot clamp
    assert all("past the budget" in e.value or "widths" in query for e in at.error), [e.value for e in at.error]


def test_a_copied_link_opens_the_same_settings_and_trains_to_the_same_numbers():
    first = _open({"dataset": "circles", "epochs": "5", "seed": "3", "widths": "8", "lr": "0.03"})
    first.slider(key="pg_noise").set_value(0.2).run()
    first.button(key="pg_train").click().run()
    link = first.code[0].value  # what the copy button copies
    second = _open({k: v[-1] for k, v in parse_qs(link.split("?", 1)[1], keep_blank_values=True).items()})
    assert not second.exception and not second.warning and _settings(second) == _settings(first)
    second.button(key="pg_train").click().run()
    assert [(m.label, m.value) for m in second.metric] == [(m.label, m.value) for m in first.metric]
    np.testing.assert_array_equal(
        flat(second.session_state["pg_record"].build()).numpy(), flat(first.session_state["pg_record"].build()).numpy()
    )


def test_a_run_past_the_budget_is_refused_with_the_budget_named():
    run._recent.clear()  # the estimate of a quiet server (earlier tests' runs may have measured a busy one)
    opts = {"in_features": 64, "widths": (512,) * 8, "out_features": 10, "batch_norm": False}
    seconds = run.estimate_seconds(run.n_parameters(opts), 1347, 1000, 32)
    assert 1.5 * 3600 < seconds < 3 * 3600  # 8x512 on the digits for 1,000 epochs: about 2 hours
    at = _open({"dataset": "digits", "widths": ",".join(["512"] * 8), "epochs": "1000"})
    assert not at.exception and at.button(key="pg_train").disabled
    refusal = at.error[0].value
    assert "budget of 3 min" in refusal and "h here" in refusal and "512" not in refusal.split("(")[0]
    with pytest.raises(AppTestError, match="disabled"):  # a browser cannot press it either
        at.button(key="pg_train").click()
    assert "pg_record" not in at.session_state
    at.text_input(key="pg_widths").input("16").run()  # under the budget: said beside the button, allowed
    assert not at.button(key="pg_train").disabled and any("Estimated time here" in c.value for c in at.caption)


def test_the_estimate_learns_the_servers_speed_from_its_last_runs():
    run._recent.clear()
    assert run.slowdown() == 1.0
    for ratio in (3.0, 5.0, 4.0):
        run.record_speed(2.0, 2.0 * ratio)
    assert run.slowdown() == 4.0  # the median
    for _ in range(3):
        run.record_speed(1.0, 1e6)
    assert run.slowdown() == run.MAX_SLOWDOWN
    run._recent.clear()


def test_the_parameter_count_of_the_estimate_is_the_models():
    for widths, bn in (((16, 16), False), ((), False), ((10, 8), True), ((512,) * 8, False)):
        opts = {"in_features": 64, "widths": widths, "out_features": 10, "batch_norm": bn}
        assert run.n_parameters(opts) == models.n_parameters(models.build("mlp", **opts))  # the oracle


def test_the_page_in_chinese():
    at = _open({"dataset": "iris"}, lang="zh")
    assert not at.exception and not at.warning
    assert at.title[0].value == "训练实验场" and at.button(key="pg_train").label == "训练"
    assert at.selectbox(key="pg_dataset").label == "数据集" and "鸢尾花" in at.markdown[0].value
    assert at.query_params["lang"] == "zh"
