"""The download bundle of a model trained on the playground: ONNX file, config, metrics, data,
and a standalone PyTorch script that rebuilds and retrains the same network from the config."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from core import models, optimizers
from core.data import Dataset
from core.export import to_onnx_bytes

SCRIPT = '''"""Rebuild and retrain the network described in config.json on data.npz, with plain PyTorch.

    pip install torch numpy && python train.py [--epochs N]
"""
import argparse
import json

import numpy as np
import torch
from torch import nn

# the explorer's optimizer table (core.optimizers), written here as data
OPTIMIZERS = json.loads(\'\'\'__OPTIMIZERS__\'\'\')


def data_loss(out, y, loss, regression):
    """The explorer's losses (core.losses): MSE on the outputs for regression; for classes, cross-entropy
    on the logits, or MSE between softmax probabilities and one-hot targets."""
    if regression:
        return nn.functional.mse_loss(out, y)
    if loss == "mse":
        return nn.functional.mse_loss(torch.softmax(out, -1), nn.functional.one_hot(y, out.shape[-1]).to(out.dtype))
    return nn.functional.cross_entropy(out, y)


def make_optimizer(params, t):
    spec = OPTIMIZERS[t["optimizer"]]
    kwargs = {arg: t[field] for arg, field in spec["from_config"].items()}
    return getattr(torch.optim, spec["class"])(params, lr=t["lr"], **kwargs, **spec["fixed"])


def build_network(m):
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}[m["activation"]]
    layers, width = [], m["in_features"]
    for w in m["widths"]:
        layers += [nn.Linear(width, w)] + ([nn.BatchNorm1d(w)] if m["batch_norm"] else []) + [act()]
        layers += [nn.Dropout(m["dropout"])] if m["dropout"] > 0 else []
        width = w
    return nn.Sequential(*layers, nn.Linear(width, m["out_features"]))


def main():
    config = json.load(open("config.json"))
    m, t = config["model"], config["train"]
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=t["epochs"])
    epochs = parser.parse_args().epochs
    data = np.load("data.npz")
    X_train, y_train, X_val, y_val = (torch.as_tensor(data[k]) for k in ("X_train", "y_train", "X_val", "y_val"))
    model = build_network(m)
    torch.manual_seed(t["seed"])
    opt = make_optimizer(model.parameters(), t)
    regression = config["dataset"]["task"] == "regression"
    weights = [p for p in model.parameters() if p.dim() > 1]
    gen = torch.Generator().manual_seed(t["seed"])
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(X_train), generator=gen)
        for i in range(0, len(order), t["batch_size"]):
            idx = order[i:i + t["batch_size"]]
            xb = X_train[idx]
            if t["input_noise"] > 0:
                xb = xb + t["input_noise"] * torch.randn(xb.shape, generator=gen)
            loss = data_loss(model(xb), y_train[idx], t["loss"], regression)
            loss = loss + t["l1"] * sum(w.abs().sum() for w in weights) + t["l2"] * sum((w * w).sum() for w in weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            out = model(X_val)
            score = data_loss(out, y_val, t["loss"], regression).item()
            acc = "" if regression else f"  val accuracy {(out.argmax(1) == y_val).float().mean().item():.4f}"
        if epoch == epochs or epoch % max(1, epochs // 10) == 0:
            print(f"epoch {epoch:4d}  val loss {score:.4f}{acc}")


if __name__ == "__main__":
    main()
'''


def script() -> str:
    """The standalone train.py, with the optimizer table written in from core.optimizers."""
    return SCRIPT.replace("__OPTIMIZERS__", json.dumps(optimizers.as_json()))


def make_bundle(model, dataset: Dataset, train_config: dict, metrics: dict, name: str = "playground_model") -> bytes:
    """A zip: model.onnx, config.json, metrics.json, data.npz, train.py, README.txt."""
    config = {
        "model": models.config_dict(model),
        "train": train_config,
        "dataset": {
            **dataset.describe(),
            "feature_names": list(dataset.feature_names),
            "class_names": list(dataset.class_names),
            "standardization": {"mean": np.asarray(dataset.mean).tolist(), "std": np.asarray(dataset.std).tolist()},
        },
    }
    onnx_bytes = to_onnx_bytes(model, metadata={"dataset": config["dataset"]})
    npz = io.BytesIO()
    np.savez(npz, X_train=dataset.X_train, y_train=dataset.y_train, X_val=dataset.X_val, y_val=dataset.y_val)
    readme = (
        f"{name}: {models.describe(model)}, trained on {dataset.name}.\n"
        "model.onnx   - the trained network (input 'input': standardized features; output 'output': logits)\n"
        "config.json  - model, training and dataset settings (with the standardization mean and std)\n"
        "metrics.json - validation metrics measured after training\n"
        "data.npz     - the exact train/validation split used\n"
        "train.py     - rebuilds and retrains the same network from config.json: python train.py\n"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{name}/model.onnx", onnx_bytes)
        z.writestr(f"{name}/config.json", json.dumps(config, indent=1))
        z.writestr(f"{name}/metrics.json", json.dumps(metrics, indent=1))
        z.writestr(f"{name}/data.npz", npz.getvalue())
        z.writestr(f"{name}/train.py", script())
        z.writestr(f"{name}/README.txt", readme)
    return buf.getvalue()
