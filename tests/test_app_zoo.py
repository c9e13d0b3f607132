import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import streamlit.testing.v1.app_test as app_test_module
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from core import zoo
from core.errors import CoreError
from ui import zoo as zoo_ui
from ui.charts import zoo as charts

ROOT = Path(__file__).resolve().parent.parent
PAGE = "../views/2_Model_zoo.py"


NAMES = [e["name"] for e in zoo.load_manifest()["models"] if e["precision"] == "fp32"]


@pytest.fixture
def served(monkeypatch):
    """Runs the page on one model's card and returns {sha256 of every file a download button serves: its label}."""
    stores = []

    class KeptStorage(MemoryMediaFileStorage):  # AppTest drops its media store after the run; keep it
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            stores.append(self)

    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptStorage)

    def run(at=None, model=None):
        at = at or AppTest.from_file(PAGE, default_timeout=300)
        if model:
            at.query_params["model"] = model
        at.run()
        assert not at.exception, at.exception
        out = {}
        for b in at.get("download_button"):
            content = stores[-1].get_file(b.proto.url.rsplit("/", 1)[-1]).content
            out[hashlib.sha256(content).hexdigest()] = b.proto.label
        return at, out

    return run


@pytest.fixture
def zoo_dir(tmp_path, monkeypatch):
    """A copy of the committed zoo that the page reads instead of exported/."""
    d = tmp_path / "exported"
    shutil.copytree(ROOT / "exported", d)
    monkeypatch.setattr(zoo, "EXPORTED", d)
    return d


def test_every_download_button_carries_its_files_bytes(served):
    manifest = json.loads((ROOT / "exported/manifest.json").read_text())
    files = {e["file"] for e in manifest["models"]} | {e["checkpoint"]["file"] for e in manifest["models"]}
    got = {}
    for name in NAMES:
        at, more = served(model=name)
        assert not at.error and at.selectbox(key="zoo_model").value == name
        got.update(more)
    assert len(got) == len(files) + 1
    for f in files | {"manifest.json"}:
        assert hashlib.sha256((ROOT / "exported" / f).read_bytes()).hexdigest() in got, f"no button serves {f}"


def test_bad_files_are_named_with_the_fix_and_never_offered(served, zoo_dir):
    m = json.loads((zoo_dir / "manifest.json").read_text())
    e = {x["name"]: x for x in m["models"]}
    flipped = bytearray((zoo_dir / e["moons_mlp_int8"]["file"]).read_bytes())
    flipped[len(flipped) // 2] ^= 1
    (zoo_dir / e["moons_mlp_int8"]["file"]).write_bytes(bytes(flipped))
    pt = zoo_dir / e["moons_mlp"]["checkpoint"]["file"]
    pt.write_bytes(pt.read_bytes()[:100])
    (zoo_dir / e["digits_mlp"]["file"]).unlink()
    shutil.copy(zoo_dir / e["shift_transformer"]["file"], zoo_dir / e["reverse_transformer"]["file"])  # swapped
    passwd = Path("/etc/passwd").read_bytes()
    e["sort_transformer_int8"].update(
        file="../../../../etc/passwd", sha256=hashlib.sha256(passwd).hexdigest(), bytes=len(passwd)
    )
    del e["regression_mlp"]["int8_skipped"]  # no int8 twin and no reason: not offered
    m["models"].append(1)
    (zoo_dir / "manifest.json").write_text(json.dumps(m))
    errors, got = [], {}
    for family in ("moons_mlp", "digits_mlp", "reverse_transformer", "sort_transformer"):
        at, more = served(model=family)
        errors += [x.value for x in at.error]
        got.update(more)
    errors = " ".join(errors)
    for name, words in (
        (e["moons_mlp_int8"]["file"], "sha256"),
        (e["moons_mlp"]["checkpoint"]["file"], "truncated"),
        (e["digits_mlp"]["file"], "missing"),
        (e["reverse_transformer"]["file"], "sha256"),
    ):
        assert f"{name} " in errors and words in errors, name
    for family in ("moons_mlp", "digits_mlp", "reverse_transformer", "regression_mlp"):
        assert f"python -m core build --only {family}" in errors
    assert "python -m core verify" in errors and "'../../../../etc/passwd', which is outside" in errors
    assert f"Manifest entry 'entry {len(m['models']) - 1}' is malformed" in errors
    assert "regression_mlp has no int8 twin and no recorded reason" in errors
    assert "regression_mlp" not in at.selectbox(key="zoo_model").options
    bad = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (zoo_dir / e["moons_mlp_int8"]["file"], pt, Path("/etc/passwd"))
    }
    assert not bad & set(got)
    labels = " ".join(got.values())
    assert "reverse_transformer.onnx" not in labels and "digits_mlp.onnx" not in labels
    assert "sort_transformer.int8.onnx" not in labels and "moons_mlp.int8.onnx" not in labels
    assert len(got) == 1 + 4 * 3 - 5  # the manifest and every good file of the four cards


def test_a_file_replaced_on_disk_is_checked_again(served, zoo_dir):
    at, got = served(model="iris_mlp")
    assert not at.error
    e = zoo.entry("iris_mlp", zoo_dir)
    f = zoo_dir / e["file"]
    b = bytearray(f.read_bytes())
    b[-20] ^= 1
    f.write_bytes(bytes(b))  # same size, one weight byte flipped: only the new mtime tells the cache
    at, got = served(at)
    assert any(e["file"] in x.value and "sha256" in x.value for x in at.error), [x.value for x in at.error]
    assert hashlib.sha256((zoo_dir / e["file"]).read_bytes()).hexdigest() not in got


def _page(**query):
    at = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def test_zoo_cards_show_parity_and_try_it_runs():
    at = _page(model="reverse_transformer")
    text = " ".join(m.value for m in at.markdown)
    assert "Prediction:" in text and "CPUExecutionProvider" in text and "median latency" in text
    assert text.count("opset 18") == 2
    box = next(t for t in at.text_input if t.key.startswith("try_reverse_transformer_seq"))
    for bad in ("3 x 12", "² ① ３", "9" * 4301, "<b>1</b> 2", "一 二", "🙂 1"):
        box.input(bad).run()
        assert not at.exception, bad
        assert any("digits 0-9" in e.value or "0-9" in e.value for e in at.error), bad


def test_the_bigmodel_card_shows_r2_beside_its_ceiling_and_iris_says_why_no_int8():
    at = _page(model="bigmodel_mlp")
    assert not at.exception and not at.error
    text = " ".join(m.value for m in at.markdown)
    e = zoo.entry("bigmodel_mlp")
    assert f"Validation R² **{e['metrics']['r2']:.4f}** against the best possible **0.9901**" in text
    assert "1,000 input features are too many to edit" in " ".join(c.value for c in at.caption)
    assert "Prediction: **" in text and "(true " in text
    at = _page(model="iris_mlp", lang="zh")
    assert not at.exception and at.title[0].value == "模型库"
    text = " ".join(m.value for m in at.markdown) + " ".join(i.value for i in at.info)
    skip = zoo.entry("iris_mlp")["int8_skipped"]
    assert "**int8：未发布**" in text and f"{skip['int8_bytes']:,} 字节" in text and "零点" in text


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(NAMES))
def test_the_link_round_trips_the_chosen_model(name):
    schema = zoo_ui.schema(NAMES)
    state, notices = schema.parse(schema.to_query({"model": name}))
    assert state == {"model": name} and not notices


@settings(max_examples=8, deadline=None)
@given(st.dictionaries(st.sampled_from(["model", "lang", "x"]), st.text(max_size=30), max_size=3))
def test_any_query_string_opens_the_page_with_at_most_a_notice(query):
    at = _page(**query)
    assert not at.exception
    assert at.selectbox(key="zoo_model").value in NAMES
    if query.get("model") not in (None, *NAMES):
        assert any("could not be used" in w.value for w in at.warning)


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60)
    | st.lists(st.sampled_from(["1", "²", "①", "１", "٣", "10", " ", ",", "9" * 50]), max_size=12).map(" ".join)
)
def test_sequence_box_parses_or_says_what_to_type(text):
    try:
        tokens = zoo_ui.tokens_from_text(text, 10, 8)
    except CoreError as e:
        assert str(e)
        return
    assert tokens.dtype == np.int64 and tokens.shape[0] == 1 and 2 <= tokens.shape[1] <= 8
    assert ((0 <= tokens) & (tokens <= 9)).all()
    assert tokens[0].tolist() == [int(t) for t in text.replace(",", " ").split()]


@given(
    st.lists(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5), st.none()),
        min_size=1,
        max_size=4,
    )
)
def test_feature_row_parses_or_says_what_to_type(values):
    try:
        x = zoo_ui.features_from(np.array(values, dtype=object))
    except CoreError:
        return
    assert x.dtype == np.float32 and np.isfinite(x).all()


def test_probability_chart_highlights_the_predicted_class():
    spec = charts.probabilities(
        ["a", "b", "c"], np.array([0.2, 0.7, 0.1]), "Class probabilities", "probability", "class"
    ).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["class"] for r in rows] == ["a", "b", "c"] and [r["predicted"] for r in rows] == [False, True, False]
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["y"]["scale"]["domain"] == [0, 1]
