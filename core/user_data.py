"""The user's own CSV: read, validated and size-limited, then turned into a Dataset."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from core.data import MAX_SAMPLES, Dataset, from_arrays
from core.errors import DatasetError

MAX_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 100


def read_csv(raw: bytes) -> pd.DataFrame:
    """Parse CSV bytes; refuse files too big, empty, unparseable, or with too many rows/columns."""
    if len(raw) > MAX_BYTES:
        raise DatasetError(f"The file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB. "
                           "Upload a sample of your rows.")
    if not raw.strip():
        raise DatasetError("The file is empty. Upload a CSV with a header row and at least 20 data rows.")
    try:
        df = pd.read_csv(io.BytesIO(raw))
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise DatasetError(f"This is not a readable CSV ({str(e)[:120]}). Save it as comma-separated text "
                           "with a header row.") from None
    if df.shape[1] < 2:
        raise DatasetError("The CSV needs at least two columns: one or more features and a label.")
    if df.shape[1] > MAX_COLUMNS or len(df) > MAX_SAMPLES:
        raise DatasetError(f"At most {MAX_SAMPLES} rows and {MAX_COLUMNS} columns; this file has "
                           f"{len(df)} rows and {df.shape[1]} columns.")
    return df


def numeric_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]


def to_dataset(df: pd.DataFrame, features: list[str], label: str, task: str, seed: int = 0) -> Dataset:
    """A Dataset from chosen columns. Rows with an empty feature or label are dropped, and said so."""
    if not features:
        raise DatasetError("Pick at least one feature column.")
    if label in features:
        raise DatasetError(f"The label column {label!r} cannot also be a feature.")
    bad = [c for c in features if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise DatasetError(f"Feature columns must be numeric; {bad} hold text. Pick numeric columns or encode them first.")
    sub = df[features + [label]].replace([np.inf, -np.inf], np.nan).dropna()
    if len(sub) < 20:
        raise DatasetError(f"Only {len(sub)} rows have every chosen column filled; at least 20 are needed.")
    y = sub[label].to_numpy()
    return from_arrays(sub[features].to_numpy(float), y, task=task, name="your CSV", seed=seed,
                       feature_names=features)
