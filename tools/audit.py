"""Audit the installed versions of requirements.txt and everything they pull in, with pip-audit.

pip-audit looks each release up in an advisory source (PyPI's per-release JSON by default, or OSV).
Where that source cannot be reached, pip-audit marks every package "not found" and still exits 0;
this script says so loudly instead ("DEPENDENCY AUDIT NOT DONE") and, with --strict, fails.
Exit status: 1 when a known vulnerability is found; 2 with --strict when nothing could be audited.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBES = {"pypi": "https://pypi.org/pypi/pip/24.0/json", "osv": "https://api.osv.dev/v1/query"}


def _name(spec: str) -> str:
    return re.split(r"[\s<>=!~;\[@(]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def closure(requirements: Path) -> dict[str, str]:
    """{name: installed version} of the listed packages and, recursively, their installed dependencies."""
    todo = [
        _name(line)
        for line in requirements.read_text().splitlines()
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


def probe(url: str) -> str:
    data = b'{"package": {"name": "pip", "ecosystem": "PyPI"}, "version": "24.0"}' if "osv" in url else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=10) as r:
            return f"HTTP {r.status}"
    except urllib.error.HTTPError as e:
        return f"HTTP {e.code}"
    except OSError as e:
        return f"unreachable ({type(e).__name__}: {getattr(e, 'reason', e)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-r", "--requirements", type=Path, default=ROOT / "requirements.txt")
    ap.add_argument("--service", default="pypi", choices=("pypi", "osv"))
    ap.add_argument("--strict", action="store_true", help="fail when nothing could be audited")
    args = ap.parse_args()
    pins = closure(args.requirements)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
        f.write("".join(f"{n}=={v}\n" for n, v in sorted(pins.items())))
        f.flush()
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "-r",
                f.name,
                "--no-deps",
                "--disable-pip",
                "--vulnerability-service",
                args.service,
                "-f",
                "json",
                "--progress-spinner",
                "off",
            ],
            check=False,
            capture_output=True,
            text=True,
        )  # pip-audit exits 1 on findings
    try:
        report = json.loads(run.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        print(f"DEPENDENCY AUDIT NOT DONE: pip-audit failed (exit {run.returncode}): {run.stderr.strip()[-500:]}")
        return 2 if args.strict else 0
    audited = [d for d in report if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for d in vulnerable:
        for v in d["vulns"]:
            print(f"VULNERABLE {d['name']} {d['version']}: {v['id']} fixed in {', '.join(v['fix_versions']) or '?'}")
    print(
        f"dependency audit ({args.service}): {len(audited)} of {len(report)} packages audited, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    if not audited:
        print(
            f"DEPENDENCY AUDIT NOT DONE: the advisory source answered no package "
            f"(per-release lookup {PROBES[args.service]}: {probe(PROBES[args.service])}); "
            f"floors in {args.requirements.name} are set by hand from the advisories named there"
        )
        return 2 if args.strict else 0
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
