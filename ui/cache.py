"""Cached access to the zoo and the runtime: shared by every page and every user, never mutated."""

from __future__ import annotations

import os

import streamlit as st

from core import runtime, zoo


def _manifest_stamp() -> float:
    p = zoo.manifest_path()
    return p.stat().st_mtime if p.exists() else 0.0


@st.cache_data(show_spinner=False)
def _manifest(stamp: float) -> dict:
    return zoo.load_manifest()


def manifest() -> dict:
    """The zoo manifest (raises ZooFileError with what to do when it is missing)."""
    return _manifest(_manifest_stamp())


@st.cache_data(show_spinner="Verifying the zoo: sha256, onnx.checker, onnxruntime against PyTorch...")
def _verify(stamp: float) -> list[dict]:
    return [c.__dict__ for c in zoo.verify()]


def verification() -> list[dict]:
    return _verify(_manifest_stamp())


@st.cache_data(show_spinner=False)
def system_info() -> dict:
    return runtime.info()


@st.cache_resource(show_spinner=False)
def session(path: str, device: str = "auto") -> runtime.Session:
    """A shared onnxruntime session; re-created when the file changes on disk."""
    return runtime.session(path, device=device)


@st.cache_data(show_spinner=False)
def file_bytes(path: str, mtime: float) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def read_bytes(path) -> bytes:
    path = os.fspath(path)
    return file_bytes(path, os.stat(path).st_mtime)


@st.cache_data(show_spinner=False, max_entries=32)
def dataset(name: str, seed: int, options_json: str):
    """A built-in dataset (options as sorted JSON), generated once rather than on every rerun."""
    import json

    from core import data
    return data.load(name, seed=seed, **json.loads(options_json))


@st.cache_data(show_spinner=False, max_entries=64)
def operator_graph(path: str, mtime: float) -> tuple[str, dict]:
    """(DOT drawing, operator counts) of an ONNX file, read once per file version."""
    from core import graph
    return graph.onnx_dot(path), graph.operator_counts(path)
