"""Each page's first render and a slider change on cached data, through Streamlit's AppTest (the
script the server runs, without the browser): issue 15 asks for under 2 s and under 300 ms."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.common import Pair

ROOT = Path(__file__).resolve().parent.parent
FIRST_RENDER_GOAL_S = 2.0
CHANGE_GOAL_S = 0.3
# page file, a widget to change on cached data: (kind, key, value)
PAGES = {
    "app.py": None,
    "views/1_Playground.py": ("number_input", "pg_seed", 1),
    "views/2_Model_zoo.py": ("selectbox", "zoo_model", "digits_mlp"),
    "views/3_Loss_surface.py": ("number_input", "toy_steps", 150),
    "views/4_Backprop.py": ("number_input", "bp_seed", 1),
    "views/5_Regularization.py": None,
    "views/6_Attention.py": None,
    "views/7_Efficiency.py": ("number_input", "ef_pue", 1.2),
    "views/8_Lessons.py": ("number_input", "ls_step", 2),
    "views/10_Network.py": None,
    "views/11_Experiments.py": None,
    "views/9_Glossary.py": ("text_input", "gl_query", "loss"),
}


def _seconds(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _open(page: str):
    """The page as the app runs it: app.py the entrypoint (its navigation resolves page links), then the page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    if page != "app.py":
        at.switch_page(page)
    return at


def run(quick: bool) -> list:
    from streamlit.testing.v1 import AppTest

    pairs = []
    for page, change in PAGES.items():
        if not (ROOT / page).exists():
            continue
        _open(page)  # warm the process: imports and caches
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.run()
        first = _seconds(lambda: at.switch_page(page).run()) if page != "app.py" else _seconds(at.run)
        if at.exception:
            raise AssertionError(f"{page} raised {at.exception[0].message}")
        pairs.append(
            Pair(
                "pages",
                f"{page} first render",
                "goal",
                "AppTest run",
                FIRST_RENDER_GOAL_S,
                first,
                FIRST_RENDER_GOAL_S / first,
                FIRST_RENDER_GOAL_S / first,
                FIRST_RENDER_GOAL_S / first,
                1,
                "no exception",
                1.0,
                "ratio = goal / measured: at least 1 meets the goal",
            )
        )
        if change and not quick:
            kind, key, value = change
            widget = getattr(at, kind)(key=key)
            widget = widget.input(value) if kind == "text_input" else widget.set_value(value)
            t = _seconds(widget.run)
            pairs.append(
                Pair(
                    "pages",
                    f"{page} change {key}",
                    "goal",
                    "AppTest rerun",
                    CHANGE_GOAL_S,
                    t,
                    CHANGE_GOAL_S / t,
                    CHANGE_GOAL_S / t,
                    CHANGE_GOAL_S / t,
                    1,
                    "no exception",
                    1.0,
                    "ratio = goal / measured",
                )
            )
    return pairs
