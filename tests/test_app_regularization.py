from streamlit.testing.v1 import AppTest

PAGE = "../pages/5_Regularization.py"


def test_regularization_page_trains_variants_and_sweeps():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception
    at.number_input(key="rg_epochs").set_value(60).run()
    at.button(key="rg_train").click().run()
    assert not at.exception, at.exception
    assert len(at.dataframe) >= 1 and "Summary" in " ".join(s.value for s in at.subheader)
    at.number_input(key="rg_pts").set_value(40).run()
    at.button(key="rg_sweep").click().run()
    assert any("2 to 12" in e.value for e in at.error)
    at.number_input(key="rg_pts").set_value(3).run()
    at.button(key="rg_sweep").click().run()
    assert not at.exception and any("Best validation accuracy" in c.value for c in at.caption)
