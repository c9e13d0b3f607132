"""Experiments: a grid or random search over Playground settings, many trainings at once, on Ray.

Each run is exactly a Playground training (``torch.manual_seed(seed)``, build the MLP, ``fit`` with
the same seed on ``data.load(dataset, seed, ...)``), so a run gives the same numbers alone or inside an
experiment, on one machine or on a cluster. The runs are Ray tasks (Moritz et al. 2018, "Ray: A
Distributed Framework for Emerging AI Applications"): by default on a local Ray started with this
machine's cores, on a cluster when ``RAY_ADDRESS`` or the page names one, and in this process, one
after another, where Ray cannot start. A run that diverges is marked and the others go on.
"""

from __future__ import annotations

import itertools
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from core import boundary, data, models
from core.errors import ConfigError, CoreError, DivergenceError
from core.train import OPTIMIZERS, fit

MAX_RUNS = 48  # runs in one experiment
MAX_TOTAL_EPOCHS = 4000  # sum of epochs over the runs of one experiment
PLANE = np.linspace(-3, 3, 30)  # every run's decision boundary on one grid, so two runs can be compared
# The settings a search may vary, with the values it may take (closed sets: a page offers these).
SPACE = {
    "lr": (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0),
    "optimizer": OPTIMIZERS,
    "width": (2, 4, 8, 16, 32, 64),
    "depth": (0, 1, 2, 3, 4),
    "batch_size": (8, 16, 32, 64, 128),
    "l2": (0.0, 0.0001, 0.001, 0.01, 0.1),
    "seed": tuple(range(10)),
}
BASE = {
    "dataset": "moons",
    "n_samples": 400,
    "noise": 0.15,
    "activation": "relu",
    "epochs": 30,
    "lr": 0.01,
    "optimizer": "adam",
    "width": 16,
    "depth": 2,
    "batch_size": 32,
    "l2": 0.0,
    "seed": 0,
}


@dataclass(frozen=True)
class RunResult:
    settings: dict  # the full settings of the run (BASE's keys)
    status: str  # "ok", "diverged" or "failed"
    message: str = ""  # why it diverged or failed
    history: dict = field(default_factory=dict)  # train_loss, val_loss, train_acc, val_acc per epoch
    val_acc: float = float("nan")
    val_loss: float = float("nan")
    proba: np.ndarray | None = None  # (30, 30) P(class 1) over PLANE x PLANE; None for a failed run
    model_config: dict = field(default_factory=dict)  # rebuilds the network (core.models.from_config)
    weights: dict = field(default_factory=dict)  # parameter name -> array
    seconds: float = 0.0
    worker: str = ""  # the host and process that trained it


def plan(base: dict, space: dict, mode: str = "grid", n: int = 12, seed: int = 0) -> list[dict]:
    """The runs' settings: every combination of ``space`` (grid) or ``n`` random draws from it, each over ``base``.

    Raises ConfigError for values outside SPACE and for experiments over the limits on runs and epochs."""
    base = {**BASE, **base}
    for k, values in space.items():
        if k not in SPACE:
            raise ConfigError(f"An experiment may vary {', '.join(SPACE)}; not {k!r}.")
        if not values or any(v not in SPACE[k] for v in values):
            raise ConfigError(f"Pick values of {k} from {list(SPACE[k])}.")
    keys = list(space)
    if mode == "grid":
        total = int(np.prod([len(space[k]) for k in keys])) if keys else 1
        if total > MAX_RUNS:
            raise ConfigError(
                f"This grid has {total} runs; an experiment has at most {MAX_RUNS}. Pick fewer values, "
                "or use random search with a number of runs."
            )
        combos = list(itertools.product(*(space[k] for k in keys)))
    elif mode == "random":
        if not 1 <= int(n) <= MAX_RUNS:
            raise ConfigError(f"A random search has 1 to {MAX_RUNS} runs, got {n}.")
        rng = np.random.default_rng(seed)
        combos = [tuple(space[k][rng.integers(len(space[k]))] for k in keys) for _ in range(int(n))]
    else:
        raise ConfigError(f"mode must be 'grid' or 'random', got {mode!r}.")
    runs = [{**base, **{k: (v.item() if hasattr(v, "item") else v) for k, v in zip(keys, c)}} for c in combos]
    epochs = sum(r["epochs"] for r in runs)
    if epochs > MAX_TOTAL_EPOCHS:
        raise ConfigError(
            f"These {len(runs)} runs train {epochs} epochs in all; an experiment trains at most "
            f"{MAX_TOTAL_EPOCHS}. Lower the epochs or the number of runs."
        )
    return runs


def dataset_of(s: dict) -> data.Dataset:
    return data.load(s["dataset"], int(s["seed"]), n_samples=int(s["n_samples"]), noise=float(s["noise"]))


def model_options(s: dict, ds: data.Dataset) -> dict:
    return {
        "in_features": ds.n_features,
        "widths": (int(s["width"]),) * int(s["depth"]),
        "out_features": ds.n_classes,
        "activation": s["activation"],
        "dropout": 0.0,
        "batch_norm": False,
    }


def train_options(s: dict) -> dict:
    return {
        "optimizer": s["optimizer"],
        "lr": float(s["lr"]),
        "epochs": int(s["epochs"]),
        "batch_size": int(s["batch_size"]),
        "l2": float(s["l2"]),
    }


def train_one(s: dict) -> RunResult:
    """One run, exactly as the Playground trains it; never raises for a bad run (it is marked instead)."""
    start, worker = time.perf_counter(), f"{socket.gethostname()}:{os.getpid()}"
    try:
        ds = dataset_of(s)
        torch.manual_seed(int(s["seed"]))
        model = models.build("mlp", **model_options(s, ds))
        hist = fit(model, ds, seed=int(s["seed"]), device="cpu", record_trajectory=False, **train_options(s))
    except DivergenceError as e:
        return RunResult(dict(s), "diverged", str(e), seconds=time.perf_counter() - start, worker=worker)
    except CoreError as e:
        return RunResult(dict(s), "failed", str(e), seconds=time.perf_counter() - start, worker=worker)
    gx, gy = np.meshgrid(PLANE, PLANE)
    pts = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
    proba = boundary.softmax(boundary.torch_logits(model)(pts))[:, 1].reshape(len(PLANE), len(PLANE))
    curves = {k: list(getattr(hist, k)) for k in ("train_loss", "val_loss", "train_acc", "val_acc")}
    return RunResult(
        dict(s),
        "ok",
        "",
        curves,
        hist.val_acc[-1],
        hist.val_loss[-1],
        proba.astype(np.float32),
        models.config_dict(model),
        {k: v.numpy().copy() for k, v in model.state_dict().items()},
        time.perf_counter() - start,
        worker,
    )


@dataclass(frozen=True)
class Engine:
    kind: str  # "ray-local", "ray-cluster" or "in-process"
    workers: int  # runs trained at once
    note: str = ""  # why Ray is not used, when it is not


def _shield_broken_amdsmi() -> None:
    """zeus pulls in amdsmi, whose import raises KeyError (not ImportError) on a machine without ROCm's
    libamd_smi.so, and Ray imports it while probing for GPUs. Make it an ImportError here and in every
    Ray process this one starts (they inherit PYTHONPATH), so Ray sees no AMD GPU instead of crashing."""
    try:
        import amdsmi  # noqa: F401

        return
    except ImportError:
        return
    except Exception:  # noqa: BLE001, S110  (the broken import raises KeyError: shield it below)
        pass
    sys.modules["amdsmi"] = None
    shim = Path(tempfile.gettempdir()) / "nn_explorer_ray_shim"
    shim.mkdir(exist_ok=True)
    (shim / "amdsmi.py").write_text('raise ImportError("amdsmi without libamd_smi.so")\n')
    root = str(Path(__file__).resolve().parent.parent)
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(shim), root, *parts]))


def check_address(address: str, timeout: float = 3.0) -> None:
    """ConfigError unless something answers at the Ray address (host:port or ray://host:port) within ``timeout``."""
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"A Ray address looks like 10.0.0.5:6379 or ray://10.0.0.5:10001; got {address[:80]!r}.")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError:
        raise ConfigError(
            f"The Ray cluster at {hostport[:80]} does not answer. Check the address and that "
            "`ray start --head` runs there; leave the address empty to use this machine."
        ) from None


def connect(address: str | None = None, workers: int | None = None, use_ray: bool = True) -> Engine:
    """Ray at ``address`` (else RAY_ADDRESS), else a local Ray with this machine's cores, else in-process.

    A cluster that does not answer raises ConfigError (the caller may then connect() without one)."""
    address = (address or os.environ.get("RAY_ADDRESS", "")).strip()
    if not use_ray:
        return Engine("in-process", 1, "Ray was turned off; the runs train one after another in this process.")
    _shield_broken_amdsmi()
    try:
        import ray
    except ImportError:
        return Engine(
            "in-process",
            1,
            "Ray is not installed here (pip install ray); the runs train one after another in this process.",
        )
    if address and address != "auto":
        check_address(address)
    try:
        global _connected_to
        if ray.is_initialized() and _connected_to != address:
            ray.shutdown()
        if not ray.is_initialized():
            root = str(Path(__file__).resolve().parent.parent)
            if address:
                ray.init(
                    address=address,
                    runtime_env={"py_modules": [str(Path(__file__).resolve().parent)]},
                    log_to_driver=False,
                )
            else:
                os.environ["PYTHONPATH"] = os.pathsep.join(
                    dict.fromkeys([root, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]])
                )
                ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False)
        _connected_to = address
        cpus = int(ray.cluster_resources().get("CPU", 1))
    except Exception as e:  # noqa: BLE001  (Ray raises many kinds; every one means: train here instead)
        if address:
            raise ConfigError(
                f"Could not connect to the Ray cluster at {address[:80]} ({type(e).__name__}); "
                "leave the address empty to use this machine."
            ) from None
        return Engine(
            "in-process",
            1,
            f"Ray could not start here ({type(e).__name__}); the runs train one after another in this process.",
        )
    return Engine("ray-cluster" if address else "ray-local", max(1, cpus))


_remote = None
_connected_to: str | None = None  # the address Ray was started with here ("" for the local one)


def alive() -> bool:
    """Whether the Ray this process connected to is still initialized here."""
    if _connected_to is None:
        return False
    import ray

    return ray.is_initialized()


def disconnect() -> None:
    """Stop (or leave) the Ray this process started or joined."""
    global _connected_to, _remote
    if _connected_to is not None:
        import ray

        try:
            ray.shutdown()
        except Exception:  # noqa: BLE001, S110  (a Ray that died cannot shut down cleanly; it is gone either way)
            pass
    _connected_to, _remote = None, None


def run_all(runs: list[dict], engine: Engine, on_result=None) -> list[RunResult]:
    """Train every run on the engine; on_result(i, result) as each finishes (in any order). Results in run order."""
    global _remote
    results: list[RunResult | None] = [None] * len(runs)
    if engine.kind == "in-process":
        for i, s in enumerate(runs):
            results[i] = train_one(s)
            if on_result:
                on_result(i, results[i])
        return results
    import ray

    try:
        if _remote is None:
            _remote = ray.remote(num_cpus=1)(train_one)
        pending = {_remote.remote(s): i for i, s in enumerate(runs)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                i = pending.pop(ref)
                results[i] = ray.get(ref)
                if on_result:
                    on_result(i, results[i])
    except Exception:  # noqa: BLE001  (Ray went away mid-experiment: finish the rest here, the same runs)
        disconnect()
        for i, s in enumerate(runs):
            if results[i] is None:
                results[i] = train_one(s)
                if on_result:
                    on_result(i, results[i])
    return results


def disagreement(a: RunResult, b: RunResult) -> np.ndarray:
    """(30, 30) booleans: where on the plane the two runs predict different classes."""
    if a.proba is None or b.proba is None:
        raise ConfigError("Both runs must have finished training to compare their decision boundaries.")
    return (a.proba >= 0.5) != (b.proba >= 0.5)


def diff(a: RunResult, b: RunResult) -> dict:
    """Settings that differ ({name: (a, b)}) and metric deltas (b - a)."""
    changed = {k: (a.settings[k], b.settings.get(k)) for k in a.settings if a.settings[k] != b.settings.get(k)}
    return {
        "changed": changed,
        "val_acc": b.val_acc - a.val_acc,
        "val_loss": b.val_loss - a.val_loss,
        "disagree": float(disagreement(a, b).mean()) if a.proba is not None and b.proba is not None else float("nan"),
    }
