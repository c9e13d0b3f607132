"""Typed, frozen records of what crosses module and page boundaries.

A trained model travels as a ``TrainedModel``: its config and weights (which rebuild it, as
nanoGPT's checkpoints carry ``model_args``), the loss it was trained with, its data, and its
history with the path through weight space. Every page that trains produces one; every page
that studies a model reads one, so a loss surface can only show the loss its model was trained with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core import losses, models
from core.data import Dataset


@dataclass(frozen=True)
class TrainedModel:
    config: dict  # the network's config with its kind (core.models.config_dict): rebuilds it
    state: (
        dict  # parameter and buffer name -> NumPy array: the weights it ended with (early stopping: the kept epoch's)
    )
    loss: str  # the loss it was trained with, a key of core.losses.LOSSES
    dataset: Dataset  # the data it was trained on
    history: object = None  # core.train.History (curves, training config, trajectory); None: final weights only (zoo)
    name: str = "model"  # what the pages call it

    @classmethod
    def of(cls, model: nn.Module, dataset: Dataset, history=None, loss: str | None = None, name: str = "model"):
        """The record of a model as it is now; the loss is the history's, else ``loss``, else the task's default."""
        loss = history.config["loss"] if history is not None else losses.resolve(loss, dataset.task)
        state = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
        return cls(models.config_dict(model), state, loss, dataset, history, name)

    def build(self) -> nn.Module:
        """A fresh copy of the network, in eval mode, on the CPU."""
        model = models.from_config(self.config)
        model.load_state_dict({k: torch.as_tensor(v) for k, v in self.state.items()})
        return model.eval()

    @property
    def trajectory(self) -> np.ndarray | None:
        """(epochs kept + 1, parameters): row 0 the initial weights, the last row the weights held. Under
        early stopping the path ends at the kept epoch; None when no path was recorded."""
        if self.history is None or self.history.trajectory is None:
            return None
        return self.history.trajectory[: self.history.best_epoch + 1]

    def fingerprint(self) -> str:
        """A short hash of the config and every weight: equal records, equal fingerprints (cache keys, file names)."""
        h = hashlib.sha1(json.dumps(self.config, sort_keys=True).encode())
        for name in sorted(self.state):
            h.update(name.encode())
            h.update(np.ascontiguousarray(self.state[name]).tobytes())
        return h.hexdigest()[:16]

    @property
    def is_transformer(self) -> bool:
        return self.config.get("kind") == "transformer"
