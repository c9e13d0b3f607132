"""Renew tools/advisories.json from a checkout of the PyPA advisory database (OSV records, vulns/<package>/*.yaml).

    git clone --depth 1 https://github.com/pypa/advisory-database /tmp/advisory-database
    python -m tools.update_advisories /tmp/advisory-database

Keeps the advisories of the installed closure of requirements.txt and requirements-bench.txt (install both
first): per advisory its id, package, aliases, a one-line summary, its ECOSYSTEM ranges and the explicit
affected versions that no range already covers. Withdrawn records are left out. The snapshot's commit and
date are the checkout's HEAD (or --commit/--date when the checkout is not a git repository).
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name

from tools.audit import REQUIREMENTS, SNAPSHOT, _version, closure, in_range


def _summary(record: dict) -> str:
    text = record.get("summary") or record.get("details") or ""
    line = " ".join(text.split())
    return line if len(line) <= 140 else line[:139] + "…"


def compact(record: dict, packages: set[str]) -> list[dict]:
    """The snapshot entries (one per affected package of `packages`) of one OSV record."""
    entries = []
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        name = canonicalize_name(package.get("name", ""))
        if package.get("ecosystem") != "PyPI" or name not in packages:
            continue
        ranges = [r["events"] for r in affected.get("ranges", []) if r.get("type") == "ECOSYSTEM"]
        extra = [
            v
            for v in affected.get("versions", [])
            if (parsed := _version(v)) is None or not any(in_range(parsed, events) for events in ranges)
        ]
        entries.append(
            {
                "id": record["id"],
                "package": name,
                "aliases": sorted(record.get("aliases", [])),
                "summary": _summary(record),
                "ranges": ranges,
                "versions": extra,
            }
        )
    return entries


def _git(checkout: Path, fmt: str) -> str:
    return subprocess.run(
        ["git", "-C", str(checkout), "log", "-1", f"--format={fmt}"], check=True, capture_output=True, text=True
    ).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout", type=Path, help="a checkout of the PyPA advisory database")
    ap.add_argument("--source", default="https://github.com/pypa/advisory-database")
    ap.add_argument("--commit", help="default: the checkout's HEAD")
    ap.add_argument("--date", help="YYYY-MM-DD; default: the date of the checkout's HEAD commit")
    ap.add_argument("-o", "--out", type=Path, default=SNAPSHOT)
    args = ap.parse_args()
    packages = set(closure(*REQUIREMENTS))
    advisories = []
    for path in sorted((args.checkout / "vulns").glob("*/*.yaml")):
        record = yaml.safe_load(path.read_text())
        if not record.get("withdrawn"):
            advisories += compact(record, packages)
    head = {
        "source": args.source,
        "commit": args.commit or _git(args.checkout, "%H"),
        "date": args.date or _git(args.checkout, "%cs"),
        "packages": sorted(packages),
    }
    lines = [json.dumps(a, ensure_ascii=False) for a in sorted(advisories, key=lambda a: (a["package"], a["id"]))]
    args.out.write_text(json.dumps(head)[:-1] + ',\n"advisories": [\n' + ",\n".join(lines) + "\n]}\n")
    print(f"{args.out}: {len(advisories)} advisories for {len(packages)} packages, snapshot of {head['date']}")


if __name__ == "__main__":
    main()
