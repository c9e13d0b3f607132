"""The user's own CSV: read (comma, semicolon or tab, sniffed), validated and size-limited, then
turned into a Dataset. Every problem is a DatasetError that says what to change."""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
import pandas as pd

from core.data import MAX_SAMPLES, Dataset, from_arrays
from core.errors import DatasetError

MAX_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 100
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
SNIFF_CHARS = 64 * 1024  # the sniffer reads the start of the file: enough rows, however wide


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab, whichever the start of the file is consistently split by; comma if none."""
    try:
        return csv.Sniffer().sniff(text[:SNIFF_CHARS], delimiters="".join(DELIMITER_NAMES)).delimiter
    except csv.Error:
        return ","


def _parse(text: str, sep: str, decimal: str = ".") -> pd.DataFrame:
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, decimal=decimal)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OverflowError, csv.Error) as e:
        raise DatasetError(
            f"This is not a readable CSV ({str(e)[:120]}). Save it as comma-, semicolon- or "
            "tab-separated text with a header row."
        ) from None


def read_csv(raw: bytes) -> pd.DataFrame:
    """Parse CSV bytes; refuse files too big, empty, unparseable, or with too many rows/columns.

    The delimiter used is in ``df.attrs["delimiter"]``. Semicolon files may write decimals with
    a comma (1,5): whichever reading gives more numeric columns is kept."""
    if len(raw) > MAX_BYTES:
        raise DatasetError(
            f"The file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB. "
            "Upload a sample of your rows."
        )
    if not raw.strip():
        raise DatasetError("The file is empty. Upload a CSV with a header row and at least 20 data rows.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetError("The file is not UTF-8 text. Save it as CSV (UTF-8) and upload it again.") from None
    sep = sniff_delimiter(text)
    df = _parse(text, sep)
    if sep == ";":
        comma_decimals = _parse(text, sep, decimal=",")
        if len(numeric_columns(comma_decimals)) > len(numeric_columns(df)):
            df = comma_decimals
    if df.shape[1] < 2:
        raise DatasetError(
            "The CSV needs at least two columns: one or more features and a label. No comma, "
            "semicolon or tab separates the columns of this file."
        )
    if df.shape[1] > MAX_COLUMNS or len(df) > MAX_SAMPLES:
        raise DatasetError(
            f"At most {MAX_SAMPLES} rows and {MAX_COLUMNS} columns; this file has "
            f"{len(df)} rows and {df.shape[1]} columns."
        )
    df.columns = [str(c) for c in df.columns]
    df.attrs["delimiter"] = sep
    return df


def numeric_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]


def usable_rows(df: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, int]:
    """The rows whose chosen cells are all filled and finite, and how many rows were dropped."""
    sub = df[columns].replace([np.inf, -np.inf], np.nan).dropna()
    return sub, len(df) - len(sub)


def to_dataset(df: pd.DataFrame, features: list[str], label: str, task: str, seed: int = 0) -> Dataset:
    """A Dataset from chosen columns. Rows with an empty, NaN or infinite cell are dropped; how many is in
    ``options["rows_dropped"]``, for the page to say."""
    features = list(features)
    if not features:
        raise DatasetError("Pick at least one feature column.")
    missing = [c for c in features + [label] if c not in df.columns]
    if missing:
        raise DatasetError(f"No column named {missing[0]!r} in this file; pick from {list(df.columns)[:10]}.")
    if label in features:
        raise DatasetError(f"The label column {label!r} cannot also be a feature.")
    bad = [c for c in features if c not in numeric_columns(df)]
    if bad:
        raise DatasetError(
            f"Feature columns must be numeric; {bad} hold text. Pick numeric columns or encode them first."
        )
    sub, dropped = usable_rows(df, features + [label])
    if len(sub) < 20:
        raise DatasetError(
            f"Only {len(sub)} rows have every chosen column filled with a finite number; at least 20 are needed."
        )
    ds = from_arrays(
        sub[features].to_numpy(float),
        sub[label].to_numpy(),
        task=task,
        name="your CSV",
        seed=seed,
        feature_names=features,
    )
    return dataclasses.replace(ds, options={**ds.options, "rows_dropped": int(dropped)})
