"""Attention page pieces: the page's settings and their URL, the toy controls, the trained model kept per
session, cached sessions, and what the page says (in the reader's language) about the text it was given."""

from __future__ import annotations

import re

import streamlit as st

from core import attention, minilm, models, runtime, zoo
from core.attention import ToySettings
from core.records import TrainedModel
from ui import url_state, work_queue
from ui.i18n import N_, _

TRAINED = "att_model"  # session state: the TrainedModel of the last press of Train (plain data, no live module)
TOY_DIR = minilm.CACHE / "toy"  # the toy models' ONNX files, named by a hash of their weights
MINILM_HEADS = 12
VIEWS = {"toy": N_("A Transformer trained here"), "minilm": N_("A real pretrained model (MiniLM)")}
TASKS = {"reverse": N_("reverse"), "shift": N_("shift"), "sort": N_("sort")}
TASK_NAMES = {
    "reverse": N_("reverse: output i = input 7 − i"),
    "shift": N_("shift: output i = input (i + 2) mod 8"),
    "sort": N_("sort: output = the input in ascending order"),
}
# One schema for both views: `layer` and `head` pick the map in whichever view is shown (clamped to its model).
# The sentences are free text and stay out of the URL; `lang` is kept so a link keeps its language.
SETTINGS = url_state.Schema(
    "attention",
    (
        url_state.Choice("view", "toy", key="att_view", choices=tuple(VIEWS)),
        url_state.Choice("task", "reverse", key="att_task", choices=attention.TASKS),
        url_state.Choice("source", "zoo", key="att_source", choices=("zoo", "train")),
        url_state.Int("layers", 2, key="att_L", low=1, high=models.MAX_TRANSFORMER_LAYERS),
        url_state.Choice("heads", 2, key="att_H", choices=(1, 2, 4)),
        url_state.Int("epochs", 12, key="att_ep", low=1, high=60),
        url_state.Int("seq", 0, key="att_idx", low=0, high=9999),  # clamped again to the model's validation set
        url_state.Int("layer", 1, key="att_layer", low=1, high=max(minilm.LAYERS, models.MAX_TRANSFORMER_LAYERS)),
        url_state.Int("head", 1, key="att_head", low=1, high=MINILM_HEADS),
    ),
)
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:])")


def plain(text: str) -> str:
    """``text`` with Markdown's special characters escaped: what the user typed shows as typed."""
    return _MARKDOWN.sub(r"\\\1", text)


def clamp(key: str, low: int, high: int) -> None:
    """Keep a bound widget's value within what this model offers (a link may ask for layer 6 of a 2-layer model);
    the URL follows at once."""
    v = st.session_state.get(key)
    if isinstance(v, int) and not low <= v <= high:
        st.session_state[key] = min(max(v, low), high)
        name = next(f.name for f in SETTINGS.fields if f.widget_key == key)
        st.query_params[name] = str(st.session_state[key])


def layer_and_head(n_layers: int, n_heads: int) -> tuple[int, int]:
    """The layer and head pickers in one row; 0-based picks."""
    clamp("att_layer", 1, n_layers)
    clamp("att_head", 1, n_heads)
    c1, c2 = st.columns(2)
    layer = int(c1.selectbox(_("Layer"), range(1, n_layers + 1), key="att_layer"))
    head = int(c2.selectbox(_("Head"), range(1, n_heads + 1), key="att_head"))
    return layer - 1, head - 1


def _count(n: int, one: str, many: str) -> str:
    return (_(one) if n == 1 else _(many)).format(n=n)


def describe(s: ToySettings) -> str:
    """ "reverse, 2 layers × 2 heads, 12 epochs" in the reader's language."""
    return _("{task}, {layers} × {heads}, {epochs}").format(
        task=_(TASKS[s.task]),
        layers=_count(s.n_layers, N_("{n} layer"), N_("{n} layers")),
        heads=_count(s.n_heads, N_("{n} head"), N_("{n} heads")),
        epochs=_count(s.epochs, N_("{n} epoch"), N_("{n} epochs")),
    )


def architecture(c) -> str:
    """A toy Transformer's shape from its config, in the reader's language."""
    return _(
        "Transformer encoder: {layers} × {heads}, d_model {d_model}, d_ff {d_ff}, vocabulary {vocab}, "
        "max length {max_len}"
    ).format(
        layers=_count(c.n_layers, N_("{n} layer"), N_("{n} layers")),
        heads=_count(c.n_heads, N_("{n} head"), N_("{n} heads")),
        d_model=c.d_model,
        d_ff=c.d_ff,
        vocab=c.vocab_size,
        max_len=c.max_len,
    )


def toy_settings(task: str) -> ToySettings:
    """The layer, head and epoch controls, in one row."""
    c = st.columns(3)
    top = models.MAX_TRANSFORMER_LAYERS
    n_layers = int(c[0].number_input(_("Layers (1 to {top})").format(top=top), 1, top, key="att_L"))
    n_heads = int(c[1].selectbox(_("Heads"), [1, 2, 4], key="att_H"))
    epochs = int(c[2].number_input(_("Epochs (1 to 60)"), 1, 60, key="att_ep"))
    return ToySettings(task, n_layers, n_heads, epochs)


def train(settings: ToySettings) -> TrainedModel:
    """Train with a progress bar in a slot of the shared queue (only ever on a press of Train); the record replaces
    the last one."""
    with work_queue.heavy_slot(_("training")):
        bar = st.progress(0.0, text=_("Training..."))
        record = attention.train_toy(
            settings,
            on_epoch=lambda e: bar.progress(
                e["epoch"] / e["epochs"],
                text=_("Epoch {epoch} of {epochs}: token accuracy {acc:.1%}").format(
                    epoch=e["epoch"], epochs=e["epochs"], acc=e["val_acc"]
                ),
            ),
        )
        bar.empty()
    st.session_state[TRAINED] = record
    return record


def stale_note(record: TrainedModel, settings: ToySettings) -> str | None:
    """What to say when the settings shown are not those of the model whose results are shown; None if they are."""
    had = attention.settings_of(record)
    if had == settings:
        return None
    show = {"task": lambda t: _(TASKS[t])}
    changed = [
        _("{name} {old} → {new}").format(
            name=_(name),
            old=show.get(field, str)(getattr(had, field)),
            new=show.get(field, str)(getattr(settings, field)),
        )
        for field, name in (
            ("task", N_("task")),
            ("n_layers", N_("layers")),
            ("n_heads", N_("heads")),
            ("epochs", N_("epochs")),
        )
        if getattr(had, field) != getattr(settings, field)
    ]
    return _(
        "The results below are those of the model trained with **{had}**, not of the settings above "
        "({changed}). Press **Train** to train with the settings above."
    ).format(had=describe(had), changed=_(", ").join(changed))


def toy_caption(record: TrainedModel, model) -> str:
    h = record.history
    return _("{architecture}; trained on {device} in {seconds:.1f} s; validation token accuracy {acc:.1%}.").format(
        architecture=architecture(model.config), device=h.device, seconds=h.seconds, acc=h.val_acc[-1]
    )


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
    task = st.selectbox(_("Task"), attention.TASKS, key="att_task", format_func=lambda t: _(TASK_NAMES[t]))
    source = st.radio(
        _("Model"),
        ["zoo", "train"],
        horizontal=True,
        key="att_source",
        format_func=lambda s: (
            _("the zoo's {name}").format(name=f"{task}_transformer") if s == "zoo" else _("train one here")
        ),
    )
    if source == "zoo":
        entry, sess, model, ds = zoo_parts(f"{task}_transformer")
        st.caption(
            _("{architecture}; held-out sequence accuracy {acc:.1%}.").format(
                architecture=architecture(model.config), acc=entry["metrics"]["sequence_accuracy"]
            )
        )
        return task, sess, model, ds
    settings = toy_settings(task)
    if st.button(_("Train"), type="primary", key="att_train"):
        train(settings)
    record = st.session_state.get(TRAINED)
    if record is None:
        st.info(_("Press **Train** to train an encoder for this task (about 10-30 s on a CPU)."))
        return None
    stale = stale_note(record, settings)
    if stale:
        st.warning(stale)
    sess, model = toy_parts(record)
    st.caption(toy_caption(record, model))
    return attention.settings_of(record).task, sess, model, record.dataset


def map_title(layer: int, head: int) -> str:
    return _("Layer {layer}, head {head}").format(layer=layer + 1, head=head + 1)  # 0-based in, 1-based shown


def head_name(pair: tuple[int, int]) -> str:
    """(layer, head), 0-based -> "layer 1, head 2"."""
    return _("layer {layer}, head {head}").format(layer=pair[0] + 1, head=pair[1] + 1)


def unknown_note(pieces: list[str], unk: str, what: str | None = None) -> tuple[str, str] | None:
    """(level, message) about word pieces outside MiniLM's vocabulary; None when every piece is known."""
    what = what or _("The text")
    real = [p for p in pieces if p not in ("[CLS]", "[SEP]", "[PAD]")]
    unknown = real.count(unk)
    if not real:
        return "warning", _(
            "{what} has no word pieces the model can read (only spaces or invisible characters): type a sentence."
        ).format(what=what)
    if 2 * unknown > len(real):
        return "warning", _(
            "{what} is mostly outside the model's vocabulary: {unknown} of its {total} word pieces "
            "are read as {unk} (unknown). all-MiniLM-L6-v2 was trained on English text, so for text "
            "like this its maps and embeddings show how it handles unknown pieces, not what the text "
            "means. Try an English sentence, or the Transformer trained here: its maps are over "
            "digit sequences and need no language."
        ).format(what=what, unknown=unknown, total=len(real), unk=unk)
    if unknown:
        return "info", _(
            "{unknown} of {total} word pieces are outside the model's 30,522-word-piece vocabulary "
            "and are read as {unk}."
        ).format(unknown=unknown, total=len(real), unk=unk)
    return None


def show(note):
    """Show a (level, message) note of unknown_note; nothing for None."""
    if note and note[0] == "warning":
        st.warning(note[1])
    elif note:
        st.info(note[1])


def language_limit(lang: str) -> None:
    """Issue 16: the packaged MiniLM reads English; say so in the reader's language, and why the examples stay English."""
    if lang == "zh":
        st.info(
            _(
                "The example sentences stay in English: all-MiniLM-L6-v2 was trained on English text, and its "
                "vocabulary lacks most Chinese characters, which it reads as [UNK] (unknown), so the maps of a "
                "Chinese sentence would show how it handles unknown pieces, not what the sentence means. Try an "
                "English sentence, or switch to the Transformer trained here: its maps are over digit sequences "
                "and need no language."
            ),
            icon="ℹ️",
        )
    else:
        st.caption(
            _(
                "all-MiniLM-L6-v2 was trained on English text: it reads most Chinese characters (and many "
                "other scripts) as [UNK]. For those, the Transformer trained here shows attention on digit "
                "sequences, which need no language."
            )
        )


@st.cache_resource(show_spinner=False)
def _minilm_parts():
    return runtime.session(minilm.export()), minilm.load_tokenizer()


def minilm_parts():
    """(session, tokenizer); the first use exports the model in a slot of the shared queue, and says so."""
    if minilm.ONNX_FILE.exists():
        return _minilm_parts()
    with (
        work_queue.heavy_slot(_("preparing MiniLM")),
        st.status(
            _(
                "Preparing all-MiniLM-L6-v2: loading it from the installed package and exporting it to ONNX "
                "with attention outputs (first use only, about 10 s)..."
            )
        ) as status,
    ):
        parts = _minilm_parts()
        status.update(label=_("all-MiniLM-L6-v2 ready"), state="complete")
    return parts


_minilm_torch = st.cache_resource(show_spinner=False)(minilm.load_model)


def minilm_torch():
    with st.spinner(_("Loading the PyTorch MiniLM for the check...")):
        return _minilm_torch()
