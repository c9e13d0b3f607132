"""The loss-surface page's surface cache: hits return the same result, and it stays within its bounds."""

import numpy as np
import pytest
import torch

from core import data, landscape, models
from core.records import TrainedModel
from ui import landscape as ui_ls
from ui import landscape_surface as ui_surf


def _record(seed, ds):
    torch.manual_seed(seed)
    return TrainedModel.of(models.build("mlp", widths=(4,)), ds)


def test_cache_hits_and_bounds(monkeypatch):
    ui_surf._surface_store.clear()
    ds = data.load("moons", n_samples=80)
    key = ui_ls.dataset_key(ds)
    r1, r2 = _record(0, ds), _record(1, ds)
    s1 = ui_surf.surface(ui_ls.record_key(r1), r1, key, ds, "filter", 5, 1.0, 0)
    ref = landscape.surface(r1.build(), ds, "filter", 5, 1.0, 0)
    np.testing.assert_allclose(s1.loss, ref.loss, rtol=1e-6)
    assert ui_surf.surface(ui_ls.record_key(r1), r1, key, ds, "filter", 5, 1.0, 0) is s1  # a hit: not recomputed
    assert ui_ls.record_key(r1) != ui_ls.record_key(r2)
    monkeypatch.setattr(ui_surf, "MAX_CACHED_BYTES", ui_surf._nbytes(s1) + 1)  # room for one surface
    s2 = ui_surf.surface(ui_ls.record_key(r2), r2, key, ds, "filter", 5, 1.0, 0)
    assert list(ui_surf._surface_store()["items"].values()) == [s2]
    monkeypatch.setattr(ui_surf, "MAX_CACHED_BYTES", 1)  # the newest always stays
    ui_surf.surface(ui_ls.record_key(r1), r1, key, ds, "filter", 7, 1.0, 0)
    assert len(ui_surf._surface_store()["items"]) == 1


def test_cost_is_grid_points_times_samples_times_parameters_and_the_budget_holds():
    """Issue 12 item 9: the 101 x 101 surface of the sort Transformer took 301 s here; it is refused,
    and the largest resolution named fits the budget while one more point per side does not."""
    rec = ui_ls.zoo_record("sort_transformer")
    c = ui_surf.cost(rec, 101)
    assert (c["points"], c["samples"], c["params"]) == (10_201, 512, 68_362)
    assert c["seconds"] == pytest.approx(301) and c["units"] > ui_surf.SURFACE_BUDGET
    fit = ui_surf.largest_resolution([c])
    assert ui_surf.cost(rec, fit)["units"] <= ui_surf.SURFACE_BUDGET < ui_surf.cost(rec, fit + 1)["units"]
    # models A and B on the default settings fit at the full resolution
    ds = data.load("moons")
    pair = [TrainedModel.of(models.build("mlp", widths=(32, 32)), ds) for _ in "AB"]
    assert sum(ui_surf.cost(r, landscape.MAX_RESOLUTION)["units"] for r in pair) <= ui_surf.SURFACE_BUDGET
    assert ui_surf._sci(3.57e11) == "3.6 × 10¹¹"
