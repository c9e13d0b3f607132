"""Attention page pieces: attention charts, and cached models and sessions."""

from __future__ import annotations

import hashlib
import json

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import torch

from core import data, export, minilm, models, runtime, zoo
from core.train import fit


def labels(tokens) -> list[str]:
    """Unique axis labels: position, then token (tokens repeat)."""
    return [f"{i}: {t}" for i, t in enumerate(tokens)]


def heatmap(att: np.ndarray, toks: list[str], title: str, size: int = 320) -> alt.Chart:
    rows = [{"query": toks[i], "key": toks[j], "weight": float(att[i, j])} for i in range(len(toks)) for j in range(len(toks))]
    return alt.Chart(pd.DataFrame(rows), title=title).mark_rect().encode(
        x=alt.X("key:N", sort=toks, title="key token (attended to)"), y=alt.Y("query:N", sort=toks, title="query token"),
        color=alt.Color("weight:Q", scale=alt.Scale(scheme="orangered", domain=[0, 1]), title="attention"),
        tooltip=["query", "key", alt.Tooltip("weight:Q", format=".3f")]).properties(width=size, height=size)


def grid(att: np.ndarray, toks: list[str], cell: int = 70) -> alt.Chart:
    """Every layer (rows) and head (columns) as a small map."""
    L, H, T, _ = att.shape
    idx = np.indices((L, H, T, T)).reshape(4, -1)
    df = pd.DataFrame({"layer": idx[0] + 1, "head": idx[1] + 1, "query": np.array(toks)[idx[2]],
                       "key": np.array(toks)[idx[3]], "weight": att.reshape(-1)})
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("key:N", sort=toks, axis=None), y=alt.Y("query:N", sort=toks, axis=None),
        color=alt.Color("weight:Q", scale=alt.Scale(scheme="orangered", domain=[0, 1]), title="attention"),
        tooltip=["layer", "head", "query", "key", alt.Tooltip("weight:Q", format=".3f")]
    ).properties(width=cell, height=cell).facet(row=alt.Row("layer:O", title="layer"), column=alt.Column("head:O", title="head"))


def head_view(att: np.ndarray, toks: list[str], title: str) -> alt.Chart:
    """BertViz-style: query tokens on the left, keys on the right, lines as thick as the attention."""
    T = len(toks)
    rows = []
    for i in range(T):
        for j in range(T):
            w = float(att[i, j])
            if w < 0.02:
                continue
            pair = f"{i}-{j}"
            rows += [{"pair": pair, "side": 0, "pos": i, "weight": w, "query": toks[i], "key": toks[j]},
                     {"pair": pair, "side": 1, "pos": j, "weight": w, "query": toks[i], "key": toks[j]}]
    lines = alt.Chart(pd.DataFrame(rows)).mark_line(color="#E4572E").encode(
        x=alt.X("side:Q", axis=None, scale=alt.Scale(domain=[-0.35, 1.35])), y=alt.Y("pos:Q", axis=None, scale=alt.Scale(reverse=True)),
        detail="pair:N", opacity=alt.Opacity("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.05, 1]), legend=None),
        strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.5, 6]), legend=None),
        tooltip=["query", "key", alt.Tooltip("weight:Q", format=".3f")])
    words = pd.DataFrame([{"side": s, "pos": i, "token": t} for s in (0, 1) for i, t in enumerate(toks)])
    left = alt.Chart(words[words.side == 0]).mark_text(align="right", dx=-6).encode(x="side:Q", y="pos:Q", text="token:N")
    right = alt.Chart(words[words.side == 1]).mark_text(align="left", dx=6).encode(x="side:Q", y="pos:Q", text="token:N")
    return alt.layer(lines, left, right, title=title).properties(width=320, height=max(200, 22 * T))


def positional_encoding(pe: np.ndarray) -> alt.Chart:
    T, d = pe.shape
    df = pd.DataFrame([{"position": p, "dimension": i, "value": float(pe[p, i])} for p in range(T) for i in range(d)])
    return alt.Chart(df, title="Sinusoidal positional encoding PE[position, dimension]").mark_rect().encode(
        x=alt.X("dimension:O", title="embedding dimension", axis=alt.Axis(labelOverlap=True)),
        y=alt.Y("position:O", title="position"), color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1])),
        tooltip=["position", "dimension", alt.Tooltip("value:Q", format=".3f")]).properties(height=220)


def target(task: str, tokens: np.ndarray, offset: int = 2) -> np.ndarray:
    if task == "reverse":
        return tokens[::-1]
    if task == "sort":
        return np.sort(tokens)
    return np.roll(tokens, -offset)


@st.cache_resource(show_spinner=False)
def zoo_parts(name: str):
    e = zoo.entry(name)
    return e, runtime.session(zoo.EXPORTED / e["file"]), zoo.load_model(e)


def train_toy(task: str, n_layers: int, n_heads: int, epochs: int):
    """Train a small encoder on a task with a progress bar, export it; kept per session (plain data)."""
    key = json.dumps([task, n_layers, n_heads, epochs])
    store = st.session_state.setdefault("att_trained", {})
    if key not in store:
        ds = data.load(task, n_samples=3000)
        torch.manual_seed(0)
        d_model = 16 * n_heads if n_heads > 2 else 32
        model = models.build("transformer", n_layers=n_layers, n_heads=n_heads, d_model=d_model, d_ff=2 * d_model)
        bar = st.progress(0.0, text="Training...")
        hist = fit(model, ds, epochs=epochs, lr=0.003, batch_size=64, record_trajectory=False, device="auto",
                   on_epoch=lambda e: bar.progress(e["epoch"] / e["epochs"], text=f"Epoch {e['epoch']} of {e['epochs']}: "
                                                   f"token accuracy {e['val_acc']:.1%}"))
        bar.empty()
        path = minilm.CACHE / "toy" / (hashlib.sha1(key.encode()).hexdigest()[:12] + ".onnx")
        export.to_onnx(model, path)
        store.clear()
        store[key] = {"path": str(path), **models.snapshot(model),
                      "val_acc": hist.val_acc[-1], "device": hist.device, "seconds": hist.seconds}
    rec = store[key]
    return rec, runtime.session(rec["path"]), models.restore(rec)


@st.cache_resource(show_spinner=False)
def _minilm_parts():
    return runtime.session(minilm.export()), minilm.load_tokenizer()


def minilm_parts():
    """(session, tokenizer); the first use exports the model, and says so while it works."""
    if minilm.ONNX_FILE.exists():
        return _minilm_parts()
    with st.status("Preparing all-MiniLM-L6-v2: loading it from the installed package and exporting it to ONNX "
                   "with attention outputs (first use only, about 10 s)...") as status:
        parts = _minilm_parts()
        status.update(label="all-MiniLM-L6-v2 ready", state="complete")
    return parts


@st.cache_resource(show_spinner="Loading the PyTorch MiniLM for the check...")
def minilm_torch():
    return minilm.load_model()
