"""Cached access to the zoo and the runtime: shared by every page and every user, never mutated.

Zoo files are checked against the manifest's sha256 once per file version: the cache key is the
file's path, mtime_ns and size, so a file replaced on disk is checked (and served) afresh.
"""

from __future__ import annotations

import json
import os

import streamlit as st

from core import runtime, zoo
from core.errors import ZooFileError


def stat_key(path) -> tuple[int, int]:
    """(mtime_ns, size): a new value whenever the file is replaced or rewritten; (0, -1) when absent."""
    try:
        s = os.stat(path)
    except OSError:
        return 0, -1
    return s.st_mtime_ns, s.st_size


@st.cache_data(show_spinner=False)
def _manifest(directory: str, stamp: tuple[int, int]) -> dict:
    return zoo.load_manifest(directory)


def manifest() -> dict:
    """The zoo manifest (raises ZooFileError with what to do when it is missing or malformed)."""
    return _manifest(str(zoo.EXPORTED), stat_key(zoo.manifest_path(zoo.EXPORTED)))


@st.cache_data(show_spinner="Verifying the zoo: sha256, onnx.checker, onnxruntime against PyTorch...")
def _verify(directory: str, stamp: tuple[int, int]) -> list[dict]:
    return [c.__dict__ for c in zoo.verify(directory)]


def verification() -> list[dict]:
    return _verify(str(zoo.EXPORTED), stat_key(zoo.manifest_path(zoo.EXPORTED)))


@st.cache_data(show_spinner=False)
def system_info() -> dict:
    return runtime.info()


@st.cache_data(show_spinner=False, max_entries=256)
def _checked(directory: str, record_json: str, family: str, stamp: tuple[int, int]) -> tuple[bytes | None, str | None]:
    try:
        return zoo.read_checked(json.loads(record_json), directory, family), None
    except ZooFileError as e:
        return None, str(e)


def checked(record: dict, family: str) -> tuple[bytes | None, str | None]:
    """(the file's bytes, None) when a manifest file record's file matches its sha256 and size, else
    (None, what is wrong and how to fix it). Hashed once per file version, good or bad."""
    try:
        path = zoo.path_in(zoo.EXPORTED, record["file"])
    except ZooFileError as e:
        return None, str(e)
    return _checked(str(zoo.EXPORTED), json.dumps(record, sort_keys=True), family, stat_key(path))


def session(path: str, device: str = "auto") -> runtime.Session:
    """A shared onnxruntime session, re-created when the file changes on disk (runtime.session keys
    its cache on the file's mtime_ns and size)."""
    return runtime.session(path, device=device)


@st.cache_data(show_spinner=False)
def file_bytes(path: str, stamp: tuple[int, int]) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def read_bytes(path) -> bytes:
    path = os.fspath(path)
    return file_bytes(path, stat_key(path))


@st.cache_data(show_spinner=False, max_entries=32)
def dataset(name: str, seed: int, options_json: str):
    """A built-in dataset (options as sorted JSON), generated once rather than on every rerun."""
    from core import data

    return data.load(name, seed=seed, **json.loads(options_json))


@st.cache_data(show_spinner=False, max_entries=64)
def operator_graph(path: str, stamp) -> tuple[str, dict]:
    """(DOT drawing, operator counts) of an ONNX file, read once per file version."""
    from core import graph

    return graph.onnx_dot(path), graph.operator_counts(path)


@st.cache_resource(show_spinner=False, max_entries=8)
def zoo_dataset(name: str, seed: int, options_json: str):
    """A zoo model's dataset, shared without copying: the BigModel's is 20,000 x 1,000 floats, too big
    to unpickle on every rerun. Readers never mutate it (Dataset is frozen; its arrays are only read)."""
    from core import data

    return data.load(name, seed=seed, **json.loads(options_json))
