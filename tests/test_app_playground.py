from streamlit.testing.v1 import AppTest

PAGE = "../pages/1_Playground.py"


def test_playground_trains_two_moons_from_the_widgets():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    at.button(key="pg_train").click().run()
    assert not at.exception, at.exception
    acc = next(m for m in at.metric if m.label == "Accuracy")
    assert float(acc.value.rstrip("%")) / 100 >= 0.95  # two moons, default widgets
    at.button(key="pg_export_btn").click().run()
    assert not at.exception
    assert "largest difference" in " ".join(m.value for m in at.markdown)


def test_limits_and_divergence_are_messages_not_tracebacks():
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    at.text_input(key="pg_widths").input("600, 16").run()
    assert not at.exception and any("1 to 512 units" in e.value for e in at.error)
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
    at = AppTest.from_file(PAGE, default_timeout=120).run()
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
    at.selectbox(key="pg_loss").select("mse").run()
    at.selectbox(key="pg_opt").select("nesterov").run()
    at.button(key="pg_train").click().run()
    assert not at.exception and any(s.value.startswith("Trained") for s in at.success)
    at.button(key="pg_cv").click().run()
    assert not at.exception and "over 5 folds" in " ".join(m.value for m in at.markdown)
