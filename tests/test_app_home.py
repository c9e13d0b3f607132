from streamlit.testing.v1 import AppTest


def test_home_renders_status_and_verified_zoo():
    at = AppTest.from_file("../app.py", default_timeout=120).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "14 of 14 exported models present and verified" in text
    assert any(m.label == "onnxruntime provider in use" for m in at.metric)
