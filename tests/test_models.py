import math

import numpy as np
import pytest
import torch

from core import models
from core.errors import ModelError


@pytest.mark.parametrize(
    "name, shape, out",
    [
        ("mlp", (5, 2), (5, 2)),
        ("digits", (5, 64), (5, 10)),
        ("iris", (5, 4), (5, 3)),
        ("regression", (5, 1), (5, 1)),
    ],
)
def test_mlps_build_and_run(name, shape, out):
    m = models.build(name)
    assert m(torch.zeros(shape)).shape == out
    again = models.from_config(models.config_dict(m))
    assert models.config_dict(again) == models.config_dict(m)


def test_articles_architectures():
    assert models.describe(models.build("iris")).startswith("MLP 4-10-8-3")
    assert models.n_parameters(models.build("digits")) == 64 * 128 + 128 + 128 * 10 + 10
    assert models.n_parameters(models.build("iris")) == 4 * 10 + 10 + 10 * 8 + 8 + 8 * 3 + 3


@pytest.mark.parametrize("act", sorted(models.ACTIVATIONS))
def test_mlp_options(act):
    m = models.build("mlp", widths=(8, 4), activation=act, dropout=0.2, batch_norm=True)
    kinds = [type(l).__name__ for l in m.net]
    assert kinds.count("BatchNorm1d") == 2 and kinds.count("Dropout") == 2
    assert m(torch.randn(6, 2)).shape == (6, 2)


def test_transformer_returns_attention_of_every_layer_and_head():
    torch.manual_seed(0)
    m = models.build("transformer", n_layers=3, n_heads=4, d_model=32).eval()
    logits, att = m(torch.randint(0, 10, (2, 8)), return_attention=True)
    assert logits.shape == (2, 8, 10) and len(att) == 3
    for a in att:
        assert a.shape == (2, 4, 8, 8)
        np.testing.assert_allclose(a.sum(-1).detach().numpy(), 1, atol=1e-6)


def test_head_mask_zeroes_a_heads_contribution():
    torch.manual_seed(0)
    m = models.build("transformer", n_layers=1, n_heads=2, d_model=16).eval()
    x = torch.randint(0, 10, (2, 8))
    full = m(x)
    assert torch.allclose(m(x, head_mask=torch.ones(1, 2)), full)
    assert not torch.allclose(m(x, head_mask=torch.tensor([[1.0, 0.0]])), full)


def test_sinusoidal_encoding_closed_form():
    pe = models.sinusoidal_encoding(16, 8)
    for pos in (0, 3, 15):
        for i in range(4):
            assert math.isclose(pe[pos, 2 * i], math.sin(pos / 10000 ** (2 * i / 8)), abs_tol=1e-5)
            assert math.isclose(pe[pos, 2 * i + 1], math.cos(pos / 10000 ** (2 * i / 8)), abs_tol=1e-5)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: models.build("resnet"), "Unknown model"),
        (lambda: models.build("mlp", widths=[8] * 9), "At most 8 hidden layers"),
        (lambda: models.build("mlp", widths=(1000,)), "from 1 to 512"),
        (lambda: models.build("mlp", activation="swish"), "Unknown activation"),
        (lambda: models.build("mlp", colour=1), "Bad option"),
        (lambda: models.build("transformer", n_heads=3, d_model=32), "divide"),
        (lambda: models.build("mlp")(torch.zeros(3, 5)), r"\(batch, 2\)"),
        (lambda: models.build("transformer")(torch.zeros(1, 20, dtype=torch.long)), "length <= 8"),
    ],
)
def test_bad_model_input(call, words):
    with pytest.raises(ModelError, match=words):
        call()


def test_snapshot_restores_the_same_function():
    torch.manual_seed(0)
    m = models.build("mlp", widths=(8,), batch_norm=True).eval()
    x = torch.randn(5, 2)
    np.testing.assert_array_equal(models.restore(models.snapshot(m))(x).detach().numpy(), m(x).detach().numpy())
