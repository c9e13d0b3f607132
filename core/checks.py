"""Checks of values that come from users (widgets, URLs, notebooks): one home for "is this a number
in range", so every core entry point refuses bad input with the project's own error and a message
that names the allowed range, instead of a TypeError from deep inside NumPy or PyTorch."""

from __future__ import annotations

import math
import numbers

from core.errors import ConfigError

MAX_SEED = 2**32 - 1


def real(name: str, value, lo: float, hi: float, *, open_low: bool = False, error=ConfigError) -> float:
    """``value`` as a float in [lo, hi] ((lo, hi] with open_low); bools and strings are refused."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (lo < v if open_low else lo <= v) and v <= hi
    if not ok:
        low = f"above {lo:g}" if open_low else f"from {lo:g}"
        raise error(f"{name} must be a number {low} to {hi:g}, got {value!r:.40}.")
    return float(value)


def whole(name: str, value, lo: int, hi: int, *, error=ConfigError) -> int:
    """``value`` as an int in [lo, hi]; floats with a fraction, bools and strings are refused."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        ok, value = True, int(value)
    if not (ok and lo <= int(value) <= hi):
        raise error(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r:.40}.")
    return int(value)


def choice(name: str, value, options, *, error=ConfigError):
    if not isinstance(value, str) or value not in options:
        raise error(f"Unknown {name} {value!r:.40}; choose one of {', '.join(map(str, options))}.")
    return value


def seed(value, *, error=ConfigError) -> int:
    return whole("The seed", value, 0, MAX_SEED, error=error)


def fits(run, what: str, error=ConfigError):
    """Run ``run()`` (a forward pass on a couple of samples); a shape or type clash becomes ``error``
    saying that the model and the data do not fit together."""
    try:
        return run()
    except (RuntimeError, ValueError, IndexError, TypeError) as e:  # ModelError too: a CoreError is a ValueError
        raise error(
            f"The model does not fit {what}: {str(e).splitlines()[0][:200]}. Build the model for this "
            "data (its inputs and outputs must match the dataset's features and classes)."
        ) from None
