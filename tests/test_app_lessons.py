"""The lessons and the glossary: every step renders in both languages and links to a page that exists."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.glossary import TERMS
from ui.lessons import ARTICLES, STEPS

ROOT = Path(__file__).resolve().parent.parent


def _page(name: str, lang: str = "en") -> AppTest:
    """A page run as the app runs it (app.py the entrypoint), so its page links resolve."""
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(f"views/{name}.py").run()
    return at


def test_at_least_ten_steps_each_citing_an_article_and_linking_a_real_page():
    assert len(STEPS) >= 10
    for s in STEPS:
        assert s.article in ARTICLES and (ROOT / s.page).exists(), s.title
        assert s.idea and s.predict and s.look_for


@pytest.mark.parametrize("lang,title", [("en", "📚 Lessons from the articles"), ("zh", "📚 跟着文章学")])
def test_every_step_renders_with_its_link(lang, title):
    at = _page("8_Lessons", lang)
    assert not at.exception and at.title[0].value == title
    for i in range(1, len(STEPS) + 1):
        at.number_input(key="ls_step").set_value(i).run()
        assert not at.exception, at.exception
        links = at.get("page_link")
        assert len(links) == 1 and links[0].proto.page == STEPS[i - 1].page.split("_", 1)[1].removesuffix(".py")


def test_a_prediction_is_kept_and_shown_as_plain_text():
    at = _page("8_Lessons")
    at.text_area(key="lesson_guess_1").input("<b>cross-entropy</b> **wins**").run()
    assert not at.exception and any(t.value == "<b>cross-entropy</b> **wins**" for t in at.text)


def test_glossary_search_in_both_scripts():
    at = _page("9_Glossary")
    assert not at.exception
    at.text_input(key="gl_query").input("交叉熵").run()
    assert not at.exception and any("cross-entropy" in m.value for m in at.markdown)
    at.text_input(key="gl_query").input("<script>").run()
    assert any("No term matches" in i.value for i in at.info)
    assert all((ROOT / t.page).exists() for t in TERMS)
