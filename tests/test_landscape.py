import numpy as np
import pytest
import torch

from core import data, losses, models, train
from core import grid_eval as G
from core import landscape as L
from core import toy_surfaces as toys
from core.errors import ConfigError


@pytest.fixture(scope="module")
def trained():
    ds = data.load("moons", n_samples=300)
    torch.manual_seed(0)
    m = models.build("mlp", widths=(16, 16), batch_norm=True)
    h = train.fit(m, ds, epochs=15, lr=0.01)
    return m, ds, h


def test_centre_equals_the_models_training_loss(trained):
    m, ds, h = trained
    s = L.surface(m, ds, "filter", resolution=5, span=0.5)
    ref, acc = train.evaluate(m, torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train), ds.task, "cross_entropy")
    assert s.loss[2, 2] == pytest.approx(ref, rel=1e-5) and s.center_loss == pytest.approx(ref, rel=1e-5)
    _, vacc = train.evaluate(m, torch.as_tensor(ds.X_val), torch.as_tensor(ds.y_val), ds.task, "cross_entropy")
    assert s.accuracy[2, 2] == pytest.approx(vacc)
    assert s.loss.shape == (5, 5) and len(s.alphas) == 5


def test_filter_normalized_direction_has_the_weights_filter_norms(trained):
    m, _, _ = trained
    weights = [p.detach() for p in m.parameters()]
    d = [torch.randn(w.shape) for w in weights]
    out = L.filter_normalize(d, weights, "filter")
    for o, w in zip(out, weights):
        if w.dim() > 1:
            np.testing.assert_allclose(o.norm(dim=1).numpy(), w.norm(dim=1).numpy(), rtol=1e-5)
        else:
            assert not o.any()  # biases and batch-norm parameters left out
    layer = L.filter_normalize(d, weights, "layer")
    for o, w in zip(layer, weights):
        if w.dim() > 1:
            assert o.norm().item() == pytest.approx(w.norm().item(), rel=1e-5)


def test_batched_equals_loop_for_every_method(trained):
    m, ds, _ = trained
    X, y = torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train)
    c = L.flat(m)
    d1, d2 = L.random_directions(m, "none", 1)
    a, b = torch.linspace(-1, 1, 7), torch.linspace(1, -0.5, 7)
    fast, fast_acc = L.evaluate_plane(m, c, d1, d2, a, b, X, y, "classification", chunk=3)
    thetas = c[None] + a[:, None] * d1[None] + b[:, None] * d2[None]
    loop, loop_acc = L.evaluate_loop(m, thetas, X, y, "classification")
    vm, _ = L.evaluate_grid(m, thetas, X, y, "classification", chunk=2)
    np.testing.assert_allclose(fast.numpy(), loop.numpy(), rtol=1e-5)
    np.testing.assert_allclose(vm.numpy(), loop.numpy(), rtol=1e-5)
    np.testing.assert_array_equal(fast_acc.numpy(), loop_acc.numpy())


@pytest.mark.parametrize(
    "kind", ["tanh-dropout", "tanh-3-regression", "tanh-batchnorm", "gelu", "sigmoid-3-layers", "regression", "digits"]
)
def test_fast_path_equals_loop_across_mlps(kind):
    """Feature-major batched path vs one forward pass per point, for other activations, dropout,
    batch norm, regression and ten classes, with blocks and chunks that do not divide the grid.
    A tanh MLP without batch norm runs as sigmoids with folded weights; with it, through NumPy's
    tanh; GELU has no in-place form."""
    torch.manual_seed(1)
    if kind == "tanh-3-regression":
        ds = data.load("linear", n_samples=200)
        m = models.build("mlp", in_features=1, widths=(8, 5, 7), out_features=1, activation="tanh")
    elif kind == "tanh-batchnorm":
        ds = data.load("moons", n_samples=200)
        m = models.build("mlp", widths=(10, 10), activation="tanh", batch_norm=True)
        m.train()
        with torch.no_grad():  # running statistics that are not the identity
            m(torch.as_tensor(ds.X_train) * 3 + 1)
    elif kind == "gelu":
        ds, m = data.load("moons", n_samples=200), models.build("mlp", widths=(9,), activation="gelu")
    elif kind == "regression":
        ds, m = data.load("linear", n_samples=200), models.build("mlp", in_features=1, widths=(8,), out_features=1)
    elif kind == "digits":
        ds, m = data.load("digits"), models.build("mlp", in_features=64, widths=(32,), out_features=10)
    elif kind == "tanh-dropout":
        ds, m = (
            data.load("circles", n_samples=200),
            models.build("mlp", widths=(12, 12), activation="tanh", dropout=0.3),
        )
    else:
        ds, m = data.load("xor", n_samples=200), models.build("mlp", widths=(6, 6, 6), activation="sigmoid")
    X, y = torch.as_tensor(ds.X_train[:150]), torch.as_tensor(ds.y_train[:150])
    c, (d1, d2) = L.flat(m), L.random_directions(m, "filter", 2)
    a, b = torch.linspace(-2, 2, 9), torch.linspace(1, -1, 9)
    thetas = c[None] + a[:, None] * d1[None] + b[:, None] * d2[None]
    loop, loop_acc = L.evaluate_loop(m, thetas, X, y, ds.task)
    folded = G._tanh_as_sigmoid(m, G._mlp_parts(m, c, d1, d2))
    assert (folded is not None) == (kind.startswith("tanh") and kind != "tanh-batchnorm")
    for chunk, budget in [(2, 1.0), (4, 2e6), (9, 2e6)]:  # budget 1.0: a block per chunk, the last one short
        fast, fast_acc = G._score(G._mlp_outputs(m, c, d1, d2, a, b, X, chunk, budget), y, ds.task)
        np.testing.assert_allclose(fast.numpy(), loop.numpy(), rtol=1e-5)
        np.testing.assert_array_equal(fast_acc.numpy(), loop_acc.numpy())


def test_split_scores_loss_and_accuracy_on_their_own_samples(trained):
    m, ds, _ = trained
    Xt, yt, Xv, yv = (torch.as_tensor(v) for v in (ds.X_train, ds.y_train, ds.X_val, ds.y_val))
    c, (d1, d2) = L.flat(m), L.random_directions(m, "filter", 0)
    a, b = torch.linspace(-1, 1, 5), torch.linspace(0.5, -0.5, 5)
    loss, _ = L.evaluate_plane(m, c, d1, d2, a, b, Xt, yt, "classification")
    _, acc = L.evaluate_plane(m, c, d1, d2, a, b, Xv, yv, "classification")
    both = L.evaluate_plane(
        m, c, d1, d2, a, b, torch.cat([Xt, Xv]), torch.cat([yt, yv]), "classification", split=len(Xt)
    )
    np.testing.assert_allclose(both[0].numpy(), loss.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(both[1].numpy(), acc.numpy())


def test_accuracy_follows_argmax_ties_and_is_missing_where_outputs_are_not_finite():
    out = torch.tensor(
        [
            [[1.0, 1.0, 0.0], [0.0, 2.0, 2.0], [3.0, 1.0, 3.0]],
            [[0.0, float("nan"), 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
        ]
    )
    y = torch.tensor([0, 1, 0])
    np.testing.assert_array_equal(losses.accuracy(out, y).numpy(), [1.0, np.nan])
    ref = (out[0].argmax(-1) == y).float().mean()
    assert losses.accuracy(out[:1], y)[0] == ref
    fm = out.transpose(1, 2).contiguous().transpose(1, 2)  # the same values, feature-major in memory
    np.testing.assert_array_equal(losses.accuracy(fm, y).numpy(), [1.0, np.nan])


def test_transformer_goes_through_vmap():
    ds = data.load("reverse", n_samples=60)
    torch.manual_seed(0)
    m = models.build("transformer", d_model=16, n_heads=2, d_ff=32)
    seen = []
    s = L.surface(
        m, ds, "layer", resolution=3, span=0.2, max_val_points=5, on_progress=lambda d, t: seen.append((d, t))
    )
    ref, _ = train.evaluate(m, torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train), "sequence", "cross_entropy")
    assert s.loss[1, 1] == pytest.approx(ref, rel=1e-4)
    _, acc = train.evaluate(
        m, torch.as_tensor(ds.X_val[:5]), torch.as_tensor(ds.y_val[:5]), "sequence", "cross_entropy"
    )
    assert s.accuracy[1, 1] == pytest.approx(acc)  # per token, over the first 5 validation sequences
    assert seen[-1] == (9, 9) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_progress_is_reported_per_block_up_to_the_whole_grid(trained):
    m, ds, _ = trained
    seen = []
    L.surface(m, ds, "filter", resolution=7, on_progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1] == (49, 49) and all(t == 49 for _, t in seen)


def test_pca_trajectory_ends_at_origin_and_is_faithful(trained):
    m, ds, h = trained
    s = L.surface(m, ds, "pca", resolution=5, span=1.0, trajectory=h.trajectory)
    np.testing.assert_allclose(s.trajectory[-1], 0, atol=1e-6)
    assert s.trajectory.shape == (h.epochs + 1, 2)
    assert 0 < s.explained_variance.sum() <= 1 + 1e-9 and s.explained_variance[0] >= s.explained_variance[1]
    assert 0 <= s.reconstruction_error < 1
    d1, d2 = s.directions
    assert abs(d1 @ d2) < 1e-5 and np.linalg.norm(d1) == pytest.approx(1, rel=1e-5)


def test_path_fidelity_is_exact_for_a_path_that_lies_in_a_plane(trained):
    m, ds, h = trained
    end = L.flat(m).numpy().astype(np.float64)
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=end.size), rng.normal(size=end.size)
    t = np.linspace(1, 0, 12)
    planar = (end + np.outer(t, u) + np.outer(t**2, v)).astype(np.float32)  # every point in span(u, v) + end
    s = L.surface(m, ds, "pca", resolution=3, span=1.0, trajectory=planar)
    assert s.explained_variance.sum() == pytest.approx(1.0, abs=1e-5)
    for epoch in (0, 5, 11):
        f = L.path_fidelity(m, ds, s, planar, epoch)
        assert f["off_plane"] < 1e-4
        assert f["plane_loss"] == pytest.approx(f["real_loss"], rel=1e-4)
    # the real path of training is not planar: the map's number differs from the real one at the start
    s = L.surface(m, ds, "pca", resolution=3, span=1.0, trajectory=h.trajectory)
    f0, fend = L.path_fidelity(m, ds, s, h.trajectory, 0), L.path_fidelity(m, ds, s, h.trajectory, h.epochs)
    assert f0["off_plane"] == pytest.approx(s.reconstruction_error, rel=1e-4) and f0["off_plane"] > 0
    ref, _ = train.evaluate(
        _at(m, h.trajectory[0]), torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train), ds.task, "cross_entropy"
    )
    assert f0["real_loss"] == pytest.approx(ref, rel=1e-5)
    assert fend["off_plane"] == 0 and fend["plane_loss"] == pytest.approx(fend["real_loss"], rel=1e-6)


def _at(model, vec):
    """A copy of model with the weights of one trajectory row (buffers, e.g. batch-norm statistics, kept)."""
    import copy

    return L.load_flat(copy.deepcopy(model), vec).eval()


def test_path_span_fits_the_whole_path():
    ds = data.load("moons", n_samples=200)
    torch.manual_seed(0)
    m = models.build("mlp", widths=(8,))
    h = train.fit(m, ds, epochs=30, lr=0.05)
    span = L.path_span(h.trajectory)
    s = L.surface(m, ds, "pca", resolution=3, span=span, trajectory=h.trajectory)
    reach = np.abs(s.trajectory).max()
    assert reach <= span and reach == pytest.approx(span / 1.1)


def test_regression_toy_surface_is_the_closed_form():
    xs, ys, Z = toys.grid("regression", 30)
    d = data.load("linear", seed=0, standardize=False)
    x, y = d.X_train[:, 0].astype(float), d.y_train[:, 0].astype(float)
    for j, i in [(0, 0), (7, 19), (29, 29)]:
        w, b = xs[i], ys[j]
        closed = (
            w * w * np.mean(x * x)
            + 2 * w * b * np.mean(x)
            + b * b
            - 2 * w * np.mean(x * y)
            - 2 * b * np.mean(y)
            + np.mean(y * y)
        )
        assert Z[j, i] == pytest.approx(closed, rel=1e-6)


def test_regression_surface_of_a_linear_model_matches_closed_form():
    """The network path on a 1-1 linear model equals the same closed form over (w, b)."""
    d = data.load("linear", seed=0, standardize=False)
    m = models.build("mlp", in_features=1, widths=(), out_features=1)
    s = L.surface(m, d, "none", resolution=5, span=1.0, seed=3)
    w0, b0 = [p.item() for p in m.parameters()]
    d1, d2 = s.directions  # biases are zeroed: only w moves
    x, y = d.X_train[:, 0].astype(float), d.y_train[:, 0].astype(float)
    for i, j in [(0, 0), (2, 3), (4, 4)]:
        w = w0 + s.alphas[i] * d1[0] + s.betas[j] * d2[0]
        assert s.loss[i, j] == pytest.approx(np.mean((w * x + b0 - y) ** 2), rel=1e-5)


def test_sharpness_on_a_linear_model_is_the_closed_form_corner_maximum():
    """MSE of a 1-1 linear model is convex in (a, b), so its largest value on a box is at a corner."""
    d = data.load("linear", seed=0, standardize=False)
    torch.manual_seed(0)
    m = models.build("mlp", in_features=1, widths=(), out_features=1)
    s = L.surface(m, d, "none", resolution=9, span=2.0, seed=1)
    w0, b0 = [p.item() for p in m.parameters()]
    x, y = d.X_train[:, 0].astype(float), d.y_train[:, 0].astype(float)
    mse = lambda w: np.mean((w * x + b0 - y) ** 2)  # noqa: E731  (biases are left out of the directions)
    c = mse(w0)
    for r in (0.5, 2.0):
        corners = [
            mse(w0 + sa * r * s.directions[0][0] + sb * r * s.directions[1][0]) for sa in (-1, 1) for sb in (-1, 1)
        ]
        assert L.sharpness(s, r) == pytest.approx((max(corners) - c) / (1 + c) * 100, rel=1e-4)
    assert L.sharpness(s, 0.0) == 0.0


def test_optimizer_paths_descend_and_divergence_is_marked():
    p = toys.path("regression", "sgd", (-0.5, 1.5), 0.05, 300)
    w, b = toys.regression_minimum()
    assert p["diverged"] is None and np.allclose(p["points"][-1], [w, b], atol=1e-2)
    for opt in toys.OPTIMIZERS:
        q = toys.path("himmelblau", opt, (0.0, 0.0), 0.01, 200)
        assert q["loss"][-1] < q["loss"][0]
    bad = toys.path("rosenbrock", "sgd", (-1.5, 2.0), 0.05, 100)
    assert bad["diverged"] is not None and len(bad["points"]) == len(bad["loss"])


def _path_before_the_cache(name, optimizer, start, lr, steps):
    """The uncached path as it was first written (zero_grad, backward, checks on tensors): the oracle
    that the cached and cut paths must match exactly."""
    from core import optimizers

    p = torch.tensor([float(start[0]), float(start[1])], dtype=torch.float64, requires_grad=True)
    opt = optimizers.make(optimizer, [p], lr)
    points, losses, diverged = [p.detach().numpy().copy()], [], None
    for k in range(steps + 1):
        L_ = toys.loss(name, p[0], p[1])
        losses.append(float(L_.detach()))
        if not torch.isfinite(L_) or L_.abs() > toys.DIVERGED**2 or p.detach().abs().max() > toys.DIVERGED:
            diverged = k
            break
        if k == steps:
            break
        opt.zero_grad()
        L_.backward()
        opt.step()
        points.append(p.detach().numpy().copy())
    return np.array(points[: len(losses)]), np.array(losses), diverged


@pytest.mark.parametrize(
    "surface, lr", [("regression", 1.2), ("rosenbrock", 0.05), ("saddle", 0.05), ("himmelblau", 0.01)]
)
def test_cached_paths_and_fewer_steps_are_exactly_the_uncached_runs(surface, lr):
    """A path of fewer steps is cut from the longest run kept (SGD diverges at step 5 on the bowl
    with α = 1.2 and at step 2 on Rosenbrock with α = 0.05): cut below and above the divergence."""
    start = toys.TOYS[surface].start
    for optimizer in toys.OPTIMIZERS:
        toys.path(surface, optimizer, start, lr, 40)  # the longest run, then cuts of it, then a longer one
        for steps in (1, 3, 4, 5, 6, 17, 40, 41, 60):
            got = toys.path(surface, optimizer, start, lr, steps)
            points, losses, diverged = _path_before_the_cache(surface, optimizer, start, lr, steps)
            np.testing.assert_array_equal(got["points"], points)
            np.testing.assert_array_equal(got["loss"], losses)
            assert got["diverged"] == diverged and got["optimizer"] == optimizer
            assert len(got["points"]) == len(got["loss"]) == (steps + 1 if diverged is None else diverged + 1)


def test_toy_grids_and_paths_are_cached_by_their_settings():
    g = toys.grid("saddle", 12)
    assert toys.grid("saddle", 12) is g and not any(a.flags.writeable for a in g)
    assert toys.grid("saddle", 13)[2].shape == (13, 13) and toys.grid("himmelblau", 12)[2][0, 0] != g[2][0, 0]
    settings = ("saddle", "adam", (1.5, 0.01), 0.05, 40)
    p = toys.path(*settings)
    assert toys.path("saddle", "adam", [1.5, 0.01], 0.05, 40) is p  # the same settings, the same object
    assert not p["points"].flags.writeable and not p["loss"].flags.writeable
    for i, other in [(1, "sgd"), (2, (1.4, 0.01)), (3, 0.04), (0, "himmelblau")]:
        q = toys.path(*settings[:i], other, *settings[i + 1 :])
        assert q is not p and not np.array_equal(q["points"], p["points"])
    shorter = toys.path(*settings[:4], 39)
    assert shorter is not p and np.array_equal(shorter["points"], p["points"][:40])
    with pytest.raises(ConfigError, match="Unknown surface"):
        toys.grid("ridge", 12)


def test_slices_and_interpolation(trained):
    m, ds, h = trained
    s = L.slice_1d(m, ds, "filter", points=11, span=1.0)
    ref, _ = train.evaluate(m, torch.as_tensor(ds.X_train), torch.as_tensor(ds.y_train), ds.task, "cross_entropy")
    assert s["loss"][5] == pytest.approx(ref, rel=1e-5)
    i = L.slice_1d(m, ds, "interpolation", points=9, initial=h.trajectory[0])
    assert i["alphas"][2] == 0.0 and i["loss"][6] == pytest.approx(ref, rel=1e-5)


@pytest.mark.parametrize(
    "kw, words", [({"resolution": 200}, "101"), ({"span": 0}, "Span"), ({"method": "pcb"}, "Unknown")]
)
def test_limits(trained, kw, words):
    m, ds, _ = trained
    with pytest.raises(ConfigError, match=words):
        L.surface(m, ds, **{"method": "filter", **kw})


def test_nan_cells_are_missing_not_errors(trained):
    m, ds, _ = trained
    s = L.surface(m, ds, "none", resolution=3, span=10.0)
    assert s.loss.shape == (3, 3)
    with torch.no_grad():
        bad = models.from_config(models.config_dict(m))
        bad.load_state_dict(m.state_dict())
        bad.net[0].weight[0, 0] = float("inf")
    s = L.surface(bad, ds, "layer", resolution=3, span=0.1)
    assert np.isnan(s.loss).any()


def test_chunk_sizes_fit_the_device(monkeypatch):
    # a CPU: cache-sized chunks, a multiple of the thread count where possible
    assert G._chunk_size(2000, 64, G.MLP_BUDGET_FLOATS, threads=2) == 6
    assert G._chunk_size(2675, 64, G.MLP_BUDGET_FLOATS, threads=2) == 4
    assert G._chunk_size(100_000, 512, G.MLP_BUDGET_FLOATS, threads=2) == 1  # never zero
    # a GPU with 80 GB free: 1 GiB of activations a call at most, one call per ~1,500 points here
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (80e9, 80e9))
    assert G._budget(torch.device("cuda"), True) == 2**28
    assert G._chunk_size(2675, 64, G._budget(torch.device("cuda"), True)) == 2**28 // (2675 * 64)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (8e9, 16e9))  # a small, busy GPU
    assert G._budget(torch.device("cuda"), True) == 8e9 / 32
