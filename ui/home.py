"""The home page's cards and status panel."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import CoreError
from ui import cache

ROOT = Path(__file__).resolve().parent.parent

# (page file, title, what it teaches). Only pages that exist get a card.
PAGES = (
    ("pages/1_Playground.py", "🎛️ Training playground",
     "Train a network on toy data, the digits or your own CSV: losses, optimizers, regularization, "
     "live curves and decision boundaries, metrics, ONNX export."),
    ("pages/2_Model_zoo.py", "🗂️ Model zoo",
     "Every exported ONNX model: what it is, how faithful its export is, its operator graph, "
     "try it live through onnxruntime and download it."),
    ("pages/3_Loss_surface.py", "⛰️ Loss surface",
     "The landscape gradient descent walks: optimizers racing on toy surfaces, and the loss "
     "around a trained network (Li et al. 2018): yours from the playground, a zoo model, or two "
     "compared for sharpness."),
    ("pages/4_Backprop.py", "🔢 Backpropagation",
     "One training step, every number: forward pass, deltas, gradients and the update, "
     "checked against autograd and finite differences."),
    ("pages/5_Regularization.py", "🛡️ Regularization",
     "Why models overfit and what L1, L2, dropout, early stopping, batch norm and augmentation do to "
     "the boundary, the weights and the gap, side by side; strength sweeps."),
    ("pages/6_Attention.py", "👁️ Attention",
     "Attention maps of a Transformer trained here on tasks whose right pattern is known, and of a real "
     "pretrained MiniLM: every layer and head, head view, rollout, ablation, sentence similarity."),
)


def cards() -> None:
    shown = [p for p in PAGES if (ROOT / p[0]).exists()]
    cols = st.columns(2)
    for i, (path, title, teaches) in enumerate(shown):
        with cols[i % 2].container(border=True):
            st.markdown(f"**{title}**")
            st.caption(teaches)
            st.page_link(path, label=f"Open {title.split(' ', 1)[1]}", icon="➡️")


def status_panel() -> None:
    info = cache.system_info()
    st.subheader("Status")
    c1, c2, c3 = st.columns(3)
    c1.metric("PyTorch device", info["torch_device"])
    c2.metric("onnxruntime provider in use", info["ort_provider_in_use"].replace("ExecutionProvider", ""))
    c3.metric("CPU cores", info["cpu_count"])
    listed = ", ".join(info["ort_providers"])
    if "CUDAExecutionProvider" in info["ort_providers"] and not info["ort_cuda_works"]:
        st.caption(f"onnxruntime lists {listed}, but its CUDA provider does not load here (no GPU or CUDA "
                   "libraries), so every session runs on the CPU provider.")
    else:
        st.caption(f"onnxruntime providers available: {listed}.")
    st.caption(f"Versions: torch {info['torch']}, onnx {info['onnx']}, onnxruntime {info['onnxruntime']}.")
    try:
        checks = cache.verification()
        manifest = cache.manifest()
    except CoreError as e:
        st.error(str(e))
        return
    by_name = {c["name"]: c for c in checks}
    rows = [{"model": e["name"], "precision": e["precision"], "task": e["task"],
             "verified": "yes" if by_name[e["name"]]["ok"] else "NO",
             "check": by_name[e["name"]]["message"], "provider": by_name[e["name"]]["provider"]}
            for e in manifest["models"]]
    ok = sum(c["ok"] for c in checks)
    st.markdown(f"**Zoo:** {ok} of {len(checks)} exported models present and verified "
                f"(file sha256, `onnx.checker`, onnxruntime output against PyTorch).")
    st.dataframe(rows, hide_index=True, width="stretch")
