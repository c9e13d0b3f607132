"""Compute core of the neural-network explorer: data, models, training, ONNX export and runtime.

Never imports streamlit or altair: it runs in notebooks and on the GPU machine too.
Submodules are imported on use (``import core.data``), so ``import core`` stays cheap.
"""

from core.errors import (  # noqa: F401  (re-exported for users of the library)
    ConfigError,
    CoreError,
    DatasetError,
    DivergenceError,
    ModelError,
    ZooFileError,
)

__all__ = ["CoreError", "DatasetError", "ModelError", "ConfigError", "DivergenceError", "ZooFileError"]
