from streamlit.testing.v1 import AppTest

PAGE = "../pages/4_Backprop.py"


def test_backprop_page_steps_through_and_proves_the_gradients():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    diffs = {m.label: float(m.value) for m in at.metric}
    assert diffs["Largest |hand - autograd|"] < 1e-6 and diffs["Largest |hand - finite difference|"] < 1e-4
    for _ in range(4):  # forward, loss, backward, update on the one-layer preset
        at.button(key="bp_next").click().run()
        assert not at.exception
    assert "Stage 4 of 4: Update" in " ".join(m.value for m in at.markdown)


def test_presets_and_bad_cells():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.selectbox(key="bp_preset").select("xor").run()
    assert not at.exception
    at.selectbox(key="bp_preset").select("random").run()
    at.selectbox(key="bp_loss_random").select("cross_entropy").run()
    assert not at.exception
    next(n for n in at.number_input if n.key.endswith("_cls")).set_value(5).run()
    assert any("class index" in e.value for e in at.error)

