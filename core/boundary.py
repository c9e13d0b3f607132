"""Decision boundaries of 2-D classifiers: class probabilities on a grid over the data.

The grid is kept to a few thousand points so the chart renders fast.
"""

from __future__ import annotations

import numpy as np

MAX_RESOLUTION = 80  # 80 x 80 = 6,400 cells at most


def grid(X: np.ndarray, resolution: int = 50, margin: float = 0.5):
    """Evenly spaced axes covering the data plus a margin, and the (R*R, 2) points, row-major in y."""
    resolution = int(min(max(resolution, 5), MAX_RESOLUTION))
    lo, hi = X.min(0) - margin, X.max(0) + margin
    xs, ys = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    gx, gy = np.meshgrid(xs, ys)  # (R, R): gx[j, i] = xs[i], gy[j, i] = ys[j]
    return xs, ys, np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def torch_logits(model):
    """Logits through the PyTorch model (any device; its train/eval mode is left as it was)."""
    from core.train import predict

    return lambda points: predict(model, points)


def session_logits(sess):
    """Logits through an onnxruntime session (the ONNX path)."""
    return lambda points: next(iter(sess.run(points).values()))


def decision_boundary(logits_fn, X: np.ndarray, resolution: int = 50) -> dict:
    """{"xs", "ys", "proba" (R, R, classes)}: proba[j, i] is at (xs[i], ys[j])."""
    xs, ys, points = grid(X, resolution)
    proba = softmax(logits_fn(points)).reshape(len(ys), len(xs), -1)
    return {"xs": xs, "ys": ys, "proba": proba}


def onnx_logits(model_bytes: bytes):
    """Logits through a fresh onnxruntime CPU session on an in-memory ONNX model."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    sess = ort.InferenceSession(model_bytes, sess_options=so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return lambda points: sess.run(None, {name: points})[0]
