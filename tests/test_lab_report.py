"""core.lab_report: one zip with the CSVs, SVG figures, the link and the best run's ONNX bundle."""

import csv
import io
import zipfile
from xml.etree import ElementTree

import pytest

from core import experiments as ex
from core import lab_report
from core.errors import ConfigError


def test_report_holds_everything():
    runs = ex.plan({"epochs": 2, "n_samples": 80, "width": 4, "depth": 1}, {"lr": (0.01, 0.1)})
    results = ex.run_all(runs, ex.connect(use_ray=False))
    results.append(ex.RunResult({**runs[0], "lr": 10.0}, "diverged", "Training diverged"))
    z = zipfile.ZipFile(
        io.BytesIO(lab_report.build(results, "http://x/Experiments?lr=1", {"chart": {"mark": "point"}}))
    )
    names = set(z.namelist())
    for n in (
        "runs.csv",
        "curves.csv",
        "link.txt",
        "README.txt",
        "figures/learning_curves.svg",
        "figures/accuracy_vs_lr.svg",
        "figures/best_boundary.svg",
        "figures/chart.vl.json",
        "best_run_bundle.zip",
    ):
        assert f"lab_report/{n}" in names
    rows = list(csv.DictReader(io.StringIO(z.read("lab_report/runs.csv").decode())))
    assert [r["status"] for r in rows] == ["ok", "ok", "diverged"] and rows[0]["lr"] == "0.01"
    assert len(list(csv.DictReader(io.StringIO(z.read("lab_report/curves.csv").decode())))) == 4
    for n in names:
        if n.endswith(".svg"):
            ElementTree.fromstring(z.read(n))  # well-formed XML
    inner = zipfile.ZipFile(io.BytesIO(z.read("lab_report/best_run_bundle.zip")))
    assert "best_run/model.onnx" in inner.namelist()
    assert z.read("lab_report/link.txt").decode().strip() == "http://x/Experiments?lr=1"


def test_empty_experiment_is_refused():
    with pytest.raises(ConfigError, match="Run an experiment"):
        lab_report.build([], "")
