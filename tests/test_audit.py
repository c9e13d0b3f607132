"""The offline dependency audit: OSV range evaluation, the vendored PyPA snapshot, and today's closure."""

import datetime as dt
import json

import pytest
from packaging.version import Version

from tools import audit, update_advisories

FIXED = [{"introduced": "1.0"}, {"fixed": "1.4.2"}]
LAST = [{"introduced": "0"}, {"last_affected": "2.1"}]
TWO = [{"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"fixed": "2.0.3"}]


@pytest.mark.parametrize(
    ("events", "version", "expected"),
    [
        (FIXED, "0.9", False),  # before introduced
        (FIXED, "1.0", True),  # introduced is inclusive
        (FIXED, "1.4.1", True),
        (FIXED, "1.4.2rc1", True),  # a pre-release of the fix is not the fix
        (FIXED, "1.4.2", False),  # the fixed release
        (FIXED, "1.10", False),  # later, ordered as versions, not strings
        (LAST, "0.1", True),
        (LAST, "2.1", True),  # last_affected is inclusive
        (LAST, "2.1.post1", False),
        (LAST, "2.2", False),
        (TWO, "1.1", True),
        (TWO, "1.5", False),  # between the two ranges
        (TWO, "2.0.2", True),
        (TWO, "2.0.3", False),
        (list(reversed(TWO)), "2.0.2", True),  # events are walked in version order
        ([{"introduced": "0"}, {"fixed": "1.0"}, {"limit": "0.5"}], "0.7", False),
    ],
)
def test_osv_ecosystem_ranges(events, version, expected):
    assert audit.in_range(Version(version), events) is expected


def test_explicit_versions_and_local_labels():
    advisory = {"ranges": [], "versions": ["3.0", "3.2"]}
    assert audit.affects(advisory, "3.0") and audit.affects(advisory, "3.2")
    assert not audit.affects(advisory, "3.1") and not audit.affects(advisory, "3.2.1")
    assert audit.affects({"ranges": [FIXED]}, "1.2+cpu")  # a local build is its public release
    assert not audit.affects({"ranges": [FIXED]}, "not a version")


def test_fixed_in_names_the_next_fix_or_the_last_affected():
    assert audit.fixed_in({"ranges": [TWO]}, "2.0.1") == "2.0.3"
    assert audit.fixed_in({"ranges": [TWO]}, "1.1") == "1.2"
    assert audit.fixed_in({"ranges": [LAST]}, "1.0") == "none yet (affected up to 2.1)"


def test_snapshot_flags_known_vulnerable_transformers():
    snapshot = audit.load_snapshot()
    hits = {a["id"]: audit.fixed_in(a, "4.47.0") for _, _, a in audit.findings({"transformers": "4.47.0"}, snapshot)}
    # CVE-2024-11392/11393/11394: deserialization in MobileViTV2, Trax and MaskFormer configs, fixed in 4.48.0
    assert {"PYSEC-2024-227", "PYSEC-2024-228", "PYSEC-2024-229"} <= set(hits)
    assert hits["PYSEC-2024-227"] == "4.48.0"
    assert "PYSEC-2024-227" not in {a["id"] for _, _, a in audit.findings({"transformers": "4.48.0"}, snapshot)}
    assert audit.findings({"pip": "23.2.1"}, snapshot)  # CVE-2023-5752 (23.3) and later
    assert not audit.findings({"pip": "26.1.2"}, snapshot)


def test_snapshot_is_small_and_names_its_source():
    assert audit.SNAPSHOT.stat().st_size < 1_000_000
    snapshot = audit.load_snapshot()
    assert len(snapshot["commit"]) == 40 and dt.date.fromisoformat(snapshot["date"])
    assert all(a["package"] in snapshot["packages"] for a in snapshot["advisories"])


def test_installed_closure_and_floors_have_no_findings():
    snapshot = audit.load_snapshot()
    pins = audit.closure(*audit.REQUIREMENTS)
    assert {"torch", "transformers", "streamlit", "pip"} <= set(pins) & set(snapshot["packages"])
    assert [(n, v, a["id"]) for n, v, a in audit.findings(pins, snapshot)] == []
    lows = audit.floors(*audit.REQUIREMENTS)
    assert lows["torch"] == "2.13.0" and lows["transformers"]
    assert [(n, v, a["id"]) for n, v, a in audit.findings(lows, snapshot)] == []


def test_snapshot_audit_reports_and_fails(tmp_path, capsys):
    snap = tmp_path / "advisories.json"
    advisory = {"id": "PYSEC-0-1", "package": "demo", "aliases": ["CVE-0-1"], "summary": "bad", "ranges": [FIXED]}
    snap.write_text(
        json.dumps({"commit": "0" * 40, "date": "2026-01-01", "packages": ["demo"], "advisories": [advisory]})
    )
    assert audit.snapshot_audit({"demo": "1.4.2"}, {"demo": "1.4.2"}, snap, dt.date(2026, 2, 1)) == 0
    out = capsys.readouterr().out
    assert "audited 1 packages against the PyPA advisory database snapshot of 2026-01-01" in out
    assert "WARNING" not in out
    assert audit.snapshot_audit({"demo": "1.3", "other": "1"}, {"demo": "1.0"}, snap, dt.date(2026, 6, 1)) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE demo 1.3: PYSEC-0-1 (CVE-0-1) fixed in 1.4.2: bad" in out
    assert "FLOOR demo>=1.0 ADMITS A VULNERABLE RELEASE: PYSEC-0-1; raise it to 1.4.2" in out
    assert "151 DAYS OLD" in out and "not in the snapshot (renew it to cover them): other" in out


def test_floors_read_requirement_lines(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# c\n--extra-index-url x\nTorch==2.13.0  # pin\nfoo_bar>=1.2,<2\nbaz\nqux~=3.1\n")
    assert audit.floors(req) == {"torch": "2.13.0", "foo-bar": "1.2", "qux": "3.1"}


def test_update_keeps_what_the_ranges_do_not_already_cover():
    record = {
        "id": "PYSEC-0-2",
        "aliases": ["CVE-0-2"],
        "details": "A  long\n description " * 20,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
                "ranges": [{"type": "GIT", "events": [{"introduced": "abc"}]}, {"type": "ECOSYSTEM", "events": FIXED}],
                "versions": ["1.0", "1.4.1", "0.5"],
            },
            {"package": {"ecosystem": "PyPI", "name": "unrelated"}, "versions": ["1.0"]},
            {"package": {"ecosystem": "npm", "name": "demo-pkg"}, "versions": ["1.0"]},
        ],
    }
    (entry,) = update_advisories.compact(record, {"demo-pkg"})
    assert entry["package"] == "demo-pkg" and entry["ranges"] == [FIXED] and entry["versions"] == ["0.5"]
    assert len(entry["summary"]) <= 140 and "  " not in entry["summary"]
    assert audit.affects(entry, "0.5") and audit.affects(entry, "1.0") and not audit.affects(entry, "0.6")
