"""The memory and load scripts: their parts work in a few seconds (the full runs are in the README)."""

import os
import subprocess
import sys

from tools import load_test, measure_memory
from tools.server import ROOT


def test_resident_memory_is_read_from_proc():
    assert 1 < measure_memory.rss_mb(os.getpid()) <= measure_memory.rss_mb(os.getpid(), "VmHWM")


def test_pages_and_steps_name_buttons_by_label():
    assert "" in measure_memory.PAGES and all(isinstance(b, tuple) for b in measure_memory.PAGES.values())
    assert {p for p, _ in load_test.STEPS} <= set(measure_memory.PAGES)


def test_scripts_start_and_explain_themselves():
    for mod in ("tools.measure_memory", "tools.load_test", "tools.audit", "tools.update_advisories"):
        out = subprocess.run(
            [sys.executable, "-m", mod, "--help"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        assert "usage" in out.stdout
