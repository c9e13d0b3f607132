"""onnxruntime against PyTorch eager (and torch.compile where it works) for every zoo model, at
several batch sizes, through core.runtime.session: the path the app serves."""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.common import compare
from core import runtime, zoo

GOALS = {1: 3.0}  # ORT / torch eager at batch 1 (issue 15); 1x at every larger batch
TOL = {"fp32": 1e-4}


def _inputs(e: dict, batch: int) -> np.ndarray:
    ds = zoo.dataset_of(e)
    X = np.concatenate([ds.X_val] * (batch // len(ds.X_val) + 1))[:batch]
    return np.ascontiguousarray(X)


def _check(e, sess, model, X) -> str:
    with torch.no_grad():
        ref = model(torch.as_tensor(X)).numpy()
    out = next(iter(sess.run(X).values()))
    if e["precision"] == "fp32":
        err = float(np.abs(out - ref).max())
        if not err <= TOL["fp32"]:
            raise AssertionError(f"{e['name']}: onnxruntime differs from PyTorch by {err:.2e}")
        return f"max |diff| {err:.1e}"
    if e["task"] == "regression":
        err = float(np.abs(out - ref).max() / (np.abs(ref).max() + 1e-12))
        if err > 0.1:
            raise AssertionError(f"{e['name']}: int8 differs from fp32 by {err:.1%} of the output range")
        return f"max |diff| {err:.1%} of range"
    agree = float((out.argmax(-1) == ref.argmax(-1)).mean())
    if agree < 0.95:
        raise AssertionError(f"{e['name']}: int8 agrees with fp32 on only {agree:.1%} of predictions")
    return f"argmax agrees {agree:.1%}"


def run(quick: bool) -> list:
    batches = (1, 256) if quick else (1, 64, 256, 1024)
    entries = [e for e in zoo.load_manifest()["models"] if not zoo.entry_problems(e)]
    if quick:
        entries = [e for e in entries if e["family"] in ("moons_mlp", "reverse_transformer")]
    pairs = []
    for e in entries:
        model = zoo.load_model(e).eval()
        sess = runtime.session(zoo.path_in(zoo.EXPORTED, e["file"]), device="cpu")
        for batch in batches:
            X = _inputs(e, batch)
            check = _check(e, sess, model, X)
            t = torch.as_tensor(X)

            def eager(t=t):
                with torch.no_grad():
                    model(t)

            pairs.append(
                compare(
                    "inference",
                    f"{e['name']} batch {batch}",
                    "torch eager",
                    eager,
                    f"onnxruntime {e['precision']}",
                    lambda X=X: sess.run(X),
                    check,
                    rounds=3 if quick else 7,
                    min_time=0.02 if quick else 0.1,
                    goal=GOALS.get(batch, 1.0) if e["precision"] == "fp32" else None,
                )
            )
    return pairs
