"""Every optimizer the explorer trains with, in one table, as data: training, the toy surfaces and
the bundle's standalone script all build their optimizer from it (the script from its JSON).

Each entry names the torch.optim class, which of its arguments come from the training config
(``from_config``: torch argument -> config field) and which are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from core.errors import ConfigError


@dataclass(frozen=True)
class Optimizer:
    name: str  # the key in OPTIMIZERS, stored in every config
    label: str  # what the learner reads
    torch_class: str  # the class in torch.optim
    from_config: dict = field(default_factory=dict)  # torch argument -> training-config field
    fixed: dict = field(default_factory=dict)  # torch argument -> constant


OPTIMIZERS = {
    "sgd": Optimizer("sgd", "SGD", "SGD"),
    "momentum": Optimizer("momentum", "SGD with momentum", "SGD", {"momentum": "momentum"}),
    "nesterov": Optimizer("nesterov", "Nesterov momentum", "SGD", {"momentum": "momentum"}, {"nesterov": True}),
    "adagrad": Optimizer("adagrad", "Adagrad", "Adagrad"),
    "rmsprop": Optimizer("rmsprop", "RMSprop", "RMSprop"),
    "adam": Optimizer("adam", "Adam", "Adam"),
    "adamw": Optimizer("adamw", "AdamW", "AdamW", {"weight_decay": "weight_decay"}),
}
DEFAULTS = {"momentum": 0.9, "weight_decay": 0.01}  # config fields an optimizer may read, when not given


def check(name: str) -> str:
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ConfigError(f"Unknown optimizer {name!r:.40}; choose one of {', '.join(OPTIMIZERS)}.")
    return name


def make(name: str, params, lr: float, **config) -> torch.optim.Optimizer:
    """The torch optimizer ``name`` over ``params``; ``config`` may hold momentum and weight_decay."""
    o = OPTIMIZERS[check(name)]
    values = {**DEFAULTS, **config}
    kwargs = {arg: values[f] for arg, f in o.from_config.items()}
    return getattr(torch.optim, o.torch_class)(params, lr=lr, **kwargs, **o.fixed)


def as_json() -> dict:
    """The table as plain data, for scripts that run without this package."""
    return {n: {"class": o.torch_class, "from_config": o.from_config, "fixed": o.fixed} for n, o in OPTIMIZERS.items()}
