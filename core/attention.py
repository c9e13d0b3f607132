"""Reading attention: maps from an exported Transformer, rollout across layers, head ablation,
and how close a learned map is to a pattern known in advance.

Attention rollout follows Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers":
average the heads, add the identity for the residual path, renormalise rows, multiply the layers.
"""

from __future__ import annotations

import numpy as np
import torch

from core.errors import ModelError

MAX_TOY_TOKENS = 8


def parse_tokens(text: str, vocab_size: int = 10, max_len: int = MAX_TOY_TOKENS) -> np.ndarray:
    """'3 1 4 1 5' -> (1, T) int64. Refuses tokens outside the vocabulary, empty and too-long input."""
    parts = text.replace(",", " ").split()
    if not parts:
        raise ModelError(f"Type a sequence: 2 to {max_len} digits 0-{vocab_size - 1} separated by spaces.")
    bad = [p for p in parts if not p.isdigit() or int(p) >= vocab_size]
    if bad:
        raise ModelError(f"{bad[:3]} are outside the vocabulary: use digits 0 to {vocab_size - 1}.")
    if not 2 <= len(parts) <= max_len:
        raise ModelError(f"The model reads 2 to {max_len} tokens; got {len(parts)}.")
    return np.array([[int(p) for p in parts]], dtype=np.int64)


def run(session, tokens: np.ndarray) -> dict:
    """Prediction and every layer's attention (H, T, T) from an exported Transformer's session."""
    out = session.run(tokens)
    logits = out["logits"][0]
    maps = [out[k][0] for k in sorted(k for k in out if k.startswith("attention_"))]
    return {"logits": logits, "prediction": logits.argmax(-1), "attention": np.stack(maps)}  # (L, H, T, T)


def rollout(attention: np.ndarray) -> np.ndarray:
    """(L, H, T, T) -> (T, T): how much each output position draws on each input token overall."""
    T = attention.shape[-1]
    result = np.eye(T)
    for layer in attention:
        a = 0.5 * layer.mean(0) + 0.5 * np.eye(T)
        a = a / a.sum(-1, keepdims=True)
        result = a @ result
    return result


def ablate(model, tokens: np.ndarray, off: list[tuple[int, int]]) -> np.ndarray:
    """Predictions with the listed (layer, head) pairs switched off."""
    c = model.config
    mask = torch.ones(c.n_layers, c.n_heads)
    for layer, head in off:
        mask[layer, head] = 0
    with torch.no_grad():
        return model(torch.as_tensor(tokens), head_mask=mask).argmax(-1).numpy()


def pattern_score(attention: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """(L, H): mean over query positions of the attention weight put on the expected key."""
    return (attention * expected).sum(-1).mean(-1)
