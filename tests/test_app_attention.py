import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from ui import i18n, url_state
from ui.attention import SETTINGS

PAGE = "../views/6_Attention.py"


def test_attention_page_toy_and_minilm():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "prediction" in text and "8 of 8 positions right" in text
    assert not at.metric  # the MiniLM view runs only when chosen
    at.radio(key="att_view").set_value("minilm").run()
    assert not at.exception, at.exception
    assert any(m.label == "Cosine similarity (onnxruntime)" for m in at.metric)
    at.checkbox(key="sim_check").check().run()
    diff = next(m for m in at.metric if m.label == "Largest embedding difference")
    assert float(diff.value) < 1e-4


def test_attention_bad_input_and_ablation():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    next(t for t in at.text_input if t.key.startswith("att_seq")).input("1 2 x").run()
    assert any("vocabulary" in e.value for e in at.error)
    at.radio(key="att_view").set_value("minilm").run()
    at.text_area(key="bert_text").input("   ").run()
    assert any("empty" in e.value for e in at.error)
    at.text_area(key="bert_text").input("snow ☃ man 𓀀").run()
    assert not at.exception and any("[UNK]" in i.value for i in at.info)
    at.text_area(key="bert_text").input("word " * 3000).run()
    assert not at.exception and any("truncated" in w.value for w in at.warning)


def test_changing_a_training_setting_after_a_run_does_not_train(monkeypatch):
    """Defect 2 (issue 11): training happens only on a press of Train, never on a changed setting."""
    from core.train import TrainConfig

    runs = []
    check = TrainConfig.__post_init__
    monkeypatch.setattr(TrainConfig, "__post_init__", lambda self: (runs.append(self.epochs), check(self))[1])
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    at.radio(key="att_source").set_value("train").run()
    at.number_input(key="att_L").set_value(1).run()
    at.selectbox(key="att_H").set_value(1).run()
    at.number_input(key="att_ep").set_value(1).run()
    assert runs == []
    at.button(key="att_train").click().run()
    assert not at.exception, at.exception
    assert runs == [1]
    at.number_input(key="att_ep").set_value(2).run()
    assert not at.exception, at.exception
    assert runs == [1]  # no new run without a press
    text = " ".join(w.value for w in at.warning)
    assert "1 epoch" in text and "Train" in text  # the results shown are marked as the 1-epoch model's
    at.button(key="att_train").click().run()
    assert runs == [1, 2]
    assert not at.warning


HOSTILE = [
    "²",
    "①",
    "１２３",
    "9" * 4301,
    "😀🎉",
    "我们今天去公园散步",
    "x" * 10_000,
    "**bold** <script>alert(1)</script>",
    "\u200b",
]


def test_hostile_text_in_every_box_gives_messages_not_tracebacks():
    """Issue 12: digit-like characters, huge numbers, emoji, Chinese and markup in the toy sequence and MiniLM boxes."""
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    seq = next(t for t in at.text_input if t.key.startswith("att_seq")).key
    for text in HOSTILE:
        at.text_input(key=seq).input(text).run()
        assert not at.exception, (text[:20], at.exception)
        assert any("vocabulary" in e.value or "2 to 8" in e.value for e in at.error), text[:20]
    at.radio(key="att_view").set_value("minilm").run()
    for text in HOSTILE:
        for box in ("bert_text", "sim_a", "sim_b"):
            (at.text_area if box == "bert_text" else at.text_input)(key=box).input(text).run()
            assert not at.exception, (box, text[:20], at.exception)
    at.text_area(key="bert_text").input("我们今天去公园散步").run()
    assert any("mostly outside the model's vocabulary" in w.value and "English" in w.value for w in at.warning)
    at.text_input(key="sim_a").input("注意力机制是什么").run()
    assert any(w.value.startswith("Sentence A is mostly outside") for w in at.warning)
    assert any(m.label == "Cosine similarity (onnxruntime)" for m in at.metric)


def test_notes_and_escaping():
    from core.attention import ToySettings
    from ui import attention as ua

    assert ua.unknown_note(["[CLS]", "the", "cat", "[SEP]"], "[UNK]") is None
    level, text = ua.unknown_note(["[CLS]", "我", "[UNK]", "[UNK]", "[SEP]"], "[UNK]")
    assert level == "warning" and "2 of its 3 word pieces" in text
    level, text = ua.unknown_note(["[CLS]", "snow", "[UNK]", "man", "[SEP]", "[PAD]"], "[UNK]")
    assert level == "info" and text.startswith("1 of 3 word pieces")
    assert ua.unknown_note(["[CLS]", "[SEP]"], "[UNK]")[0] == "warning"
    assert ua.plain("**a** <b>") == r"\*\*a\*\* \<b\>"

    from types import SimpleNamespace

    record = SimpleNamespace(
        dataset=SimpleNamespace(name="reverse"),
        config={"n_layers": 1, "n_heads": 2},
        history=SimpleNamespace(config={"epochs": 1}),
    )  # what stale_note reads of a TrainedModel
    assert ua.stale_note(record, ToySettings("reverse", 1, 2, 1)) is None
    note = ua.stale_note(record, ToySettings("shift", 1, 2, 3))
    assert "reverse, 1 layer × 2 heads, 1 epoch" in note and "task reverse → shift" in note and "epochs 1 → 3" in note


# --- 简体中文, URL state (issues 14 and 16) --------------------------------------------------------------

LINK_NOTICE = "This link had settings that could not be used as they were"
# words that stay as they are in the Chinese view: names of models, programs, formulas and code
KEPT = {
    "ONNX",
    "onnxruntime",
    "softmax",
    "Transformer",
    "d_model",
    "d_ff",
    "PyTorch",
    "MiniLM",
    "all",
    "L6",
    "v2",
    "sentence",
    "transformers",
    "PE",
    "pos",
    "cos",
    "CLS",
    "SEP",
    "UNK",
    "reverse_transformer",
    "shift_transformer",
    "sort_transformer",
    "cpu",
    "cuda",
    "QK",
    "Language",
}  # "Language · 语言" is the bilingual language control


def _shown_text(at) -> list[str]:
    """What a reader sees: titles, text, messages and widget labels (not the typed sentences, not code spans)."""
    out = [
        e.value
        for kind in ("title", "subheader", "markdown", "caption", "info", "warning", "error")
        for e in getattr(at, kind)
    ]
    out += [
        w.label
        for kind in (
            "selectbox",
            "radio",
            "number_input",
            "text_input",
            "text_area",
            "checkbox",
            "button",
            "multiselect",
            "metric",
        )
        for w in getattr(at, kind)
    ]
    return [re.sub(r"`[^`]*`", "", t) for t in out if not t.startswith(("Copy it with", LINK_NOTICE))]


def _english_words(texts) -> list[str]:
    return sorted({w for t in texts for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]+", t) if w not in KEPT})


def _chart_titles(at) -> list[str]:
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    found = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "title" and isinstance(v, str):
                    found.append(v)
                elif k == "title" and isinstance(v, dict) and isinstance(v.get("text"), str):
                    found.append(v["text"])
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for s in specs:
        walk(s)
    return found


@pytest.fixture
def zh():
    """AppTest formats a widget's value with its format_func in the test's thread: translate there too."""
    i18n.use("zh")
    yield
    i18n.use("en")


def _zh_page(query=None):
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.query_params["lang"] = "zh"
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at.run()


def test_toy_view_in_chinese_has_no_english_left(zh):
    at = _zh_page()
    assert not at.exception, at.exception
    assert at.title[0].value == "注意力机制"
    text = _shown_text(at)
    assert any("8 个位置中对了 8 个" in t for t in text)
    assert _english_words(text) == []
    titles = _chart_titles(at)
    assert "第 1 层，第 1 个头" in titles and "查询词元" in titles and "注意力" in titles
    assert _english_words(titles) == [] and "正弦位置编码 PE[位置, 维度]" in titles


def test_minilm_view_in_chinese_keeps_english_examples_and_says_why(zh):
    at = _zh_page({"view": "minilm", "layer": "3", "head": "7"})
    assert not at.exception, at.exception
    assert at.selectbox(key="att_layer").value == 3 and at.selectbox(key="att_head").value == 7
    assert at.text_area(key="bert_text").value.startswith("The animal")  # the model reads English
    assert any(i.value.startswith("示例句子保持英文") and "[UNK]" in i.value for i in at.info)
    assert _english_words(_shown_text(at)) == []
    assert "第 3 层，第 7 个头" in _chart_titles(at)
    at.text_area(key="bert_text").input("这只动物没有过马路，因为它太累了。").run()
    warning = next(w.value for w in at.warning if "[UNK]" in w.value)
    assert "大部分不在模型的词表里" in warning and "英文句子" in warning and "数字序列" in warning


def test_stale_notice_and_task_names_in_chinese():
    from types import SimpleNamespace

    from core.attention import ToySettings
    from ui import attention as ua

    record = SimpleNamespace(
        dataset=SimpleNamespace(name="reverse"),
        config={"n_layers": 1, "n_heads": 2},
        history=SimpleNamespace(config={"epochs": 1}),
    )
    i18n.use("zh")
    try:
        note = ua.stale_note(record, ToySettings("shift", 1, 2, 3))
        assert "反转，1 层 × 2 个头，1 轮" in note and "任务 反转 → 平移" in note and "轮数 1 → 3" in note
        assert "**训练**" in note
        assert i18n._(ua.TASK_NAMES["sort"]).startswith("排序")
    finally:
        i18n.use("en")


def test_a_lessons_link_opens_the_task_without_a_notice(zh):
    at = _zh_page({"task": "shift"})
    assert not at.exception, at.exception
    assert at.selectbox(key="att_task").value == "shift" and not at.warning
    assert at.query_params["task"] in ("shift", ["shift"]) and at.query_params["lang"] in ("zh", ["zh"])


def test_hostile_link_values_are_clamped_with_the_schemas_notice():
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in {"layer": "99", "head": "0", "seq": "1e9", "layers": "abc", "view": "<script>", "heads": "3"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    notice = [w.value for w in at.warning]
    assert len(notice) == 1 and notice[0].startswith(LINK_NOTICE) and "<script>" not in notice[0]
    # the zoo's reverse model has 2 layers x 2 heads: the pickers are clamped to it, and the URL follows
    assert at.selectbox(key="att_layer").value == 2 and at.selectbox(key="att_head").value == 1
    last = int(at.number_input(key="att_idx").max)
    assert at.number_input(key="att_idx").value == last and at.query_params["seq"] in (str(last), [str(last)])
    assert at.radio(key="att_view").value == "toy"


@settings(max_examples=200, deadline=None)
@given(
    hs.fixed_dictionaries(
        {
            f.name: hs.sampled_from(f.choices) if isinstance(f, url_state.Choice) else hs.integers(f.low, f.high)
            for f in SETTINGS.fields
        }
    )
)
def test_the_schema_round_trips(state):
    assert SETTINGS.parse(SETTINGS.to_query(state)) == (state, [])


FIELD_NAMES = ["view", "task", "source", "layers", "heads", "epochs", "seq", "layer", "head", "lang"]
JUNK = hs.sampled_from(
    [
        "",
        "-1",
        "1e400",
        "nan",
        "9" * 50,
        "minilm",
        "train",
        "sort",
        "4",
        "<b>x</b>",
        "../x",
        "[x](javascript:alert(1))",
        "\x00",
        "0.5",
        "zh",
    ]
)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    hs.dictionaries(
        hs.one_of(hs.sampled_from(FIELD_NAMES), hs.text(max_size=8)), hs.one_of(JUNK, hs.text(max_size=30)), max_size=6
    )
)
def test_any_query_string_gives_the_page_and_only_the_schemas_notice(query):
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, (query, at.exception)
    assert not at.error, query
    assert all(w.value.startswith(LINK_NOTICE) for w in at.warning), query
