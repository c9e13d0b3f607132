import ast
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from core import backprop as bp
from ui import backprop as ui_bp

PAGE = "../views/4_Backprop.py"
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _linked(**query):
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def _notices(at):
    return [w.value for w in at.warning if w.value.startswith("This link had settings")]


def test_backprop_page_steps_through_and_proves_the_gradients():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception
    diffs = {m.label: float(m.value) for m in at.metric}
    assert diffs["Largest |hand - autograd|"] < 1e-6 and diffs["Largest |hand - finite difference|"] < 1e-4
    for _ in range(3):  # forward, loss, backward, update on the one-layer network
        at.button(key="bp_next").click().run()
        assert not at.exception
    assert "Stage 4 of 4: Update" in " ".join(m.value for m in at.markdown)
    assert at.query_params["stage"] in ("4", ["4"])
    latex = " ".join(x.value for x in at.latex)
    assert r"W^{(1)} & \leftarrow" in latex and r"b^{(1)} & \leftarrow" in latex  # the bias update too (issue 11)


def _grads(at):
    df = next(d.value for d in at.dataframe if "by hand" in d.value.columns)  # the editors come first
    return dict(zip(df["parameter"], df["by hand"]))


def test_the_lesson_link_opens_the_articles_worked_example():
    at = _linked(sizes="1-1", activation="linear", x="2", y="2", w="1", b="0")
    assert not at.exception and not _notices(at) and not at.error
    assert at.number_input(key="bp_w").value == 1 and at.number_input(key="bp_b").value == 0
    assert at.text_input(key="bp_x").value == "2" and at.text_input(key="bp_y").value == "2"
    assert _grads(at) == {"W1[1,1]": 0.0, "b1[1]": 0.0}  # the prediction is exact: every gradient is zero
    at.number_input(key="bp_w").set_value(0.5).run()  # the lesson's question
    assert _grads(at) == {"W1[1,1]": -4.0, "b1[1]": -2.0}
    assert at.query_params["w"] in ("0.5", ["0.5"])
    at = _linked(sizes="1-1", activation="linear", x="2", y="2", w="0.5", b="0")
    assert _grads(at) == {"W1[1,1]": -4.0, "b1[1]": -2.0}
    at = _linked(depth="8", deep_activation="sigmoid")  # the vanishing-gradient lesson
    assert not at.exception and not _notices(at) and at.slider(key="bp_depth").value == 8


def test_xor_cross_entropy_and_fitted_targets():
    at = _linked(sizes="2-2-1", init="xor", activation="sigmoid", output="sigmoid", x="1,0", y="1")
    assert not at.exception and not _notices(at)
    assert at.selectbox(key="bp_init").value == "xor" and _grads(at)["W1[1,1]"] != 0
    at = _linked(sizes="3-2", loss="cross_entropy", y="5", x="1")
    assert not at.exception and not at.error
    assert at.text_input(key="bp_y").value == "1" and at.text_input(key="bp_x").value == "1, 0, 0"  # fitted
    at.text_input(key="bp_x").input("a, b").run()  # not numbers: back to the last good input
    assert not at.exception and at.text_input(key="bp_x").value == "2, 0, 0"


def test_largest_network_every_stage_shows_every_layer():
    at = _linked(sizes="4-4-4-3", stage="1")
    assert not at.exception
    for _ in range(7):
        at.button(key="bp_next").click().run()
        assert not at.exception
    assert "Stage 8 of 8: Update" in " ".join(m.value for m in at.markdown)
    latex = " ".join(x.value for x in at.latex)
    for l in (1, 2, 3):
        assert r"W^{(%d)} & \leftarrow" % l in latex and r"b^{(%d)} & \leftarrow" % l in latex


def test_nothing_runs_before_the_press_and_divergence_is_reported_with_what_to_do():
    """Issue 12: with a learning rate far too large the weights overflowed and a ConfigError escaped."""
    at = _linked(lr="100", steps="2000")
    assert not at.exception and "bp_last_run" not in at.session_state and len(at.get("vega_lite_chart")) == 1
    at.button(key="bp_run").click().run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "diverged at step" in message and "smaller one, α = 10" in message
    assert len(at.get("vega_lite_chart")) == 3  # the steps before it are still drawn
    at.number_input(key="bp_lr").set_value(0.05).run()  # changed settings: the old run is not shown as theirs
    assert len(at.get("vega_lite_chart")) == 1 and any("settings changed" in i.value for i in at.info)


def test_hostile_values_are_clamped_or_dropped_with_only_the_schemas_notice():
    at = _linked(
        sizes="9-9-9-9-9",
        activation="../../etc/passwd",
        loss="<script>",
        lr="1e12",
        x="nan,1",
        y="1e400",
        w="inf",
        b="-1e9",
        seed="-3",
        stage="99",
        steps="1e9",
        depth="0",
        deep_activation="javascript:alert(1)",
        init="**xor**",
    )
    assert not at.exception, at.exception
    notices = _notices(at)
    assert len(notices) == 1 and notices[0].count("\n- ") == 14 and not at.error
    assert not any(bad in notices[0] for bad in ("passwd", "<script>", "javascript", "**xor**"))
    assert at.text_input(key="bp_sizes").value == "1-1" and at.number_input(key="bp_lr").value == 100
    at = _linked(sizes="9-0-7")
    assert at.text_input(key="bp_sizes").value == "4-1-3" and len(_notices(at)) == 1


@settings(max_examples=150, deadline=None)
@given(hs.data())
def test_state_to_url_to_state_round_trips(data):
    from ui import url_state
    from ui.backprop_state import SCHEMA

    state = {}
    for f in SCHEMA.fields:
        if isinstance(f, url_state.Choice):
            state[f.name] = data.draw(hs.sampled_from(f.choices))
        elif isinstance(f, url_state.Int):
            state[f.name] = data.draw(hs.integers(f.low, f.high))
        elif isinstance(f, url_state.Float):
            state[f.name] = data.draw(hs.floats(f.low, f.high, allow_nan=False))
        elif f.name == "sizes":
            n = data.draw(hs.integers(2, 4))
            state[f.name] = "-".join(str(data.draw(hs.integers(1, 3 if k == n - 1 else 4))) for k in range(n))
        else:
            xs = data.draw(hs.lists(hs.floats(-100, 100, allow_nan=False), min_size=1, max_size=4))
            state[f.name] = ", ".join(format(v, "g") for v in xs)
            state[f.name] = SCHEMA.parse({f.name: state[f.name]})[0][
                f.name
            ]  # "g" keeps 6 digits: the text is the state
    assert SCHEMA.parse(SCHEMA.to_query(state)) == (state, [])


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@example({"sizes": "4-4-4-3", "loss": "cross_entropy", "stage": "8"})
@given(
    hs.dictionaries(
        hs.sampled_from(
            [
                "sizes",
                "activation",
                "output",
                "loss",
                "lr",
                "x",
                "y",
                "w",
                "b",
                "init",
                "seed",
                "stage",
                "steps",
                "depth",
                "deep_activation",
                "junk",
            ]
        ),
        hs.one_of(
            hs.sampled_from(["1-1", "2-3-1", "xor", "1e400", "nan", "-1", "<b>x</b>", "1,,2", "0"]),
            hs.text(max_size=20),
        ),
        max_size=6,
    )
)
def test_any_query_string_opens_the_page_with_only_the_schemas_notice(query):
    at = _linked(**query)
    assert not at.exception, (query, at.exception)
    assert len(_notices(at)) == len(at.warning) <= 1 and not at.error, query
    assert "bp_last_run" not in at.session_state


def test_the_page_in_chinese():
    at = _linked(lang="zh", sizes="1-1", activation="linear", x="2", y="2", w="0.5", b="0", stage="4")
    assert not at.exception, at.exception
    assert at.title[0].value == "反向传播：逐个数字地看" and "更新" in " ".join(m.value for m in at.markdown)
    assert all(m.label.startswith("最大差") for m in at.metric)
    assert at.button(key="bp_run").label == "运行 100 步" and at.subheader[2].value.startswith("这些数字对吗")


def test_divergence_message():
    run = bp.run_steps([(np.array([[0.5]]), np.array([0.0]))], [2.0], [2.0], "linear", "mse", 100.0, 2000)
    text = ui_bp.divergence_message(run, 100.0)
    assert f"step {run.diverged_at} of 2000" in text and f"the {run.done} steps before it" in text and "α = 10" in text
    calm = bp.run_steps([(np.array([[0.5]]), np.array([0.0]))], [2.0], [2.0], "linear", "mse", 0.1, 50)
    assert ui_bp.divergence_message(calm, 0.1) is None


def test_thin_page_without_torch():
    page = (ROOT / "views" / "4_Backprop.py").read_text()
    imported = {
        a.name.split(".")[0]
        for node in ast.walk(ast.parse(page))
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for a in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
    }
    assert "torch" not in imported and "altair" not in imported and "pandas" not in imported
    # line budgets: tests/test_layering.py, for every page and ui module


# --- in a real browser at 1280 px (issue 11): no formula wider than its column, graph text at least 11 px
MEASURE = """() => {
  const over = [...document.querySelectorAll('.katex-display')].map(d => {  // px drawn past the visible box
    const box = d.closest("[data-testid='stElementContainer']").getBoundingClientRect();
    const right = Math.max(...[...d.querySelectorAll('.base')].map(b => b.getBoundingClientRect().right));
    return right - Math.min(box.right, d.getBoundingClientRect().right);
  });
  const px = [...document.querySelectorAll("[data-testid='stGraphVizChart'] svg text")].map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  return {over: Math.max(...over), px: Math.min(...px), n: over.length};
}"""


def _settle(page):
    """Wait for the rerun to finish (no stale element, no running icon), then for the graph's async layout."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-stale='true'], [data-testid='stStatusWidgetRunningIcon']\")",
        timeout=60_000,
    )
    page.wait_for_timeout(500)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_every_formula_and_graph_label_readable_at_1280px(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server + "/Backprop?sizes=4-4-4-3&stage=1", wait_until="networkidle")
        page.get_by_text("Many steps").first.wait_for(timeout=90_000)
        _settle(page)
        while page.get_by_role("button", name="◀ Previous").is_enabled():
            page.get_by_role("button", name="◀ Previous").click()
            _settle(page)
        for stage in range(1, 9):
            page.get_by_text(f"Stage {stage} of 8").first.wait_for(timeout=30_000)
            _settle(page)
            m = page.evaluate(MEASURE)
            assert m["n"] >= 2 and m["over"] <= 1, (stage, m)  # every formula inside its column
            assert m["px"] >= 11, (stage, m)  # graph labels drawn at 11 px or more
            if stage < 8:
                page.get_by_role("button", name="Next ▶").click()
        browser.close()
