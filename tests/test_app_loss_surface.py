from streamlit.testing.v1 import AppTest

PAGE = "../pages/3_Loss_surface.py"


def test_loss_surface_page_renders_both_views():
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Centre loss" in text
    assert len(at.get("vega_lite_chart")) >= 4


def test_too_large_learning_rate_diverges_visibly_and_limits_are_named():
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    at.selectbox(key="toy_name").select("rosenbrock").run()
    at.number_input(key="toy_lr_rosenbrock").set_value(0.05).run()
    assert not at.exception
    assert any("diverged at step" in w.value for w in at.warning)
    at.number_input(key="ls_res").set_value(150).run()
    assert any("limit of 101" in e.value for e in at.error)


def test_pca_and_zoo_sources():
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    at.selectbox(key="ls_method").select("pca").run()
    assert not at.exception
    assert "of the trajectory's variance" in " ".join(m.value for m in at.markdown)
    at.radio(key="ls_source").set_value("A zoo model").run()
    assert not at.exception and any("PCA directions are not" in i.value for i in at.info)
