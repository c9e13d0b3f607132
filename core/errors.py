"""The project's own error types: every message says what was wrong and what to do."""


class CoreError(ValueError):
    """Base of every error `core` raises on purpose (bad names, bad settings, bad files)."""


class DatasetError(CoreError):
    """Unknown dataset name, bad dataset option, or user data that cannot be used."""


class ModelError(CoreError):
    """Unknown model name, bad architecture option, or input of the wrong shape."""


class ConfigError(CoreError):
    """A training hyperparameter out of range (negative learning rate, zero epochs, ...)."""


class DivergenceError(CoreError):
    """The loss became NaN or infinite: training stopped instead of carrying garbage on."""

    def __init__(self, message: str, epoch: int, step: int):
        super().__init__(message)
        self.epoch = epoch
        self.step = step


class ZooFileError(CoreError):
    """An exported file is missing, truncated, tampered with, or fails its checks."""


class FileWriteError(CoreError):
    """A file could not be written (a folder given as the path, no permission, no space)."""
