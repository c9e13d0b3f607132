"""Audit the installed versions of requirements.txt (and requirements-bench.txt) and everything they pull in.

First pip-audit against its live advisory source (PyPI's per-release JSON, or OSV). Where that source answers
nothing (from this project's machines PyPI's per-release JSON answers 404 and OSV does not resolve), the
installed versions (and the requirement floors) are checked offline against tools/advisories.json, a snapshot of the PyPA advisory
database (OSV records) for the packages of the closure; `python -m tools.update_advisories CHECKOUT` renews it.
Exit status: 1 when a known vulnerability is found; 2 with --strict when nothing could be audited.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = Path(__file__).resolve().parent / "advisories.json"
REQUIREMENTS = (ROOT / "requirements.txt", ROOT / "requirements-bench.txt")
PROBES = {"pypi": "https://pypi.org/pypi/pip/24.0/json", "osv": "https://api.osv.dev/v1/query"}
STALE_DAYS = 90


def _name(spec: str) -> str:
    return canonicalize_name(re.split(r"[\s<>=!~;\[@(]", spec.strip(), maxsplit=1)[0])


def closure(*requirements: Path) -> dict[str, str]:
    """{name: installed version} of the listed packages and, recursively, their installed dependencies."""
    todo = [
        _name(line)
        for path in requirements
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    ]
    found: dict[str, str] = {}
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        found[name] = dist.version
        todo += [_name(r) for r in dist.requires or [] if "extra ==" not in r]
    return found


def _version(text: str) -> Version | None:
    try:
        return Version(Version(text).public)  # 2.13.0+cpu is release 2.13.0
    except InvalidVersion:
        return None


def _order(text: str) -> Version:
    return _version(text) or Version("0")


def in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """Whether `version` lies in an OSV ECOSYSTEM range: the spec's walk over its events in version order."""
    keyed = []
    for event in events:
        ((kind, text),) = event.items()
        at = Version("0") if text == "0" else _version(text)
        if at is None:
            return False  # a range we cannot order is not evidence of anything
        keyed.append((at, kind))
    affected = False
    for at, kind in sorted(keyed, key=lambda e: e[0]):
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at:
            affected = False
        elif kind == "last_affected" and version > at:
            affected = False
        elif kind == "limit" and version >= at:
            return False
    return affected


def affects(advisory: dict, installed: str) -> bool:
    """Whether the advisory (one package's ranges and explicit versions) covers the installed version."""
    version = _version(installed)
    if version is None:
        return False
    explicit = {_version(v) for v in advisory.get("versions", [])}
    return version in explicit or any(in_range(version, events) for events in advisory.get("ranges", []))


def fixed_in(advisory: dict, installed: str) -> str:
    """The fixed releases named by the advisory's ranges, the lowest above the installed version first."""
    fixes = {e["fixed"] for events in advisory.get("ranges", []) for e in events if "fixed" in e}
    version = _version(installed) or Version("0")
    above = sorted((f for f in fixes if _order(f) > version), key=_order)
    if above:
        return above[0]
    last = [e["last_affected"] for events in advisory.get("ranges", []) for e in events if "last_affected" in e]
    return f"none yet (affected up to {max(last, key=_order)})" if last else "?"


def findings(pins: dict[str, str], snapshot: dict) -> list[tuple[str, str, dict]]:
    """(package, installed version, advisory) for each snapshot advisory that covers an installed version."""
    return [
        (a["package"], pins[a["package"]], a)
        for a in snapshot["advisories"]
        if a["package"] in pins and affects(a, pins[a["package"]])
    ]


def floors(*requirements: Path) -> dict[str, str]:
    """{name: lowest version a requirement line admits} for the lines with a floor (>=, ==, ~=)."""
    found = {}
    for path in requirements:
        for line in path.read_text().splitlines():
            try:
                req = Requirement(line.split("#", 1)[0].strip())
            except InvalidRequirement:
                continue  # comments, blank lines, pip options
            lows = [s.version for s in req.specifier if s.operator in (">=", "==", "~=", "===")]
            if lows:
                found[canonicalize_name(req.name)] = max(lows, key=_order)
    return found


def load_snapshot(path: Path = SNAPSHOT) -> dict:
    return json.loads(path.read_text())


def probe(url: str) -> str:
    data = b'{"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "24.0"}' if "osv" in url else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except OSError as e:
        return f"unreachable ({type(e).__name__}: {getattr(e, 'reason', e)})"


def live_audit(pins: dict[str, str], service: str) -> int | None:
    """pip-audit against the live service: the exit status, or None when the service answered no package."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
        f.flush()
        run = subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", f.name, "--no-deps", "--disable-pip"]
            + ["--vulnerability-service", service, "-f", "json", "--progress-spinner", "off"],
            check=False,
            capture_output=True,
            text=True,
        )  # pip-audit exits 1 on findings
    try:
        report = json.loads(run.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        print(f"live audit ({service}) failed: pip-audit exit {run.returncode}: {run.stderr.strip()[-500:]}")
        return None
    audited = [d for d in report if "skip_reason" not in d]
    if not audited:
        print(
            f"live audit ({service}): the advisory source answered no package ({PROBES[service]}: {probe(PROBES[service])})"
        )
        return None
    vulnerable = [d for d in audited if d.get("vulns")]
    for d in vulnerable:
        for v in d["vulns"]:
            print(f"VULNERABLE {d['name']} {d['version']}: {v['id']} fixed in {', '.join(v['fix_versions']) or '?'}")
    print(
        f"dependency audit (pip-audit, live {service}): {len(audited)} of {len(report)} packages audited, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    return 1 if vulnerable else 0


def snapshot_audit(
    pins: dict[str, str], lows: dict[str, str], path: Path = SNAPSHOT, today: dt.date | None = None
) -> int:
    """Installed versions and requirement floors against the snapshot: 1 on any finding, else 0."""
    snapshot = load_snapshot(path)
    date = dt.date.fromisoformat(snapshot["date"])
    age = ((today or dt.date.today()) - date).days
    if age > STALE_DAYS:
        print(
            f"WARNING: THE ADVISORY SNAPSHOT IS {age} DAYS OLD ({date}): advisories published since are not "
            f"checked; renew it with `python -m tools.update_advisories CHECKOUT` (see its docstring)"
        )
    uncovered = sorted(set(pins) - set(snapshot["packages"]))
    if uncovered:
        print(f"WARNING: not in the snapshot (renew it to cover them): {', '.join(uncovered)}")
    found = findings(pins, snapshot)
    for name, version, a in found:
        aliases = f" ({', '.join(a['aliases'])})" if a.get("aliases") else ""
        print(f"VULNERABLE {name} {version}: {a['id']}{aliases} fixed in {fixed_in(a, version)}: {a['summary']}")
    low = findings(lows, snapshot)
    for name, version, a in low:
        print(f"FLOOR {name}>={version} ADMITS A VULNERABLE RELEASE: {a['id']}; raise it to {fixed_in(a, version)}")
    audited = len(set(pins) & set(snapshot["packages"]))
    print(
        f"dependency audit: audited {audited} packages against the PyPA advisory database snapshot of {date} "
        f"(commit {snapshot['commit'][:12]}, {len(snapshot['advisories'])} advisories for these packages; "
        f"a snapshot, not the live database): {len({f[0] for f in found})} with known vulnerabilities, "
        f"{len({f[0] for f in low})} of {len(lows)} requirement floors below an advisory's fix"
    )
    return 1 if found or low else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-r", "--requirements", type=Path, action="append", help="default: requirements(-bench).txt")
    ap.add_argument("--service", default="pypi", choices=("pypi", "osv"))
    ap.add_argument("--offline", action="store_true", help="skip pip-audit's live source; use the snapshot only")
    ap.add_argument("--strict", action="store_true", help="fail when nothing could be audited")
    args = ap.parse_args()
    requirements = args.requirements or REQUIREMENTS
    pins = closure(*requirements)
    status = None if args.offline else live_audit(pins, args.service)
    if status is not None:
        return status
    if not SNAPSHOT.exists():
        print(f"DEPENDENCY AUDIT NOT DONE: no live advisory source and no snapshot at {SNAPSHOT}")
        return 2 if args.strict else 0
    return snapshot_audit(pins, floors(*requirements))


if __name__ == "__main__":
    sys.exit(main())
