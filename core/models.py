"""Models of the explorer: a configurable MLP, the articles' named networks, a Transformer encoder.

The Transformer follows Vaswani et al. 2017 ("Attention Is All You Need"): token embedding,
sinusoidal positional encoding, self-attention layers. Attention is computed explicitly (not
with a fused kernel) so that every layer's and head's weights can be returned and exported.
Every model carries its frozen config, so a checkpoint or an ONNX file can rebuild it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from core import checks
from core.errors import ModelError

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}
MAX_LAYERS = 8  # hidden layers of an MLP
MAX_WIDTH = 512  # units in one hidden layer
MAX_TRANSFORMER_LAYERS = 6


@dataclass(frozen=True)
class MLPConfig:
    in_features: int = 2  # inputs per sample
    widths: tuple = (16, 16)  # units of each hidden layer
    out_features: int = 2  # classes (logits) or 1 for regression
    activation: str = "relu"  # relu, tanh, sigmoid or gelu, after every hidden layer
    dropout: float = 0.0  # drop probability after every hidden activation
    batch_norm: bool = False  # BatchNorm1d between each hidden Linear and its activation

    def __post_init__(self):
        if isinstance(self.widths, (str, bytes)) or not hasattr(self.widths, "__iter__"):
            raise ModelError(f"widths must be a list of whole numbers, one per hidden layer, got {self.widths!r:.40}.")
        widths = tuple(self.widths)
        if len(widths) > MAX_LAYERS:
            raise ModelError(f"At most {MAX_LAYERS} hidden layers, got {len(widths)}.")
        object.__setattr__(
            self,
            "widths",
            tuple(checks.whole("Each hidden layer's width", w, 1, MAX_WIDTH, error=ModelError) for w in widths),
        )
        checks.whole("in_features", self.in_features, 1, 4096, error=ModelError)
        checks.whole("out_features", self.out_features, 1, 1000, error=ModelError)
        checks.real("Dropout", self.dropout, 0, 0.999, error=ModelError)
        checks.choice("activation", self.activation, sorted(ACTIVATIONS), error=ModelError)
        if not isinstance(self.batch_norm, bool):
            raise ModelError(f"batch_norm must be True or False, got {self.batch_norm!r:.40}.")
        if len(self.widths) > MAX_LAYERS:
            raise ModelError(f"At most {MAX_LAYERS} hidden layers, got {len(self.widths)}.")
        if any(not 1 <= w <= MAX_WIDTH for w in self.widths):
            raise ModelError(f"Each hidden layer needs 1 to {MAX_WIDTH} units, got {list(self.widths)}.")
        if not 1 <= self.in_features <= 4096 or not 1 <= self.out_features <= 1000:
            raise ModelError(
                f"Inputs must be 1..4096 and outputs 1..1000, got {self.in_features} and {self.out_features}."
            )
        if not 0.0 <= self.dropout < 1.0:
            raise ModelError(f"Dropout must be in [0, 1), got {self.dropout}.")


@dataclass(frozen=True)
class TransformerConfig:
    vocab_size: int = 10  # input tokens 0..vocab_size-1
    max_len: int = 8  # longest sequence the positional encoding covers
    d_model: int = 64  # embedding width
    n_heads: int = 4  # attention heads per layer; must divide d_model
    n_layers: int = 2  # encoder layers
    d_ff: int = 128  # hidden width of each feed-forward block
    n_classes: int = 10  # output classes per position
    dropout: float = 0.0

    def __post_init__(self):
        for name in ("vocab_size", "max_len", "d_model", "n_heads", "n_layers", "d_ff", "n_classes"):
            checks.whole(name, getattr(self, name), 1, 4096, error=ModelError)
        checks.real("Dropout", self.dropout, 0, 0.999, error=ModelError)
        if not 2 <= self.n_classes <= 1000:
            raise ModelError(f"n_classes must be 2..1000, got {self.n_classes}.")
        if not 1 <= self.n_layers <= MAX_TRANSFORMER_LAYERS:
            raise ModelError(f"A Transformer here has 1 to {MAX_TRANSFORMER_LAYERS} layers, got {self.n_layers}.")
        if not 1 <= self.n_heads <= 16 or self.d_model % self.n_heads:
            raise ModelError(f"Heads (1..16) must divide d_model: {self.n_heads} heads, d_model {self.d_model}.")
        if not 8 <= self.d_model <= 256 or not 8 <= self.d_ff <= 1024:
            raise ModelError(f"d_model must be 8..256 and d_ff 8..1024, got {self.d_model} and {self.d_ff}.")
        if not 2 <= self.max_len <= 128 or not 2 <= self.vocab_size <= 1000:
            raise ModelError(f"max_len must be 2..128 and vocab_size 2..1000, got {self.max_len}, {self.vocab_size}.")


class MLP(nn.Module):
    def __init__(self, config: MLPConfig):
        super().__init__()
        self.config = config
        layers, width = [], config.in_features
        for w in config.widths:
            layers.append(nn.Linear(width, w))
            if config.batch_norm:
                layers.append(nn.BatchNorm1d(w))
            layers.append(ACTIVATIONS[config.activation]())
            if config.dropout > 0:
                layers.append(nn.Dropout(config.dropout))
            width = w
        layers.append(nn.Linear(width, config.out_features))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 2 or x.shape[1] != self.config.in_features:
            raise ModelError(f"This MLP takes (batch, {self.config.in_features}) inputs, got {tuple(x.shape)}.")
        return self.net(x)


def sinusoidal_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)). Shape (T, d)."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d_model, 2, dtype=torch.float32) / d_model)
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq)[:, : d_model // 2]
    return pe


class SelfAttention(nn.Module):
    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor, head_mask: torch.Tensor | None = None):
        B, T, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        q, k, v = (t.reshape(B, T, self.n_heads, self.d_head).transpose(1, 2) for t in (q, k, v))  # (B, H, T, d)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.d_head), dim=-1)  # (B, H, T, T)
        heads = weights @ v  # (B, H, T, d)
        if head_mask is not None:  # ablation: a head switched off contributes nothing
            heads = heads * head_mask.reshape(1, -1, 1, 1)
        return self.out(heads.transpose(1, 2).reshape(B, T, D)), weights


class EncoderLayer(nn.Module):
    """Pre-norm encoder layer: x + attn(LN(x)), then x + FFN(LN(x))."""

    def __init__(self, c: TransformerConfig):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(c.d_model), nn.LayerNorm(c.d_model)
        self.attn = SelfAttention(c.d_model, c.n_heads)
        self.ff = nn.Sequential(nn.Linear(c.d_model, c.d_ff), nn.GELU(), nn.Linear(c.d_ff, c.d_model))
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x, head_mask=None):
        a, weights = self.attn(self.norm1(x), head_mask)
        x = x + self.drop(a)
        return x + self.drop(self.ff(self.norm2(x))), weights


class Transformer(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab_size, config.d_model)
        self.register_buffer("pe", sinusoidal_encoding(config.max_len, config.d_model), persistent=False)
        self.layers = nn.ModuleList(EncoderLayer(config) for _ in range(config.n_layers))
        self.norm = nn.LayerNorm(config.d_model)
        self.head = nn.Linear(config.d_model, config.n_classes)

    def forward(self, tokens: torch.Tensor, return_attention: bool = False, head_mask: torch.Tensor | None = None):
        """tokens (B, T) -> logits (B, T, classes); with return_attention also [(B, H, T, T)] per layer.

        head_mask: optional (layers, heads) of 0/1 to switch heads off.
        """
        if tokens.dim() != 2 or tokens.shape[1] > self.config.max_len:
            raise ModelError(f"Takes (batch, length <= {self.config.max_len}) tokens, got {tuple(tokens.shape)}.")
        x = self.embed(tokens) + self.pe[: tokens.shape[1]]  # (B, T, d); N(0,1) embeddings, unscaled
        attention = []
        for i, layer in enumerate(self.layers):
            x, w = layer(x, None if head_mask is None else head_mask[i])
            attention.append(w)
        logits = self.head(self.norm(x))
        return (logits, attention) if return_attention else logits


NAMED = {
    "digits": MLPConfig(64, (128,), 10),  # the articles' 784-128-10 MNIST net, at 8x8 pixels
    "iris": MLPConfig(4, (10, 8), 3),  # the articles' Iris 4-10-8-3 net
    "regression": MLPConfig(1, (16, 16), 1, "tanh"),
    "bigmodel": MLPConfig(1000, (200, 100), 1),  # the articles' BigModel 1000-200-100-1 (ReLU, MSE, Adam 1e-3)
}
NAMES = ("mlp", "transformer") + tuple(NAMED)


def build(name: str, **options) -> nn.Module:
    """Build a model by name: "mlp" and "transformer" take their config fields as options;
    "digits", "iris", "regression" and "bigmodel" are the articles' networks (options override fields)."""
    try:
        if name == "mlp":
            return MLP(MLPConfig(**options))
        if name == "transformer":
            return Transformer(TransformerConfig(**options))
        if name in NAMED:
            return MLP(MLPConfig(**{**asdict(NAMED[name]), **options}))
    except TypeError as e:
        raise ModelError(f"Bad option for model {name!r}: {e}.") from None
    raise ModelError(f"Unknown model {name!r}. Choose one of: {', '.join(NAMES)}.")


def config_dict(model: nn.Module) -> dict:
    """The model's config as plain JSON-ready data, with its kind; from_config rebuilds it."""
    kind = "transformer" if isinstance(model, Transformer) else "mlp"
    d = asdict(model.config)
    if "widths" in d:
        d["widths"] = list(d["widths"])
    return {"kind": kind, **d}


def from_config(config: dict) -> nn.Module:
    config = dict(config)
    kind = config.pop("kind", "mlp")
    if kind not in ("mlp", "transformer"):
        raise ModelError(f"Unknown model kind {kind!r} in config.")
    return build(kind, **config)


def n_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def describe(model: nn.Module) -> str:
    """A one-line architecture, e.g. "MLP 2-16-16-2 relu, dropout 0.1"."""
    c = model.config
    if isinstance(model, Transformer):
        return (
            f"Transformer encoder: {c.n_layers} layers x {c.n_heads} heads, d_model {c.d_model}, "
            f"d_ff {c.d_ff}, vocab {c.vocab_size}, max length {c.max_len}"
        )
    sizes = "-".join(str(s) for s in (c.in_features, *c.widths, c.out_features))
    extra = (
        [c.activation] + ([f"dropout {c.dropout:g}"] if c.dropout else []) + (["batch norm"] if c.batch_norm else [])
    )
    return f"MLP {sizes} ({', '.join(extra)})"


def snapshot(model: nn.Module) -> dict:
    """A model as plain data (its config and NumPy weights): safe to cache, pickle and rebuild."""
    return {
        "config": config_dict(model),
        "state": {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()},
    }


def restore(snap: dict) -> nn.Module:
    """The model of a snapshot, in eval mode."""
    model = from_config(snap["config"])
    model.load_state_dict({k: torch.as_tensor(v) for k, v in snap["state"].items()})
    return model.eval()
