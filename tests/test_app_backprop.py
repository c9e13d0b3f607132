import ast
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import backprop as bp
from ui import backprop as ui_bp

PAGE = "../pages/4_Backprop.py"
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_backprop_page_steps_through_and_proves_the_gradients():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    diffs = {m.label: float(m.value) for m in at.metric}
    assert diffs["Largest |hand - autograd|"] < 1e-6 and diffs["Largest |hand - finite difference|"] < 1e-4
    for _ in range(4):  # forward, loss, backward, update on the one-layer preset
        at.button(key="bp_next").click().run()
        assert not at.exception
    assert "Stage 4 of 4: Update" in " ".join(m.value for m in at.markdown)
    latex = " ".join(x.value for x in at.latex)
    assert r"W^{(1)} & \leftarrow" in latex and r"b^{(1)} & \leftarrow" in latex  # the bias update too (issue 11)


def test_presets_and_bad_cells():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="bp_preset").select("xor").run()
    assert not at.exception
    at.selectbox(key="bp_preset").select("random").run()
    at.selectbox(key="bp_loss_random").select("cross_entropy").run()
    assert not at.exception
    next(n for n in at.number_input if n.key.endswith("_cls")).set_value(5).run()
    assert any("class index" in e.value for e in at.error)


def test_largest_network_every_stage_shows_every_layer():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="bp_preset").select("random").run()
    for key, value in (("bp_in", 4), ("bp_hidden", 2), ("bp_width", 4), ("bp_out", 3)):
        at.slider(key=key).set_value(value).run()
    assert not at.exception
    for _ in range(7):
        at.button(key="bp_next").click().run()
        assert not at.exception
    assert "Stage 8 of 8: Update" in " ".join(m.value for m in at.markdown)
    latex = " ".join(x.value for x in at.latex)
    for l in (1, 2, 3):
        assert r"W^{(%d)} & \leftarrow" % l in latex and r"b^{(%d)} & \leftarrow" % l in latex


def test_diverging_many_steps_is_reported_with_what_to_do():
    """Issue 12: with a learning rate far too large the weights overflowed and a ConfigError escaped."""
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.number_input(key="bp_lr").set_value(100.0).run()
    at.number_input(key="bp_steps").set_value(2000).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "diverged at step" in message and "smaller one, α = 10" in message
    assert len(at.get("vega_lite_chart")) == 3  # the steps before it are still drawn


def test_divergence_message():
    run = bp.run_steps([(np.array([[0.5]]), np.array([0.0]))], [2.0], [2.0], "linear", "mse", 100.0, 2000)
    text = ui_bp.divergence_message(run, 100.0)
    assert f"step {run.diverged_at} of 2000" in text and f"the {run.done} steps before it" in text and "α = 10" in text
    calm = bp.run_steps([(np.array([[0.5]]), np.array([0.0]))], [2.0], [2.0], "linear", "mse", 0.1, 50)
    assert ui_bp.divergence_message(calm, 0.1) is None


def test_thin_page_without_torch():
    page = (ROOT / "pages" / "4_Backprop.py").read_text()
    assert len(page.splitlines()) <= 150
    imported = {a.name.split(".")[0] for node in ast.walk(ast.parse(page)) if isinstance(node, (ast.Import, ast.ImportFrom))
                for a in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert "torch" not in imported and "altair" not in imported and "pandas" not in imported
    for path in ("ui/backprop.py", "ui/charts/backprop.py"):
        assert len((ROOT / path).read_text().splitlines()) <= 250, path


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


@pytest.fixture(scope="module")
def server():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(10)


def _settle(page):
    """Wait for the rerun to finish (no stale element, no running icon), then for the graph's async layout."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector(\"[data-stale='true'], [data-testid='stStatusWidgetRunningIcon']\")",
                           timeout=60_000)
    page.wait_for_timeout(500)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_every_formula_and_graph_label_readable_at_1280px(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server + "/Backprop", wait_until="networkidle")
        page.get_by_text("Many steps").first.wait_for(timeout=90_000)
        page.locator("[data-testid='stSelectbox']").filter(has_text="Preset").click()
        page.get_by_role("option", name="Random weights (seeded)").click()
        page.locator("input[type='range'][aria-label='Inputs']").wait_for(timeout=30_000)
        for label, value in (("Inputs", 4), ("Hidden layers", 2), ("Units per hidden layer", 4), ("Outputs", 3)):
            slider = page.locator(f"input[type='range'][aria-label='{label}']")
            slider.focus()
            for _ in range(value - int(slider.get_attribute("value"))):
                page.keyboard.press("ArrowRight")
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
