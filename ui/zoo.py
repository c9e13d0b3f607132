"""Zoo page pieces: a model card, its try-it box and its downloads, each served only after its
file's sha256 matched the manifest."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import streamlit as st

from core import attention, zoo
from core.boundary import softmax
from core.errors import CoreError
from ui import cache
from ui.charts import zoo as charts

MAX_TEXT = 200  # characters the sequence box reads; longer text is refused before any parsing


def fmt_metrics(m: dict) -> str:
    return ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in m.items())


def spec_table(e: dict) -> pd.DataFrame:
    rows = [{"": "input", "name": s["name"], "shape": str(s["shape"]), "dtype": s["dtype"]} for s in e["inputs"]]
    rows += [{"": "output", "name": s["name"], "shape": str(s["shape"]), "dtype": s["dtype"]} for s in e["outputs"]]
    return pd.DataFrame(rows)


def families(manifest: dict) -> tuple[list[tuple[dict, dict]], list[str]]:
    """(fp32 entry, int8 entry) of every usable model, and what is wrong with the rest."""
    good, problems = {}, []
    for i, e in enumerate(manifest["models"]):
        wrong = zoo.entry_problems(e)
        if wrong:
            label = e.get("name") if isinstance(e, dict) and isinstance(e.get("name"), str) else f"entry {i}"
            problems.append(f"Manifest entry {label!r} is malformed ({'; '.join(wrong)}): it is not offered. "
                            "Rebuild with `python -m core build`, then check with `python -m core verify`.")
        else:
            good[e["name"]] = e
    pairs = []
    for e in good.values():
        if e["precision"] == "fp32":
            int8 = good.get(f"{e['name']}_int8")
            if int8 is None:
                problems.append(f"{e['name']} has no usable int8 entry in the manifest. "
                                f"Rebuild it with `python -m core build --only {e['family']}`.")
            else:
                pairs.append((e, int8))
    return pairs, problems


def files_of(e: dict, int8: dict) -> dict:
    """{role: (manifest record, bytes or None, problem or None)} for the model's three files."""
    records = {"fp32": e, "int8": int8, "checkpoint": e["checkpoint"]}
    return {role: (rec, *cache.checked(rec, e["family"])) for role, rec in records.items()}


def facts(e: dict) -> None:
    st.markdown(f"**{e['precision']}** · `{e['file']}` · {e['bytes']:,} bytes · opset {e['opset']}")
    st.markdown(f"Validation: {fmt_metrics(e['metrics'])}")
    kind = "vs PyTorch (fp32 outputs)" if e["precision"] == "int8" else "vs PyTorch"
    st.caption(f"onnxruntime {kind}: largest absolute difference {e['parity_max_abs_err']:.2e}. "
               f"sha256 `{e['sha256'][:16]}…` (checked against the manifest before serving)")


def card(e: dict, int8: dict) -> None:
    files = files_of(e, int8)
    with st.container(border=True):
        st.subheader(e["family"])
        st.markdown(f"{e['summary']}  \n**Task:** {e['task']} on `{e['dataset']['name']}` · **Architecture:** "
                    f"{e['architecture']} · **Parameters:** {e['parameters']:,} · trained {e['epochs_run']} epochs on "
                    f"{e['train_device']} in {e['train_seconds']:.1f} s")
        for rec, content, problem in files.values():
            if problem:
                st.error(f"Not served: {problem}", icon="⚠️")
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
        labels = {"fp32": "fp32", "int8": "int8", "checkpoint": "PyTorch config + weights"}
        for col, (role, (rec, content, problem)) in zip(st.columns(3), files.items()):
            name = rec.get("download", rec["file"])
            if content is not None:
                col.download_button(f"Download {name} ({labels[role]})", content, name, "application/octet-stream",
                                    key=f"dl_{e['family']}_{role}")
        if files["fp32"][2] is None:
            with st.expander("Operator graph (from the ONNX file)"):
                path = zoo.path_in(zoo.EXPORTED, e["file"])
                dot, counts = cache.operator_graph(str(path), cache.stat_key(path))
                st.caption(", ".join(f"{op} x{n}" for op, n in counts.items()))
                st.graphviz_chart(dot)
        try_it(e, [ent for ent, role in ((e, "fp32"), (int8, "int8")) if files[role][2] is None])


def tokens_from_text(text: str, vocab_size: int, max_len: int) -> np.ndarray:
    """The sequence box's text as (1, T) int64 tokens; anything but plain ASCII digits is refused
    before it is parsed, so '²', '①', full-width digits, huge numbers or markup get a clear message."""
    if not isinstance(text, str) or len(text) > MAX_TEXT or not re.fullmatch(r"[0-9,\s]*", text, flags=re.ASCII):
        raise CoreError(f"Type 2 to {max_len} plain digits 0-{vocab_size - 1} separated by spaces, "
                        "for example 3 1 4 1 5 9 2 6.")
    if any(len(t) > 3 for t in text.replace(",", " ").split()):
        raise CoreError(f"Each token is one digit 0-{vocab_size - 1}: separate them by spaces, for example 3 1 4 1.")
    return attention.parse_tokens(text, vocab_size, max_len)


def features_from(values) -> np.ndarray:
    """The edited feature row as float32 (1, features); refuses empty cells, text and out-of-range numbers."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise CoreError("Every input cell needs a number.") from None
    if not np.isfinite(x).all() or (np.abs(x) > 1e30).any():
        raise CoreError("Every input cell needs a number between -1e30 and 1e30.")
    return x.astype(np.float32).reshape(1, -1)


def _input_for(e: dict, ds, key: str):
    """The user's input: a validation row picked by index, then editable."""
    idx = int(st.number_input(f"Validation sample (0 to {len(ds.X_val) - 1})", 0, len(ds.X_val) - 1, 0, key=f"{key}_idx"))
    if e["task"] == "sequence":
        c = e["config"]
        default = " ".join(str(t) for t in ds.X_val[idx])
        text = st.text_input(f"Sequence of digits 0-{c['vocab_size'] - 1} (edit it; 2 to {c['max_len']})", default,
                             key=f"{key}_seq_{idx}")
        return tokens_from_text(text, c["vocab_size"], c["max_len"]), None
    row = pd.DataFrame([ds.X_val[idx]], columns=[str(f) for f in ds.feature_names])
    edited = st.data_editor(row, key=f"{key}_row_{idx}", hide_index=True, num_rows="fixed")
    return features_from(edited.to_numpy(dtype=object)), ds.y_val[idx]


def _prediction(e: dict, logits: np.ndarray, truth) -> None:
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
        st.altair_chart(charts.probabilities(names, p), width="stretch")


def try_it(e: dict, runnable: list[dict]) -> None:
    with st.expander("Try it: run through onnxruntime"):
        if not runnable:
            st.warning("No file of this model passed its sha256 check, so none is run.")
            return
        key = f"try_{e['family']}"
        d = e["dataset"]
        ds = cache.dataset(d["name"], d["seed"], json.dumps(d["options"], sort_keys=True))
        if e["task"] != "sequence":
            st.caption("Inputs are standardized features (mean 0, standard deviation 1 over the training split).")
        try:
            x, truth = _input_for(e, ds, key)
            sessions = [(entry, cache.session(str(zoo.path_in(zoo.EXPORTED, entry["file"])))) for entry in runnable]
            outs = [(entry, sess.provider, *sess.timed_run(x)) for entry, sess in sessions]
        except CoreError as err:
            st.error(str(err))
            return
        for col, (entry, provider, out, seconds) in zip(st.columns(2), outs):
            with col:
                st.markdown(f"**{entry['precision']}** on `{provider}` · median latency {seconds * 1e3:.3f} ms")
                _prediction(e, next(iter(out.values())), truth)


def manifest_download(manifest: dict) -> None:
    st.download_button("Download manifest.json", cache.read_bytes(zoo.manifest_path(zoo.EXPORTED)), "manifest.json",
                       "application/json", key="dl_manifest")
    st.caption(f"Built {manifest.get('built', '?')}{' (quick build)' if manifest.get('quick') else ''}; "
               f"{len(manifest['models'])} files. Every file is checked against its sha256 in the manifest before it "
               "is offered or run. Rebuild with `python -m core build`; check with `python -m core verify`.")
