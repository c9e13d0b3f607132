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
