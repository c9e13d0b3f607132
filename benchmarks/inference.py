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


def _compiled(model):
    """torch.compile's inductor build of the model (static shapes: one build per batch size), or
    None where it does not work on this machine (it needs a C++ compiler on a CPU)."""
    torch._dynamo.reset()  # each model starts with a fresh cache: the MLPs share one forward's code,
    # and eight builds of it (dynamo's limit) would silently fall back to eager for the rest
    try:
        return torch.compile(model, dynamic=False)
    except Exception:  # noqa: BLE001 -- "where it works"
        return None


def _compiled_pair(e, compiled, sess, X, quick: bool):
    """onnxruntime against torch.compile at one batch size, after checking their outputs agree."""
    t = torch.as_tensor(X)
    try:
        with torch.no_grad():
            out = compiled(t)
    except Exception as err:  # noqa: BLE001 -- a failed build is reported, not fatal
        print(f"  torch.compile failed on {e['name']}: {type(err).__name__}: {str(err)[:120]}")
        return None
    ref = next(iter(sess.run(X).values()))
    err = float(np.abs((out[0] if isinstance(out, tuple) else out).numpy() - ref).max())
    if not err <= TOL["fp32"]:
        raise AssertionError(f"{e['name']}: torch.compile differs from onnxruntime by {err:.2e}")

    def base(t=t):
        with torch.no_grad():
            compiled(t)

    return compare(
        "inference",
        f"{e['name']} batch {len(X)}",
        "torch.compile",
        base,
        "onnxruntime fp32",
        lambda: sess.run(X),
        f"max |diff| {err:.1e}",
        rounds=3 if quick else 7,
        min_time=0.02 if quick else 0.1,
    )


def run(quick: bool) -> list:
    batches = (1, 256) if quick else (1, 64, 256, 1024)
    entries = [e for e in zoo.load_manifest()["models"] if not zoo.entry_problems(e)]
    if quick:
        entries = [e for e in entries if e["family"] in ("moons_mlp", "reverse_transformer")]
    pairs = []
    for e in entries:
        model = zoo.load_model(e).eval()
        sess = runtime.session(zoo.path_in(zoo.EXPORTED, e["file"]), device="cpu")
        compiled = _compiled(model) if not quick and e["precision"] == "fp32" else None
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
            if compiled is not None:
                pair = _compiled_pair(e, compiled, sess, X, quick)
                pairs += [pair] if pair is not None else []
    return pairs
