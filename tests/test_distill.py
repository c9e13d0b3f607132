"""Hinton et al. 2015 distillation: the loss against a hand calculation (with its T^2 factor), and the
distilled student against the label-only student of the same size over several seeds."""

import numpy as np
import pytest
import torch

from core import distill, zoo
from core.errors import ConfigError


def test_loss_matches_hand_calculation_with_t_squared():
    g = torch.Generator().manual_seed(0)
    s, t, y = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g), torch.tensor([0, 1, 2, 1, 0])
    T = 3.0

    def softmax(z):
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    p, q = softmax(t.numpy() / T), softmax(s.numpy() / T)
    kl = np.mean(np.sum(p * (np.log(p) - np.log(q)), -1))
    ce = np.mean(-np.log(softmax(s.numpy())[np.arange(5), y.numpy()]))
    assert float(distill.distillation_loss(s, t, y, T, 1.0)) == pytest.approx(T * T * kl, rel=1e-5)
    assert float(distill.distillation_loss(s, t, y, T, 0.0)) == pytest.approx(ce, rel=1e-5)
    assert float(distill.distillation_loss(s, t, y, T, 0.25)) == pytest.approx(0.25 * T * T * kl + 0.75 * ce, rel=1e-5)


@pytest.mark.parametrize("bad", [{"temperature": 0}, {"temperature": float("nan")}, {"alpha": 1.5}, {"epochs": 0}])
def test_bad_settings_get_a_message(bad):
    with pytest.raises(ConfigError):
        distill.DistillConfig(**bad)


@pytest.mark.xfail(reason="Not yet true at T=4, alpha=0.9, width 8, 5 epochs: measured distilled 0.868 vs label-only "
                   "0.907 (mean of seeds 0-2); the default setting still has to be chosen by a sweep", strict=False)
def test_distilled_student_beats_label_only_on_the_default_setting():
    e = zoo.entry("digits_mlp")
    teacher, ds = zoo.load_model(e), zoo.dataset_of(e)
    c = distill.compare(teacher, ds, distill.DistillConfig(4.0, 0.9, (8,), epochs=5), seeds=(0, 1, 2))
    assert c.student_parameters < c.teacher_parameters / 10
    assert np.mean(c.distilled) > np.mean(c.label_only), (c.distilled, c.label_only)
