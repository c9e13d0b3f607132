"""Print .po entries for every user-visible string that has no Chinese yet (and list unused ones).

    python tools/i18n_missing.py                 # all areas
    python tools/i18n_missing.py views/1_Playground.py ui/playground.py   # only these files

Paste the entries into the area's locale/zh/LC_MESSAGES/<area>.po and write the Chinese in msgstr.
Extraction is Babel's own (babel.messages.extract), with the keywords _ and N_.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_file

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None}


def sources(only=()) -> list[Path]:
    files = [ROOT / "app.py", *sorted((ROOT / "views").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]
    return [f for f in files if not only or str(f.relative_to(ROOT)) in only]


def extracted(files) -> dict[str, str]:
    """msgid -> 'file:line' of its first use."""
    out: dict[str, str] = {}
    for f in files:
        for lineno, message, _comments, _context in extract_from_file("python", f, keywords=KEYWORDS):
            if isinstance(message, str) and message:
                out.setdefault(message, f"{f.relative_to(ROOT)}:{lineno}")
    return out


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(argv) -> None:
    from ui.i18n import catalog

    catalog.cache_clear()
    have = catalog("zh")
    found = extracted(sources(set(argv)))
    for msgid, where in found.items():
        if msgid not in have:
            print(f'#: {where}\nmsgid {_quote(msgid)}\nmsgstr ""\n')
    if not argv:
        for msgid in sorted(set(have) - set(extracted(sources()))):
            print(f"# unused: {msgid!r}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
