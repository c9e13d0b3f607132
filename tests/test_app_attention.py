from streamlit.testing.v1 import AppTest

PAGE = "../pages/6_Attention.py"


def test_attention_page_toy_and_minilm():
    at = AppTest.from_file(PAGE, default_timeout=240).run()
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
    at = AppTest.from_file(PAGE, default_timeout=240).run()
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
    at = AppTest.from_file(PAGE, default_timeout=240).run()
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


HOSTILE = ["²", "①", "１２３", "9" * 4301, "😀🎉", "我们今天去公园散步", "x" * 10_000, "**bold** <script>alert(1)</script>",
           "\u200b"]


def test_hostile_text_in_every_box_gives_messages_not_tracebacks():
    """Issue 12: digit-like characters, huge numbers, emoji, Chinese and markup in the toy sequence and MiniLM boxes."""
    at = AppTest.from_file(PAGE, default_timeout=240).run()
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

    record = SimpleNamespace(dataset=SimpleNamespace(name="reverse"), config={"n_layers": 1, "n_heads": 2},
                             history=SimpleNamespace(config={"epochs": 1}))  # what stale_note reads of a TrainedModel
    assert ua.stale_note(record, ToySettings("reverse", 1, 2, 1)) is None
    note = ua.stale_note(record, ToySettings("shift", 1, 2, 3))
    assert "reverse, 1 layer × 2 heads, 1 epoch" in note and "task reverse → shift" in note and "epochs 1 → 3" in note
