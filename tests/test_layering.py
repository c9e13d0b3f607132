"""core/ must run where streamlit and altair are absent (notebooks, the GPU machine)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_imports_no_ui_package():
    modules = sorted(p.stem for p in (ROOT / "core").glob("*.py") if p.stem not in ("__init__", "__main__"))
    code = ("import sys\n" + "".join(f"import core.{m}\n" for m in modules) +
            "bad = [m for m in ('streamlit', 'altair') if m in sys.modules]\nprint(bad)\nassert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + r.stdout
    assert len(modules) >= 6


def test_core_modules_stay_small():
    for p in (ROOT / "core").glob("*.py"):
        assert len(p.read_text().splitlines()) < 400, f"{p.name} grew past 400 lines: split it"
