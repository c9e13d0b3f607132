import hashlib
import json
from pathlib import Path

import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_every_download_button_carries_its_files_bytes(monkeypatch):
    stores = []

    class KeptStorage(MemoryMediaFileStorage):  # AppTest drops its media store after the run; keep it
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            stores.append(self)
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", KeptStorage)
    at = AppTest.from_file("../pages/2_Model_zoo.py", default_timeout=120).run()
    assert not at.exception
    manifest = json.loads((ROOT / "exported/manifest.json").read_text())
    files = {e["file"] for e in manifest["models"]} | {e["checkpoint"]["file"] for e in manifest["models"]} | {"manifest.json"}
    buttons = at.get("download_button")
    assert len(buttons) == len(files)
    served = {}
    for b in buttons:
        name = b.proto.url.rsplit("/", 1)[-1]
        content = stores[-1].get_file(name).content
        served[hashlib.sha256(content).hexdigest()] = b.proto.label
    for f in files:
        digest = hashlib.sha256((ROOT / "exported" / f).read_bytes()).hexdigest()
        assert digest in served, f"no download button serves {f}"


def test_zoo_cards_show_parity_and_try_it_runs():
    at = AppTest.from_file("../pages/2_Model_zoo.py", default_timeout=120).run()
    text = " ".join(m.value for m in at.markdown)
    assert "Prediction:" in text and "CPUExecutionProvider" in text and "median latency" in text
    assert text.count("opset 18") >= 14
    # a bad edit in the sequence try-it box gives a clear message, not a traceback
    box = next(t for t in at.text_input if t.key.startswith("try_reverse_transformer_seq"))
    box.input("3 x 12").run()
    assert not at.exception
    assert any("digits 0-9" in e.value for e in at.error)
