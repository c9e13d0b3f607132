import numpy as np
import pytest
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
    assert not at.exception and any("keep the final weights only" in i.value for i in at.info)
    at.selectbox(key="ls_method").select("filter").run()
    at.selectbox(key="ls_zoo").select("regression_mlp").run()
    at.radio(key="ls_metric").set_value("accuracy").run()
    assert not at.exception and any("regression model has no accuracy" in i.value for i in at.info)
    assert "Centre loss" in " ".join(m.value for m in at.markdown)


def _playground_result(**widgets):
    """Train on the Playground page from its widgets and return what it leaves in the session."""
    pg = AppTest.from_file("../pages/1_Playground.py", default_timeout=180).run()
    for key, value in widgets.items():
        pg.number_input(key=key).set_value(value).run()
    pg.button(key="pg_train").click().run()
    assert not pg.exception, pg.exception
    return pg.session_state["pg_result"]


def test_the_playground_model_is_studied_on_its_own_data():
    import numpy as np
    import torch
    from core import landscape, models, train

    at = AppTest.from_file(PAGE, default_timeout=180).run()
    at.radio(key="ls_source").set_value("The model trained on the Playground").run()
    assert not at.exception and any("No model has been trained on the Playground" in i.value for i in at.info)

    # early stopping keeps the weights of the best epoch: the path handed over must end there
    result = _playground_result(pg_epochs=40, pg_patience=3)
    ds, model = result["dataset"], models.restore(result)
    assert result["stopped_early"] and len(result["trajectory"]) == result["best_epoch"] + 1
    np.testing.assert_allclose(result["trajectory"][-1], landscape.flat(model).numpy(), rtol=0, atol=0)
    ref, _ = train.evaluate(model, torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train), ds.task, "cross_entropy")

    at = AppTest.from_file(PAGE, default_timeout=180)
    at.session_state["pg_result"] = result
    at.run()
    at.radio(key="ls_source").set_value("The model trained on the Playground").run()
    at.selectbox(key="ls_method").select("pca").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    assert f"Centre loss **{ref:.4f}**" in text and "of the trajectory's variance" in text
    # the linked epoch view: at the kept weights the map's number is the real one, on the plane
    shown = next(m for m in at.metric if m.label == "Loss the map shows at this epoch's point")
    assert shown.value == f"{ref:.4f}"
    assert any(f"is {ref:.4f}. They lie 0.0% of their distance" in c.value for c in at.caption)
    at.slider(key="ls_epoch").set_value(0).run()
    real0, _ = train.evaluate(landscape.load_flat(models.restore(result), result["trajectory"][0]),
                              torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train), ds.task, "cross_entropy")
    assert any(f"is {real0:.4f}. They lie" in c.value for c in at.caption)
    assert any("Playground's last model: MLP 2-16-16-2" in c.value for c in at.caption)
    at.radio(key="ls_slice").set_value("interpolation").run()
    assert not at.exception and len(at.get("vega_lite_chart")) >= 4


def test_side_by_side_maps_share_one_colour_scale():
    import json

    at = AppTest.from_file(PAGE, default_timeout=180).run()
    maps = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")
            if "loss on the plane" in json.dumps(json.loads(c.proto.spec).get("title", ""))
            or any("loss on the plane" in json.dumps(layer.get("title", "")) for layer in json.loads(c.proto.spec).get("layer", []))]
    assert len(maps) == 2

    def colour_domain(spec):
        layer = spec["layer"][0] if "layer" in spec else spec
        return layer["encoding"]["color"]["scale"]["domain"]
    a, b = (colour_domain(m) for m in maps)
    assert a == b and len(a) == 10
    # ten log-spaced levels strictly inside [smallest minimum, largest maximum] of the two maps:
    # the top of the range is the larger of the two maxima the page prints
    import re
    first, last = np.log10(a[0]), np.log10(a[-1])
    top = 10 ** (last + (last - first) / 9)
    maxima = [float(v) for v in re.findall(r"max on the plane ([\d.e+-]+)\.", " ".join(m.value for m in at.markdown))]
    assert len(maxima) == 2 and maxima[0] != maxima[1]
    assert top == pytest.approx(max(maxima), rel=5e-3)
    # at 100% of the span the box is the whole plane: the sharpness is (max - centre) / (1 + centre)
    at.select_slider(key="ls_sharp").set_value(1.0).run()
    text = " ".join(m.value for m in at.markdown)
    centres = [float(v) for v in re.findall(r"Centre loss \*\*([\d.]+)\*\*", text)]
    maxima = [float(v) for v in re.findall(r"max on the plane ([\d.e+-]+)\.", text)]
    sharp = [float(v) for v in re.findall(r"Sharpness within ±1: \*\*([\d.]+)%\*\*", text)]
    assert len(sharp) == 2
    for c, mx, sh in zip(centres, maxima, sharp):
        assert sh == pytest.approx((mx - c) / (1 + c) * 100, rel=5e-3)


def test_a_zoo_transformer_has_a_landscape_too():
    import torch
    from core import data, train, zoo

    at = AppTest.from_file(PAGE, default_timeout=180).run()
    at.radio(key="ls_source").set_value("A zoo model").run()
    at.number_input(key="ls_res").set_value(5).run()
    at.selectbox(key="ls_zoo").select("reverse_transformer").run()
    assert not at.exception, at.exception
    assert any("first 256 training" in c.value for c in at.caption)
    e = zoo.entry("reverse_transformer")
    ds = data.load(e["dataset"]["name"], seed=e["dataset"]["seed"], **e["dataset"]["options"])
    ref, _ = train.evaluate(zoo.load_model(e), torch.as_tensor(ds.X_train[:256]), torch.as_tensor(ds.y_train[:256]),
                            "sequence", "cross_entropy")
    assert f"Centre loss **{ref:.4f}**" in " ".join(m.value for m in at.markdown)
