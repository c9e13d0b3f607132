"""A model's parameters as one flat vector, and back: the coordinates of weight space."""

from __future__ import annotations

import numpy as np
import torch


def names(model) -> list[str]:
    return [n for n, _ in model.named_parameters()]


def flat(model_or_tensors) -> torch.Tensor:
    """A model's parameters (or any tensors) as one flat vector, in parameter order."""
    tensors = model_or_tensors.parameters() if hasattr(model_or_tensors, "parameters") else model_or_tensors
    return torch.cat([p.detach().reshape(-1) for p in tensors])


def penalized_weights(model) -> list:
    """Weights that L1/L2 act on: matrices and embeddings, not biases or norm parameters."""
    return [p for p in model.parameters() if p.dim() > 1]


def unflatten(model, vec: torch.Tensor) -> dict:
    out, i = {}, 0
    for n, p in model.named_parameters():
        out[n] = vec[..., i : i + p.numel()].reshape(*vec.shape[:-1], *p.shape)
        i += p.numel()
    return out


def load_flat(model, vec: np.ndarray):
    """Set the model's parameters from one flat vector (a trajectory row)."""
    with torch.no_grad():
        for (_n, p), v in zip(
            model.named_parameters(), unflatten(model, torch.as_tensor(vec, dtype=torch.float32)).values()
        ):
            p.copy_(v)
    return model
