"""The layers and their sizes: core/ runs without streamlit or altair (notebooks, the GPU machine);
pages are thin scripts that import neither torch nor onnxruntime; budgets keep every layer small."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_LINES = 225  # a page is a short top-down script of controls, calls and charts (lines as ruff formats them)
UI_MODULE_LINES = 350  # widgets, orchestration and chart builders of one page or idea
CORE_MODULE_LINES = 400  # one idea per module
CORE_TOTAL_LINES = 7000  # the whole computing layer (6,716 formatted): grows on purpose, never by copies


def _lines(p: Path) -> int:
    return len(p.read_text().splitlines())


def _imports(p: Path) -> set[str]:
    tree = ast.parse(p.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_ui_package():
    modules = sorted(p.stem for p in (ROOT / "core").glob("*.py") if p.stem not in ("__init__", "__main__"))
    code = (
        "import sys\n"
        + "".join(f"import core.{m}\n" for m in modules)
        + "bad = [m for m in ('streamlit', 'altair') if m in sys.modules]\nprint(bad)\nassert not bad, bad\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + r.stdout
    assert len(modules) >= 6


def test_pages_import_neither_torch_nor_onnxruntime():
    pages = sorted((ROOT / "views").glob("*.py")) + [ROOT / "app.py"]
    assert len(pages) >= 6
    for p in pages:
        bad = _imports(p) & {"torch", "onnxruntime"}
        assert not bad, f"{p.name} imports {sorted(bad)}: compute through ui/ or core/"


def test_ui_never_reaches_above_itself():
    for p in (ROOT / "ui").rglob("*.py"):
        assert "views" not in _imports(p), f"{p} imports a page"


def test_line_budgets():
    over = [
        f"{p.relative_to(ROOT)}: {_lines(p)} lines (budget {budget})"
        for folder, budget in (("views", PAGE_LINES), ("ui", UI_MODULE_LINES), ("core", CORE_MODULE_LINES))
        for p in sorted((ROOT / folder).rglob("*.py"))
        if _lines(p) > budget
    ]
    assert not over, "over budget, split or simplify: " + "; ".join(over)
    total = sum(_lines(p) for p in (ROOT / "core").rglob("*.py"))
    assert total <= CORE_TOTAL_LINES, f"core/ holds {total} lines, past its budget of {CORE_TOTAL_LINES}"
