from streamlit.testing.v1 import AppTest

PAGE = "../pages/5_Regularization.py"


def epochs_input(at):
    return next(n for n in at.number_input if n.label.startswith("Epochs"))


def test_regularization_page_trains_variants_and_sweeps():
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception
    assert not at.dataframe  # nothing trains before the button
    # 120 samples: a quarter each for validation and test, the rest to train
    assert any("60 train rows" in m.value and "30 validation rows" in m.value and "30 test rows" in m.value
               for m in at.markdown)
    epochs_input(at).set_value(20).run()
    at.button(key="rg_train").click().run()
    assert not at.exception, at.exception
    assert len(at.dataframe) == 1 and "best test accuracy first" in " ".join(s.value for s in at.subheader)
    table = at.dataframe[0].value
    assert list(table["test accuracy"]) == sorted(table["test accuracy"], reverse=True)
    at.number_input(key="rg_pts").set_value(40).run()
    at.button(key="rg_sweep").click().run()
    assert any("2 to 12" in e.value for e in at.error)
    at.number_input(key="rg_pts").set_value(3).run()
    at.button(key="rg_sweep").click().run()
    assert not at.exception and any("Best test accuracy" in c.value for c in at.caption)


def test_results_of_another_dataset_are_not_shown_as_current():
    """Defect 3: after a dataset change the old sweep and its 'best' stayed on the page without a warning."""
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    epochs_input(at).set_value(10).run()
    at.button(key="rg_train").click().run()
    at.number_input(key="rg_pts").set_value(2).run()
    at.button(key="rg_sweep").click().run()
    assert any("Best" in c.value for c in at.caption) and at.dataframe
    at.selectbox(key="rg_ds").set_value("circles").run()
    assert not at.exception
    assert not at.dataframe and not any("Best" in c.value for c in at.caption)
    assert sum("stale" in w.value.lower() for w in at.warning) == 2  # the variants and the sweep
    at.selectbox(key="rg_ds").set_value("moons").run()  # the same settings again: the results are current again
    epochs_input(at).set_value(10).run()
    assert at.dataframe and any("Best" in c.value for c in at.caption)
    at.number_input(key="rg_seed").set_value(1).run()  # any setting that produced them counts, not just the dataset
    assert not at.dataframe and not any("Best" in c.value for c in at.caption)


def test_epochs_default_per_dataset():
    """Defect 3: the epochs typed for one dataset carried over to the next (300 on digits: a 66 s run)."""
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert epochs_input(at).value == 300
    at.selectbox(key="rg_ds").set_value("digits").run()
    assert epochs_input(at).value == 60
    epochs_input(at).set_value(25).run()
    at.selectbox(key="rg_ds").set_value("spirals").run()
    assert epochs_input(at).value == 300
