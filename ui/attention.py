"""Attention page pieces: the toy controls, the trained model kept per session, cached sessions, and what
the page says about the text it was given."""

from __future__ import annotations

import re

import streamlit as st

from core import attention, minilm, models, runtime, zoo
from core.attention import ToySettings
from core.records import TrainedModel

TRAINED = "att_model"  # session state: the TrainedModel of the last press of Train (plain data, no live module)
TOY_DIR = minilm.CACHE / "toy"  # the toy models' ONNX files, named by a hash of their weights
TASK_NAMES = {"reverse": "reverse: output i = input 7 − i", "shift": "shift: output i = input (i + 2) mod 8",
              "sort": "sort: output = the input in ascending order"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:])")


def plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped: what the user typed shows as typed."""
    return _MARKDOWN.sub(r"\\\1", text)


def toy_settings(task: str) -> ToySettings:
    """The layer, head and epoch controls, in one row."""
    c = st.columns(3)
    top = models.MAX_TRANSFORMER_LAYERS
    n_layers = int(c[0].number_input(f"Layers (1 to {top})", 1, top, 2, key="att_L"))
    n_heads = int(c[1].selectbox("Heads", [1, 2, 4], index=1, key="att_H"))
    epochs = int(c[2].number_input("Epochs (1 to 60)", 1, 60, 12, key="att_ep"))
    return ToySettings(task, n_layers, n_heads, epochs)


def train(settings: ToySettings) -> TrainedModel:
    """Train with a progress bar (only ever called on a press of Train); the record replaces the last one."""
    bar = st.progress(0.0, text="Training...")
    record = attention.train_toy(settings, on_epoch=lambda e: bar.progress(
        e["epoch"] / e["epochs"], text=f"Epoch {e['epoch']} of {e['epochs']}: token accuracy {e['val_acc']:.1%}"))
    bar.empty()
    st.session_state[TRAINED] = record
    return record


def trained() -> TrainedModel | None:
    return st.session_state.get(TRAINED)


def stale_note(record: TrainedModel, settings: ToySettings) -> str | None:
    """What to say when the settings shown are not those of the model whose results are shown; None if they are."""
    had = attention.settings_of(record)
    if had == settings:
        return None
    changed = [f"{name} {getattr(had, field)} → {getattr(settings, field)}" for field, name in
               (("task", "task"), ("n_layers", "layers"), ("n_heads", "heads"), ("epochs", "epochs"))
               if getattr(had, field) != getattr(settings, field)]
    return (f"The results below are those of the model trained with **{had.describe()}**, not of the settings above "
            f"({', '.join(changed)}). Press **Train** to train with the settings above.")


def toy_caption(record: TrainedModel, model) -> str:
    h = record.history
    return (f"{models.describe(model)}; trained on {h.device} in {h.seconds:.1f} s; "
            f"validation token accuracy {h.val_acc[-1]:.1%}.")


@st.cache_resource(show_spinner=False, max_entries=16)
def _toy_parts(path: str, _record: TrainedModel):
    return runtime.session(path), _record.build()


def toy_parts(record: TrainedModel):
    """(onnxruntime session of the record's exported file, PyTorch model for the head ablation)."""
    return _toy_parts(str(attention.toy_onnx(record, TOY_DIR)), record)


@st.cache_resource(show_spinner=False)
def zoo_parts(name: str):
    """(manifest entry, session, PyTorch model, dataset) of a zoo Transformer."""
    e = zoo.entry(name)
    zoo.read_checked(e, zoo.EXPORTED, e["family"])  # refuse a changed or swapped file before running it
    return e, runtime.session(zoo.path_in(zoo.EXPORTED, e["file"])), zoo.load_model(e), zoo.dataset_of(e)


def toy_model():
    """(task, session, model, dataset) of the model to study, or None (the page says why)."""
    task = st.selectbox("Task", attention.TASKS, key="att_task", format_func=TASK_NAMES.get)
    source = st.radio("Model", ["zoo", "train"], horizontal=True, key="att_source",
                      format_func={"zoo": f"the zoo's {task}_transformer", "train": "train one here"}.get)
    if source == "zoo":
        entry, sess, model, ds = zoo_parts(f"{task}_transformer")
        st.caption(f"{entry['architecture']}; held-out sequence accuracy {entry['metrics']['sequence_accuracy']:.1%}.")
        return task, sess, model, ds
    settings = toy_settings(task)
    if st.button("Train", type="primary", key="att_train"):
        train(settings)
    record = trained()
    if record is None:
        st.info("Press **Train** to train an encoder for this task (about 10-30 s on a CPU).")
        return None
    stale = stale_note(record, settings)
    if stale:
        st.warning(stale)
    sess, model = toy_parts(record)
    st.caption(toy_caption(record, model))
    return attention.settings_of(record).task, sess, model, record.dataset


def head_name(pair: tuple[int, int]) -> str:
    """(layer, head), 0-based -> "layer 1, head 2"."""
    return f"layer {pair[0] + 1}, head {pair[1] + 1}"


def unknown_note(pieces: list[str], unk: str, what: str = "The text") -> tuple[str, str] | None:
    """(level, message) about word pieces outside MiniLM's vocabulary; None when every piece is known."""
    real = [p for p in pieces if p not in ("[CLS]", "[SEP]", "[PAD]")]
    unknown = real.count(unk)
    if not real:
        return "warning", (f"{what} has no word pieces the model can read (only spaces or invisible characters): "
                           "type a sentence.")
    if 2 * unknown > len(real):
        return "warning", (f"{what} is mostly outside the model's vocabulary: {unknown} of its {len(real)} word pieces "
                           f"are read as {unk} (unknown). all-MiniLM-L6-v2 was trained on English text, so for text "
                           "like this its maps and embeddings show how it handles unknown pieces, not what the text "
                           "means. Try an English sentence.")
    if unknown:
        return "info", (f"{unknown} of {len(real)} word pieces are outside the model's 30,522-word-piece vocabulary "
                        f"and are read as {unk}.")
    return None


def show(note):
    """Show a (level, message) note of unknown_note; nothing for None."""
    if note and note[0] == "warning":
        st.warning(note[1])
    elif note:
        st.info(note[1])


@st.cache_resource(show_spinner=False)
def _minilm_parts():
    return runtime.session(minilm.export()), minilm.load_tokenizer()


def minilm_parts():
    """(session, tokenizer); the first use exports the model, and says so while it works."""
    if minilm.ONNX_FILE.exists():
        return _minilm_parts()
    with st.status("Preparing all-MiniLM-L6-v2: loading it from the installed package and exporting it to ONNX "
                   "with attention outputs (first use only, about 10 s)...") as status:
        parts = _minilm_parts()
        status.update(label="all-MiniLM-L6-v2 ready", state="complete")
    return parts


@st.cache_resource(show_spinner="Loading the PyTorch MiniLM for the check...")
def minilm_torch():
    return minilm.load_model()
