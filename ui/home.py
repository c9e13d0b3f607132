"""The home page's cards and status panel."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.errors import CoreError
from ui import cache
from ui.i18n import N_, _

ROOT = Path(__file__).resolve().parent.parent

TASK_NAMES = {"classification": N_("classification"), "regression": N_("regression"), "sequence": N_("sequence")}

# (page file, title, what it teaches). Only pages that exist get a card.
PAGES = (
    (
        "views/1_Playground.py",
        N_("🎛️ Training playground"),
        N_(
            "Train a network on toy data, the digits or your own CSV: losses, optimizers, regularization, "
            "live curves and decision boundaries, metrics, ONNX export."
        ),
    ),
    (
        "views/2_Model_zoo.py",
        N_("🗂️ Model zoo"),
        N_(
            "Every exported ONNX model: what it is, how faithful its export is, its operator graph, "
            "try it live through onnxruntime and download it."
        ),
    ),
    (
        "views/3_Loss_surface.py",
        N_("⛰️ Loss surface"),
        N_(
            "The landscape gradient descent walks: optimizers racing on toy surfaces, and the loss "
            "around a trained network (Li et al. 2018): yours from the playground, a zoo model, or two "
            "compared for sharpness."
        ),
    ),
    (
        "views/4_Backprop.py",
        N_("🔢 Backpropagation"),
        N_(
            "One training step, every number: forward pass, deltas, gradients and the update, "
            "checked against autograd and finite differences."
        ),
    ),
    (
        "views/5_Regularization.py",
        N_("🛡️ Regularization"),
        N_(
            "Why models overfit and what L1, L2, dropout, early stopping, batch norm and augmentation do to "
            "the boundary, the weights and the gap, side by side; strength sweeps."
        ),
    ),
    (
        "views/6_Attention.py",
        N_("👁️ Attention"),
        N_(
            "Attention maps of a Transformer trained here on tasks whose right pattern is known, and of a real "
            "pretrained MiniLM: every layer and head, head view, rollout, ablation, sentence similarity."
        ),
    ),
    (
        "views/7_Efficiency.py",
        N_("⚡ Efficiency"),
        N_(
            "What learning costs: time, energy and carbon measured or estimated and labelled, predicted before a run, "
            "a calculator that reproduces published figures, and what quantization and distillation save."
        ),
    ),
    (
        "views/10_Network.py",
        N_("🕸️ The network, alive"),
        N_(
            "Every neuron with a map of what it computes over the plane, every weight an edge that changes as it trains: "
            "play, pause, step one batch, see the formulas with the numbers in; features and labels you type or draw."
        ),
    ),
    (
        "views/11_Experiments.py",
        N_("🧪 Experiments"),
        N_(
            "Many trainings at once, on Ray: a grid or random search over the Playground's settings, streamed into a "
            "table and charts; diff two runs; download a lab report."
        ),
    ),
    (
        "views/8_Lessons.py",
        N_("📚 Lessons"),
        N_("The source articles' path in thirteen steps: predict, open the live page in the right state, and see."),
    ),
    (
        "views/9_Glossary.py",
        N_("🔤 Glossary"),
        N_("The articles' terms in Chinese and English, each linked to the page that shows it."),
    ),
)


def nav_entry(path: str) -> dict:
    """st.Page's title and icon for a page file, in the reader's language."""
    for p, title, _teaches in PAGES:
        if p == path:
            icon, name = _(title).split(" ", 1)
            return {"title": name, "icon": icon}
    return {}


def cards() -> None:
    shown = [p for p in PAGES if (ROOT / p[0]).exists()]
    cols = st.columns(2)
    for i, (path, title, teaches) in enumerate(shown):
        with cols[i % 2].container(border=True):
            st.markdown(f"**{_(title)}**")
            st.caption(_(teaches))
            st.page_link(path, label=_("Open {page}").format(page=_(title).split(" ", 1)[1]), icon="➡️")


def status_panel() -> None:
    info = cache.system_info()
    st.subheader(_("Status"))
    c1, c2, c3 = st.columns(3)
    c1.metric(_("PyTorch device"), info["torch_device"])
    c2.metric(_("onnxruntime provider in use"), info["ort_provider_in_use"].replace("ExecutionProvider", ""))
    c3.metric(_("CPU cores"), info["cpu_count"])
    listed = ", ".join(info["ort_providers"])
    if "CUDAExecutionProvider" in info["ort_providers"] and not info["ort_cuda_works"]:
        st.caption(
            _(
                "onnxruntime lists {listed}, but its CUDA provider does not load here (no GPU or CUDA "
                "libraries), so every session runs on the CPU provider."
            ).format(listed=listed)
        )
    else:
        st.caption(_("onnxruntime providers available: {listed}.").format(listed=listed))
    st.caption(
        _("Versions: torch {torch}, onnx {onnx}, onnxruntime {ort}.").format(
            torch=info["torch"], onnx=info["onnx"], ort=info["onnxruntime"]
        )
    )
    try:
        checks = cache.verification()
        manifest = cache.manifest()
    except CoreError as e:
        st.error(str(e))
        return
    by_name = {c["name"]: c for c in checks}
    rows = [
        {
            _("model"): e["name"],
            _("precision"): e["precision"],
            _("task"): _(TASK_NAMES.get(e["task"], e["task"])),
            _("verified"): _("yes") if by_name[e["name"]]["ok"] else _("NO"),
            _("check"): by_name[e["name"]]["message"],
            _("provider"): by_name[e["name"]]["provider"],
        }
        for e in manifest["models"]
    ]
    ok = sum(c["ok"] for c in checks)
    st.markdown(
        _(
            "**Zoo:** {ok} of {total} exported models present and verified "
            "(file sha256, `onnx.checker`, onnxruntime output against PyTorch)."
        ).format(ok=ok, total=len(checks))
    )
    st.dataframe(rows, hide_index=True, width="stretch")
