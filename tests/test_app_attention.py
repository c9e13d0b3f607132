from streamlit.testing.v1 import AppTest

PAGE = "../pages/6_Attention.py"


def test_attention_page_toy_and_minilm():
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "prediction" in text and "8 of 8 positions right" in text
    assert any(m.label == "Cosine similarity (onnxruntime)" for m in at.metric)
    at.checkbox(key="sim_check").check().run()
    diff = next(m for m in at.metric if m.label == "Largest embedding difference")
    assert float(diff.value) < 1e-4


def test_attention_bad_input_and_ablation():
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    next(t for t in at.text_input if t.key.startswith("att_seq")).input("1 2 x").run()
    assert any("vocabulary" in e.value for e in at.error)
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
