"""Reading attention: maps from an exported Transformer, rollout across layers, head ablation,
and how close a learned map is to a pattern known in advance.

Attention rollout follows Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers":
average the heads, add the identity for the residual path, renormalise rows, multiply the layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core import data, export, models
from core.errors import ModelError
from core.records import TrainedModel
from core.train import fit

MAX_TOY_TOKENS = 8
TASKS = ("reverse", "shift", "sort")
TOY_SAMPLES = 3000  # sequences generated for a toy run (a quarter held out for validation)


@dataclass(frozen=True)
class ToySettings:
    """What the learner picks before training a toy encoder; a trained model carries its own (settings_of)."""

    task: str  # one of TASKS: which sequence-to-sequence task the encoder learns
    n_layers: int  # encoder layers, 1 to models.MAX_TRANSFORMER_LAYERS
    n_heads: int  # attention heads per layer (1, 2 or 4)
    epochs: int  # passes over the training sequences

    def describe(self) -> str:
        return (
            f"{self.task}, {self.n_layers} layer{'s' * (self.n_layers != 1)} × {self.n_heads} "
            f"head{'s' * (self.n_heads != 1)}, {self.epochs} epoch{'s' * (self.epochs != 1)}"
        )


def train_toy(settings: ToySettings, on_epoch=None) -> TrainedModel:
    """Train a small encoder on a task with known answers (seeded: the same settings give the same model)."""
    if settings.task not in TASKS:
        raise ModelError(f"Unknown toy task {settings.task!r}. Choose one of: {', '.join(TASKS)}.")
    ds = data.load(settings.task, n_samples=TOY_SAMPLES)
    torch.manual_seed(0)
    d_model = 16 * settings.n_heads if settings.n_heads > 2 else 32
    model = models.build(
        "transformer", n_layers=settings.n_layers, n_heads=settings.n_heads, d_model=d_model, d_ff=2 * d_model
    )
    history = fit(
        model,
        ds,
        epochs=settings.epochs,
        lr=0.003,
        batch_size=64,
        record_trajectory=False,
        device="auto",
        on_epoch=on_epoch,
    )
    return TrainedModel.of(model, ds, history, name=settings.describe())


def settings_of(record: TrainedModel) -> ToySettings:
    """The settings a toy record was trained with (read from its config, data and history)."""
    return ToySettings(
        record.dataset.name, record.config["n_layers"], record.config["n_heads"], record.history.config["epochs"]
    )


def toy_onnx(record: TrainedModel, directory: Path) -> Path:
    """The record's ONNX file in ``directory``, named by a hash of its config and weights; exported once."""
    path = Path(directory) / f"{record.fingerprint()}.onnx"
    if not path.exists():
        export.to_onnx(record.build(), path)
    return path


def parse_tokens(text: str, vocab_size: int = 10, max_len: int = MAX_TOY_TOKENS) -> np.ndarray:
    """'3 1 4 1 5' -> (1, T) int64. Only the ASCII words "0" .. str(vocab_size - 1) are tokens: Python's
    int() would also take '²', '１' or a 5,000-digit number (and fail on it), so each word is looked up instead."""
    vocab = {str(i): i for i in range(vocab_size)}
    parts = text.replace(",", " ").split()
    if not parts:
        raise ModelError(f"Type a sequence: 2 to {max_len} digits 0-{vocab_size - 1} separated by spaces.")
    bad = [i for i, p in enumerate(parts) if p not in vocab]
    if bad:
        word = parts[bad[0]]
        shown = repr(word[:8] + "…" * (len(word) > 8)) if word.isprintable() else "a character that does not print"
        raise ModelError(
            f"Word {bad[0] + 1} ({shown}) is outside the vocabulary"
            f"{f' and so are {len(bad) - 1} more' if len(bad) > 1 else ''}: use digits 0 to "
            f"{vocab_size - 1} (plain keyboard digits) separated by spaces."
        )
    if not 2 <= len(parts) <= max_len:
        raise ModelError(f"The model reads 2 to {max_len} tokens; got {len(parts)}.")
    return np.array([[vocab[p] for p in parts]], dtype=np.int64)


def target(task: str, tokens: np.ndarray, offset: int = 2) -> np.ndarray:
    """The right answer of a toy task for one sequence (T,)."""
    if task == "reverse":
        return tokens[::-1]
    if task == "sort":
        return np.sort(tokens)
    return np.roll(tokens, -offset)


def positional_encoding(max_len: int, d_model: int) -> np.ndarray:
    """(max_len, d_model): the sinusoidal encoding the toy encoder adds to its token embeddings."""
    return models.sinusoidal_encoding(max_len, d_model).numpy()


@dataclass(frozen=True)
class Reading:
    """One toy sequence through an exported encoder, with what it should have done."""

    tokens: np.ndarray  # (T,) the input
    prediction: np.ndarray  # (T,) the output token at each position (argmax of the logits)
    answer: np.ndarray  # (T,) the task's right output
    attention: np.ndarray  # (L, H, T, T) every layer's and head's map, rows sum to 1
    expected: np.ndarray | None  # (T, T) the map the task needs; None where there is no single one (sort)

    @property
    def right(self) -> int:
        return int((self.prediction == self.answer).sum())

    @property
    def scores(self) -> np.ndarray | None:
        """(L, H) pattern_score of each head, or None without an expected map."""
        return None if self.expected is None else pattern_score(self.attention, self.expected)

    @property
    def closest_head(self) -> tuple[int, int] | None:
        """(layer, head), 0-based, of the head closest to the expected map."""
        s = self.scores
        return None if s is None else tuple(int(i) for i in np.unravel_index(s.argmax(), s.shape))


def read(session, tokens: np.ndarray, task: str, offset: int = 2) -> Reading:
    """Run a (1, T) sequence through a toy encoder's session. The expected map needs the training length
    for shift (the wrap-around moves with T); reverse's holds at any length."""
    r = run(session, tokens)
    T = tokens.shape[1]
    expected = data.expected_attention(task, T, offset) if T == MAX_TOY_TOKENS or task == "reverse" else None
    return Reading(tokens[0], r["prediction"], target(task, tokens[0], offset), r["attention"], expected)


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
