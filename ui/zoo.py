"""Zoo page pieces: the overview, a model card, its try-it box and its downloads (each file served
only after its sha256 matched the manifest)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import streamlit as st

from core import attention, bigmodel_data, zoo
from core.boundary import softmax
from core.errors import CoreError
from ui import cache, url_state
from ui.charts import zoo as charts
from ui.i18n import N_, _

MAX_TEXT = 200  # characters the sequence box reads; longer text is refused before any parsing
MAX_EDITABLE = 64  # features the try-it row editor shows; wider inputs are picked from the validation set
TASKS = {"classification": N_("classification"), "regression": N_("regression"), "sequence": N_("sequence")}
METRICS = {"accuracy": N_("accuracy"), "sequence_accuracy": N_("sequence accuracy"), "mse": N_("MSE"), "r2": "R²"}
# The cards' summaries, translatable (a model of another name shows its manifest's summary)
SUMMARIES = {
    "moons_mlp": N_("Two-moons classifier: a curved decision boundary from two ReLU layers."),
    "digits_mlp": N_("The articles' 784-128-10 MNIST network, at 8x8 pixels: 64-128-10."),
    "iris_mlp": N_("The articles' Iris network 4-10-8-3: three species from four measurements."),
    "regression_mlp": N_("Regression on the articles' y = x line with noise: MSE loss, one output."),
    "reverse_transformer": N_("Transformer that reverses 8 digits: each output reads one mirrored position."),
    "shift_transformer": N_("Transformer whose output i copies input i+2: a known attention pattern."),
    "sort_transformer": N_("Transformer that sorts 8 digits: attention must compare every pair."),
    "bigmodel_mlp": N_(
        "The articles' BigModel 1000-200-100-1 (ReLU, MSE, Adam, lr 0.001) on y = w·x + noise in "
        "1,000 features: the best R² any model can reach there is known, 1/(1 + noise²)."
    ),
}


def schema(names: list[str]) -> url_state.Schema:
    """The page's link: which model's card is open (one of the manifest's models)."""
    return url_state.Schema("zoo", (url_state.Choice("model", names[0], key="zoo_model", choices=tuple(names)),))


def fmt_metrics(m: dict) -> str:
    return ", ".join(f"{_(METRICS.get(k, k))} {v:.4f}" for k, v in m.items())


def ceiling(e: dict) -> float | None:
    """The best validation R² possible on the entry's data, where it is known (the BigModel's)."""
    d = e["dataset"]
    noise = d["options"].get("noise")
    return bigmodel_data.best_r2(noise) if d["name"] == "bigmodel" and isinstance(noise, (int, float)) else None


def families(manifest: dict) -> tuple[list[tuple[dict, dict | None]], list[str]]:
    """(fp32 entry, int8 entry or None) of every usable model, and what is wrong with the rest.
    A model without an int8 twin is usable only when its entry records why (the int8 rule)."""
    good, problems = {}, []
    for i, e in enumerate(manifest["models"]):
        wrong = zoo.entry_problems(e)
        if wrong:
            label = e.get("name") if isinstance(e, dict) and isinstance(e.get("name"), str) else f"entry {i}"
            problems.append(
                _(
                    "Manifest entry {label} is malformed ({problems}): it is not offered. Rebuild with "
                    "`python -m core build`, then check with `python -m core verify`."
                ).format(label=repr(label), problems="; ".join(wrong))
            )
        else:
            good[e["name"]] = e
    pairs = []
    for e in good.values():
        if e["precision"] == "fp32":
            int8 = good.get(f"{e['name']}_int8")
            wrong = zoo.twin_problems(e, int8)
            if wrong:
                problems.append(
                    _("{name}: {problems}. Rebuild it with `python -m core build --only {family}`.").format(
                        name=e["name"], problems="; ".join(wrong), family=e["family"]
                    )
                )
            else:
                pairs.append((e, int8))
    return pairs, problems


def overview(pairs) -> pd.DataFrame:
    """One row per model: task, size, both files' sizes and their validation scores."""
    rows = []
    for e, int8 in pairs:
        key = zoo.headline(e["task"])
        rows.append(
            {
                _("model"): e["name"],
                _("task"): _(TASKS.get(e["task"], e["task"])),
                _("parameters"): e["parameters"],
                _("fp32 KB"): e["bytes"] / 1e3,
                _("int8 KB"): int8["bytes"] / 1e3 if int8 else None,
                _("int8 / fp32"): f"{int8['bytes'] / e['bytes']:.0%}" if int8 else _("not shipped"),
                _("validation metric"): _(METRICS[key]),
                _("fp32 score"): e["metrics"][key],
                _("int8 score"): int8["metrics"][key] if int8 else None,
            }
        )
    return pd.DataFrame(rows)


def files_of(e: dict, int8: dict | None) -> dict:
    """{role: (manifest record, bytes or None, problem or None)} for the model's files."""
    records = {"fp32": e, "int8": int8, "checkpoint": e["checkpoint"]}
    return {role: (rec, *cache.checked(rec, e["family"])) for role, rec in records.items() if rec}


def facts(e: dict) -> None:
    st.markdown(
        _("**{precision}** · `{file}` · {size:,} bytes · opset {opset}").format(
            precision=e["precision"], file=e["file"], size=e["bytes"], opset=e["opset"]
        )
    )
    st.markdown(_("Validation: {metrics}").format(metrics=fmt_metrics(e["metrics"])))
    best = ceiling(e)
    if best is not None:
        st.markdown(
            _(
                "Validation R² **{r2:.4f}** against the best possible **{best:.4f}** = 1/(1 + {noise:g}²): "
                "{share:.1%} of the ceiling."
            ).format(
                r2=e["metrics"]["r2"],
                best=best,
                noise=e["dataset"]["options"]["noise"],
                share=e["metrics"]["r2"] / best,
            )
        )
    what = _("vs PyTorch (fp32 outputs)") if e["precision"] == "int8" else _("vs PyTorch")
    st.caption(
        _(
            "onnxruntime {what}: largest absolute difference {err:.2e}. sha256 `{sha}…` (checked against the "
            "manifest before serving)"
        ).format(what=what, err=e["parity_max_abs_err"], sha=e["sha256"][:16])
    )


def no_int8(e: dict) -> None:
    """The int8 rule, said plainly where a model has no int8 file."""
    skip = e["int8_skipped"]
    st.markdown(_("**int8: not shipped**, not worth it."))
    st.info(
        _(
            "Quantized, this model's file would be {int8:,} bytes against {fp32:,} in fp32 ({ratio:.1f}x larger). "
            "int8 stores each weight in 1 byte instead of 4, but it adds scale and zero-point tensors and "
            "quantize/dequantize nodes; on a net of a few hundred weights they outweigh the saving. The zoo "
            "ships an int8 file only where it is smaller than its fp32 twin."
        ).format(int8=skip["int8_bytes"], fp32=skip["fp32_bytes"], ratio=skip["int8_bytes"] / skip["fp32_bytes"])
    )


def card(e: dict, int8: dict | None) -> None:
    files = files_of(e, int8)
    with st.container(border=True):
        st.subheader(e["family"])
        known = SUMMARIES.get(e["family"])
        summary = _(known) if known else e["summary"]
        st.markdown(
            _(
                "{summary}  \n**Task:** {task} on `{dataset}` · **Architecture:** {arch} · **Parameters:** "
                "{params:,} · trained {epochs} epochs on {device} in {seconds:.1f} s"
            ).format(
                summary=summary,
                task=_(TASKS.get(e["task"], e["task"])),
                dataset=e["dataset"]["name"],
                arch=e["architecture"],
                params=e["parameters"],
                epochs=e["epochs_run"],
                device=e["train_device"],
                seconds=e["train_seconds"],
            )
        )
        for rec, content, problem in files.values():
            if problem:
                st.error(_("Not served: {problem}").format(problem=problem), icon="⚠️")
        a, b = st.columns(2)
        with a:
            facts(e)
        with b:
            if int8:
                facts(int8)
            else:
                no_int8(e)
        if int8:
            st.caption(
                _("The int8 file is {ratio:.0%} of the fp32 size: weights in 1 byte instead of 4.").format(
                    ratio=int8["bytes"] / e["bytes"]
                )
            )
        io = [(N_("input"), s) for s in e["inputs"]] + [(N_("output"), s) for s in e["outputs"]]
        st.dataframe(
            pd.DataFrame(
                [{"": _(r), _("name"): s["name"], _("shape"): str(s["shape"]), _("dtype"): s["dtype"]} for r, s in io]
            ),
            hide_index=True,
        )
        labels = {"fp32": "fp32", "int8": "int8", "checkpoint": N_("PyTorch config + weights")}
        for col, (role, (rec, content, problem)) in zip(st.columns(3), files.items()):
            name = rec.get("download", rec["file"])
            if content is not None:
                col.download_button(
                    _("Download {name} ({what})").format(name=name, what=_(labels[role])),
                    content,
                    name,
                    "application/octet-stream",
                    key=f"dl_{e['family']}_{role}",
                )
        if files["fp32"][2] is None:
            with st.expander(_("Operator graph (from the ONNX file)")):
                path = zoo.path_in(zoo.EXPORTED, e["file"])
                dot, counts = cache.operator_graph(str(path), cache.stat_key(path))
                st.caption(", ".join(f"{op} x{n}" for op, n in counts.items()))
                st.graphviz_chart(dot)
        try_it(e, [ent for ent, role in ((e, "fp32"), (int8, "int8")) if ent and files[role][2] is None])


def tokens_from_text(text: str, vocab_size: int, max_len: int) -> np.ndarray:
    """The sequence box's text as (1, T) int64 tokens; anything but plain ASCII digits ('²', '①', markup) is refused."""
    if not isinstance(text, str) or len(text) > MAX_TEXT or not re.fullmatch(r"[0-9,\s]*", text, flags=re.ASCII):
        raise CoreError(
            _("Type 2 to {max_len} plain digits 0-{top} separated by spaces, for example 3 1 4 1 5 9 2 6.").format(
                max_len=max_len, top=vocab_size - 1
            )
        )
    if any(len(t) > 3 for t in text.replace(",", " ").split()):
        raise CoreError(
            _("Each token is one digit 0-{top}: separate them by spaces, for example 3 1 4 1.").format(
                top=vocab_size - 1
            )
        )
    return attention.parse_tokens(text, vocab_size, max_len)


def features_from(values) -> np.ndarray:
    """The edited feature row as float32 (1, features); refuses empty cells, text and out-of-range numbers."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        x = np.array([np.nan])  # an empty cell or text
    if not np.isfinite(x).all() or (np.abs(x) > 1e30).any():
        raise CoreError(_("Every input cell needs a number between -1e30 and 1e30."))
    return x.astype(np.float32).reshape(1, -1)


def _input_for(e: dict, ds, key: str):
    """The user's input: a validation row picked by index, then editable (when it is narrow enough)."""
    idx = int(
        st.number_input(
            _("Validation sample (0 to {last})").format(last=len(ds.X_val) - 1),
            0,
            len(ds.X_val) - 1,
            0,
            key=f"{key}_idx",
        )
    )
    if e["task"] == "sequence":
        c, default = e["config"], " ".join(str(t) for t in ds.X_val[idx])
        text = st.text_input(
            _("Sequence of digits 0-{top} (edit it; 2 to {max_len})").format(
                top=c["vocab_size"] - 1, max_len=c["max_len"]
            ),
            default,
            key=f"{key}_seq_{idx}",
        )
        return tokens_from_text(text, c["vocab_size"], c["max_len"]), None
    if ds.n_features > MAX_EDITABLE:
        st.caption(
            _("{n:,} input features are too many to edit here: the sample runs as drawn.").format(n=ds.n_features)
        )
        return ds.X_val[idx : idx + 1], ds.y_val[idx]
    st.caption(_("Inputs are standardized features (mean 0, standard deviation 1 over the training split)."))
    row = pd.DataFrame([ds.X_val[idx]], columns=[str(f) for f in ds.feature_names])
    edited = st.data_editor(row, key=f"{key}_row_{idx}", hide_index=True, num_rows="fixed")
    return features_from(edited.to_numpy(dtype=object)), ds.y_val[idx]


def _prediction(e: dict, logits: np.ndarray, truth) -> None:
    if e["task"] == "sequence":
        st.markdown(_("Prediction: `{tokens}`").format(tokens=" ".join(str(t) for t in logits[0].argmax(-1))))
    elif e["task"] == "regression":
        st.markdown(
            _("Prediction: **{value:.4f}**").format(value=float(logits[0, 0]))
            + (_(" (true {value:.4f})").format(value=float(np.ravel(truth)[0])) if truth is not None else "")
        )
    else:
        p, names = softmax(logits)[0], e["classes"]
        st.markdown(
            _("Prediction: **{name}** ({p:.1%})").format(name=names[int(p.argmax())], p=p.max())
            + (_(" · true class: {name}").format(name=names[int(truth)]) if truth is not None else "")
        )
        st.altair_chart(
            charts.probabilities(names, p, _("Class probabilities"), _("probability"), _("class")), width="stretch"
        )


def try_it(e: dict, runnable: list[dict]) -> None:
    with st.expander(_("Try it: run through onnxruntime")):
        if not runnable:
            st.warning(_("No file of this model passed its sha256 check, so none is run."))
            return
        key, d = f"try_{e['family']}", e["dataset"]
        try:
            ds = cache.zoo_dataset(d["name"], d["seed"], json.dumps(d["options"], sort_keys=True))
            x, truth = _input_for(e, ds, key)
            sessions = [(entry, cache.session(str(zoo.path_in(zoo.EXPORTED, entry["file"])))) for entry in runnable]
            outs = [(entry, sess.provider, *sess.timed_run(x)) for entry, sess in sessions]
        except CoreError as err:
            st.error(str(err))
            return
        for col, (entry, provider, out, seconds) in zip(st.columns(2), outs):
            with col:
                st.markdown(
                    _("**{precision}** on `{provider}` · median latency {ms:.3f} ms").format(
                        precision=entry["precision"], provider=provider, ms=seconds * 1e3
                    )
                )
                _prediction(e, next(iter(out.values())), truth)


def manifest_download(manifest: dict) -> None:
    st.download_button(
        _("Download manifest.json"),
        cache.read_bytes(zoo.manifest_path(zoo.EXPORTED)),
        "manifest.json",
        "application/json",
        key="dl_manifest",
    )
    st.caption(
        _(
            "Built {built}{quick}; {n} files. Every file is checked against its sha256 in the manifest before it "
            "is offered or run. Rebuild with `python -m core build`; check with `python -m core verify`."
        ).format(
            built=manifest.get("built", "?"),
            quick=_(" (quick build)") if manifest.get("quick") else "",
            n=len(manifest["models"]),
        )
    )
