import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from core import bundle, data, metrics, models, user_data
from core.errors import DatasetError
from core.train import fit


def test_bundle_script_rebuilds_and_retrains_the_same_network(tmp_path):
    ds = data.load("moons", n_samples=300)
    torch.manual_seed(0)
    m = models.build("mlp", widths=(16, 16), dropout=0.1)
    h = fit(m, ds, epochs=30, lr=0.01)
    raw = bundle.make_bundle(m, ds, h.config, metrics.report(m, ds))
    zipfile.ZipFile(io.BytesIO(raw)).extractall(tmp_path)
    folder = tmp_path / "playground_model"
    assert sorted(p.name for p in folder.iterdir()) == [
        "README.txt",
        "config.json",
        "data.npz",
        "metrics.json",
        "model.onnx",
        "train.py",
    ]
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["model"]["widths"] == [16, 16] and cfg["train"]["optimizer"] == "adam"
    r = subprocess.run(
        [sys.executable, "train.py", "--epochs", "30"], cwd=folder, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    acc = float(r.stdout.strip().splitlines()[-1].split()[-1])
    assert acc > 0.9  # the retrained network does as well as the one trained in the app


def test_csv_round_trip_and_refusals():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    csv = "a,b,label,note\n" + "\n".join(f"{x:.3f},{y:.3f},{'yes' if x * y > 0 else 'no'},t" for x, y in X)
    df = user_data.read_csv(csv.encode())
    assert user_data.numeric_columns(df) == ["a", "b"]
    ds = user_data.to_dataset(df, ["a", "b"], "label", "classification")
    assert ds.class_names == ("no", "yes") and ds.n_features == 2
    with pytest.raises(DatasetError, match="numeric"):
        user_data.to_dataset(df, ["a", "note"], "label", "classification")
    with pytest.raises(DatasetError, match="limit is 5 MB"):
        user_data.read_csv(b"a,b\n" + b"1,2\n" * 2_000_000)
    with pytest.raises(DatasetError, match="empty"):
        user_data.read_csv(b"  ")
    with pytest.raises(DatasetError, match="at least two columns"):
        user_data.read_csv(b"a\n1\n2\n")
    with pytest.raises(DatasetError, match="cannot also be a feature"):
        user_data.to_dataset(df, ["a", "label"], "label", "classification")
