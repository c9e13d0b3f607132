"""Zoo page pieces: a model card, its try-it box and its downloads."""

from __future__ import annotations

import json


import numpy as np
import pandas as pd
import streamlit as st

from core import zoo
from core.boundary import softmax
from core.errors import CoreError
from ui import cache


def fmt_metrics(m: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in m.items())


def spec_table(e: dict) -> pd.DataFrame:
    rows = [{"": "input", "name": s["name"], "shape": str(s["shape"]), "dtype": s["dtype"]} for s in e["inputs"]]
    rows += [{"": "output", "name": s["name"], "shape": str(s["shape"]), "dtype": s["dtype"]} for s in e["outputs"]]
    return pd.DataFrame(rows)


def facts(e: dict) -> None:
    st.markdown(f"**{e['precision']}** · `{e['file']}` · {e['bytes']:,} bytes · opset {e['opset']}")
    st.markdown(f"Validation: {fmt_metrics(e['metrics'])}")
    kind = "vs PyTorch (fp32 outputs)" if e["precision"] == "int8" else "vs PyTorch"
    st.caption(f"onnxruntime {kind}: largest absolute difference {e['parity_max_abs_err']:.2e}. sha256 `{e['sha256'][:16]}…`")


def downloads(e: dict, int8: dict) -> list[tuple[str, str, str]]:
    """(label, path, file name) of every file of one zoo model."""
    d = zoo.EXPORTED
    return [(f"{e['file']} (fp32)", str(d / e["file"]), e["file"]),
            (f"{int8['file']} (int8)", str(d / int8["file"]), int8["file"]),
            (f"{e['checkpoint']['file']} (PyTorch weights)", str(d / e["checkpoint"]["file"]), e["checkpoint"]["file"])]


def card(e: dict, int8: dict) -> None:
    with st.container(border=True):
        st.subheader(e["family"])
        st.markdown(f"{e['summary']}  \n**Task:** {e['task']} on `{e['dataset']['name']}` · **Architecture:** "
                    f"{e['architecture']} · **Parameters:** {e['parameters']:,} · trained {e['epochs_run']} epochs on "
                    f"{e['train_device']} in {e['train_seconds']:.1f} s")
        a, b = st.columns(2)
        with a:
            facts(e)
        with b:
            facts(int8)
        ratio = int8["bytes"] / e["bytes"]
        note = ("smaller" if ratio < 1 else "larger: for a net this small, the scales, zero points and "
                "quantize/dequantize nodes outweigh the saving on a few hundred weights")
        st.caption(f"int8 file is {ratio:.2f}x the fp32 size ({note}).")
        st.dataframe(spec_table(e), hide_index=True)
        cols = st.columns(3)
        for col, (label, path, name) in zip(cols, downloads(e, int8)):
            col.download_button(f"Download {label}", cache.read_bytes(path), name, "application/octet-stream",
                                key=f"dl_{name}")
        with st.expander("Operator graph (from the ONNX file)"):
            path = zoo.EXPORTED / e["file"]
            dot, counts = cache.operator_graph(str(path), path.stat().st_mtime)
            st.caption(", ".join(f"{op} x{n}" for op, n in counts.items()))
            st.graphviz_chart(dot)
        try_it(e, int8)


def _input_for(e: dict, ds, key: str):
    """The user's input: a validation row picked by index, then editable."""
    idx = int(st.number_input(f"Validation sample (0 to {len(ds.X_val) - 1})", 0, len(ds.X_val) - 1, 0, key=f"{key}_idx"))
    if e["task"] == "sequence":
        default = " ".join(str(t) for t in ds.X_val[idx])
        text = st.text_input("Sequence of digits 0-9 (edit it; at most 8)", default, key=f"{key}_seq_{idx}")
        tokens = text.replace(",", " ").split()
        if not tokens or any(not t.isdigit() or int(t) > 9 for t in tokens) or len(tokens) > 8:
            raise CoreError("Type 1 to 8 digits 0-9 separated by spaces, for example 3 1 4 1 5 9 2 6.")
        return np.array([[int(t) for t in tokens]], dtype=np.int64), None
    row = pd.DataFrame([ds.X_val[idx]], columns=[str(f) for f in ds.feature_names])
    edited = st.data_editor(row, key=f"{key}_row_{idx}", hide_index=True, num_rows="fixed")
    values = edited.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(values).all():
        raise CoreError("Every input cell needs a number.")
    return values.astype(np.float32), ds.y_val[idx]


def try_it(e: dict, int8: dict) -> None:
    with st.expander("Try it: run through onnxruntime"):
        key = f"try_{e['family']}"
        d = e["dataset"]
        ds = cache.dataset(d["name"], d["seed"], json.dumps(d["options"], sort_keys=True))
        if e["task"] != "sequence":
            st.caption("Inputs are standardized features (mean 0, standard deviation 1 over the training split).")
        try:
            x, truth = _input_for(e, ds, key)
        except CoreError as err:
            st.error(str(err))
            return
        cols = st.columns(2)
        for col, entry in zip(cols, (e, int8)):
            sess = cache.session(str(zoo.EXPORTED / entry["file"]))
            out, seconds = sess.timed_run(x)
            logits = next(iter(out.values()))
            with col:
                st.markdown(f"**{entry['precision']}** on `{sess.provider}` · median latency {seconds * 1e3:.3f} ms")
                if e["task"] == "sequence":
                    st.markdown("Prediction: `" + " ".join(str(t) for t in logits[0].argmax(-1)) + "`")
                elif e["task"] == "regression":
                    st.markdown(f"Prediction: **{float(logits[0, 0]):.4f}**" +
                                (f" (true {float(np.ravel(truth)[0]):.4f})" if truth is not None else ""))
                else:
                    p = softmax(logits)[0]
                    names = e["classes"]
                    st.markdown(f"Prediction: **{names[int(p.argmax())]}** ({p.max():.1%})" +
                                (f" · true class: {names[int(truth)]}" if truth is not None else ""))
                    st.bar_chart(pd.DataFrame({"probability": p}, index=names), height=160)


def manifest_download(manifest: dict) -> None:
    st.download_button("Download manifest.json", cache.read_bytes(zoo.manifest_path()), "manifest.json",
                       "application/json", key="dl_manifest")
    st.caption(f"Built {manifest['built']}{' (quick build)' if manifest.get('quick') else ''}; "
               f"{len(manifest['models'])} files. Rebuild with `python -m core build`.")
