"""The loss-surface page's surface cache: hits return the same result, and it stays within its bounds."""

import numpy as np
import torch

from core import data, landscape, models
from core.records import TrainedModel
from ui import landscape as ui_ls


def _record(seed, ds):
    torch.manual_seed(seed)
    return TrainedModel.of(models.build("mlp", widths=(4,)), ds)


def test_cache_hits_and_bounds(monkeypatch):
    ui_ls._surface_store.clear()
    ds = data.load("moons", n_samples=80)
    key = ui_ls.dataset_key(ds)
    r1, r2 = _record(0, ds), _record(1, ds)
    s1 = ui_ls.surface(ui_ls.record_key(r1), r1, key, ds, "filter", 5, 1.0, 0)
    ref = landscape.surface(r1.build(), ds, "filter", 5, 1.0, 0)
    np.testing.assert_allclose(s1.loss, ref.loss, rtol=1e-6)
    assert ui_ls.surface(ui_ls.record_key(r1), r1, key, ds, "filter", 5, 1.0, 0) is s1  # a hit: not recomputed
    assert ui_ls.record_key(r1) != ui_ls.record_key(r2)
    monkeypatch.setattr(ui_ls, "MAX_CACHED_BYTES", ui_ls._nbytes(s1) + 1)  # room for one surface
    s2 = ui_ls.surface(ui_ls.record_key(r2), r2, key, ds, "filter", 5, 1.0, 0)
    assert list(ui_ls._surface_store()["items"].values()) == [s2]
    monkeypatch.setattr(ui_ls, "MAX_CACHED_BYTES", 1)  # the newest always stays
    ui_ls.surface(ui_ls.record_key(r1), r1, key, ds, "filter", 7, 1.0, 0)
    assert len(ui_ls._surface_store()["items"]) == 1
