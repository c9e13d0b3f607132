"""简体中文 and English: every user-visible string has a Chinese entry, every entry is used, the
placeholders agree, and no display call in a translated file is handed raw English."""

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import i18n_missing  # noqa: E402

from ui import i18n  # noqa: E402

# Display calls whose first argument (or `label`) a learner reads.
DISPLAY = {
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "info",
    "warning",
    "error",
    "success",
    "text",
    "button",
    "selectbox",
    "radio",
    "slider",
    "select_slider",
    "number_input",
    "text_input",
    "text_area",
    "checkbox",
    "toggle",
    "multiselect",
    "file_uploader",
    "download_button",
    "metric",
    "expander",
    "tabs",
    "progress",
    "spinner",
    "status",
    "page_link",
    "segmented_control",
    "form_submit_button",
}
# Every page and ui module that imports the translator hands no raw English to the screen; the last
# test lists those that do not import it yet (the list must end empty).
SOURCES = [
    "app.py",
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "views").glob("*.py"))),
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "ui").rglob("*.py"))),
]
TRANSLATED = [f for f in SOURCES if "ui.i18n import" in (ROOT / f).read_text()]


def _raw_english(path: Path) -> list[str]:
    """Display calls in ``path`` given a string literal or f-string with letters, not _(...)."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DISPLAY):
            continue
        args = node.args[:1] + [k.value for k in node.keywords if k.arg in ("label", "body", "text")]
        for a in args:
            parts = [v for v in a.values if isinstance(v, ast.Constant)] if isinstance(a, ast.JoinedStr) else [a]
            text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
            if re.search("[A-Za-z]{2}", text):  # words, not markup such as ** or a lone unit
                bad.append(f"{path.name}:{node.lineno} {node.func.attr}(...)")
    return bad


@pytest.fixture(scope="module")
def extracted():
    return i18n_missing.extracted(i18n_missing.sources())


def test_every_english_string_has_chinese_and_every_entry_is_used(extracted):
    i18n.catalog.cache_clear()
    zh = i18n.catalog("zh")
    missing = [f"{where}: {m!r}" for m, where in extracted.items() if m not in zh]
    assert not missing, f"{len(missing)} strings without Chinese (python tools/i18n_missing.py):\n" + "\n".join(
        missing[:20]
    )
    unused = sorted(set(zh) - set(extracted))
    assert not unused, f"catalog entries no longer used: {unused[:20]}"


def test_placeholders_agree(extracted):
    zh = i18n.catalog("zh")
    names = lambda s: sorted(re.findall(r"\{(\w*)[^}]*\}", s))  # noqa: E731
    bad = [m for m in extracted if m in zh and names(m) != names(zh[m])]
    assert not bad, f"placeholders differ between English and Chinese: {bad[:10]}"


@pytest.mark.parametrize("name", TRANSLATED)
def test_translated_files_hand_no_raw_english_to_the_screen(name):
    assert not _raw_english(ROOT / name)


def test_the_lint_catches_raw_english(tmp_path):
    p = tmp_path / "page.py"
    p.write_text(
        "import streamlit as st\nst.title('Loss surface')\nst.caption(f'**{n}** epochs')\n"
        "st.markdown(f'**{_(title)}**')\nst.title(_('ok'))\n"
    )
    assert len(_raw_english(p)) == 2


def test_language_choice():
    assert i18n.browser_language("zh-Hans-CN") == "zh" and i18n.browser_language("en-US") == "en"
    assert i18n.browser_language(None) == "en"
    i18n.use("zh")
    assert i18n._("Status") == "运行状态" and i18n._("no such text") == "no such text"
    i18n.use("fr")  # unknown: English
    assert i18n._("Status") == "Status"
    i18n.use("en")


def test_home_page_in_chinese_from_the_url():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "🧠 神经网络探索器" and at.session_state["lang"] == "zh"
    at.selectbox(key="lang_control").select("en").run()
    assert at.title[0].value == "🧠 Neural network explorer" and at.query_params["lang"] in ("en", ["en"])
