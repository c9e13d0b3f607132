"""The playground's settings: its URL schema, its sidebar controls and the cost of a run before it starts.

Training, cross-validation and export live in ui/playground_run.py."""

from __future__ import annotations

import json

import streamlit as st

from core import data, losses, models, user_data
from core.errors import CoreError
from core.train import OPTIMIZERS
from ui import cache, charts, url_state
from ui.formulas import LOSS_NAMES, OPTIMIZER_NAMES
from ui.i18n import N_, _

DATASETS = {
    "moons": N_("Two moons"),
    "circles": N_("Circles"),
    "spirals": N_("Spirals"),
    "xor": N_("XOR"),
    "iris": N_("Iris"),
    "digits": N_("Digits (8x8)"),
    "linear": N_("Linear regression (y = x + noise)"),
    "csv": N_("Your CSV"),
}
TASKS = {"classification": N_("classification"), "regression": N_("regression")}
DELIMITERS = {
    ",": N_("comma-separated values"),
    ";": N_("semicolon-separated values"),
    "\t": N_("tab-separated values"),
}
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_EPOCHS_PAGE = 1000  # training from the page: at most this many epochs
MAX_TRAJECTORY_FLOATS = 10_000_000  # parameters x (epochs + 1) kept for the loss surface page (40 MB)
UPLOAD = N_("Upload a CSV file in the sidebar to train on your own data.")
SAMPLES = {"linear": (100, 0.1)}  # (samples, noise) a dataset starts with; the 2-D sets: the schema's defaults


class WidthsText(url_state.Field):
    """Hidden-layer widths: `10,8` in the URL, `10, 8` in the text box (whose value is text); empty: no hidden layer."""

    _list = url_state.IntList("widths", (16, 16), low=1, high=models.MAX_WIDTH, min_len=0, max_len=models.MAX_LAYERS)

    def read(self, raw):
        widths, notice = self._list.read(raw)
        return ", ".join(map(str, widths)), notice

    def write(self, value):
        return self._list.write(parse_widths(value))


SETTINGS = url_state.Schema(
    "playground",
    (
        url_state.Choice("dataset", "moons", key="pg_dataset", choices=tuple(DATASETS)),
        url_state.Int("seed", 0, key="pg_seed", low=0, high=10_000),
        url_state.Int("n", 400, key="pg_n", low=40, high=2000),
        url_state.Float("noise", 0.15, key="pg_noise", low=0.0, high=1.0),
        WidthsText("widths", "16, 16", key="pg_widths"),
        url_state.Choice("activation", "relu", key="pg_act", choices=tuple(models.ACTIVATIONS)),
        url_state.Float("dropout", 0.0, key="pg_dropout", low=0.0, high=0.9),
        url_state.Bool("batch_norm", False, key="pg_bn"),
        url_state.Choice("loss", "cross_entropy", key="pg_loss", choices=tuple(losses.LOSSES)),  # the shown task's loss
        url_state.Choice("optimizer", "adam", key="pg_opt", choices=OPTIMIZERS),
        url_state.Choice("lr", 0.01, key="pg_lr", choices=LEARNING_RATES),
        url_state.Int("batch", 32, key="pg_batch", low=1, high=4096),
        url_state.Int("epochs", 100, key="pg_epochs", low=1, high=MAX_EPOCHS_PAGE),
        url_state.Float("l1", 0.0, key="pg_l1", low=0.0, high=1.0),
        url_state.Float("l2", 0.0, key="pg_l2", low=0.0, high=1.0),
        url_state.Int("patience", 0, key="pg_patience", low=0, high=500),
        url_state.Int("k", 5, key="pg_k", low=2, high=10),
    ),
)


def translated(names: dict) -> dict:
    """Labels in this run's language, fixed now: Streamlit may call a format_func outside the page's thread."""
    return {k: _(v) for k, v in names.items()}


def task_of(name: str) -> str:
    if name == "csv":
        return st.session_state.get("pg_task", "classification")
    return "regression" if name == "linear" else "classification"


def _task_changed() -> None:
    """Show the loss this task was last trained with (each task remembers its own)."""
    task = task_of(st.session_state["pg_dataset"])
    st.session_state["pg_loss"] = st.session_state.get(f"pg_loss_choice_{task}", losses.default(task))


def _dataset_changed() -> None:
    old_linear = st.session_state.get("pg_last_dataset") == "linear"
    name = st.session_state["pg_last_dataset"] = st.session_state["pg_dataset"]
    if old_linear != (name == "linear"):  # the line starts with fewer, less noisy samples than the 2-D sets
        st.session_state["pg_n"], st.session_state["pg_noise"] = SAMPLES.get(name, (400, 0.15))
    _task_changed()


@st.cache_data(show_spinner=False, max_entries=8)
def csv_frame(raw: bytes):
    return user_data.read_csv(raw)


def uploaded_csv() -> dict | None:
    """The CSV the user uploaded, kept in the session (name and bytes) so that visiting another dataset
    and coming back keeps it; a button forgets it. None until a file is uploaded."""
    kept = st.session_state.get("pg_csv_file")
    if kept is None:
        up = st.sidebar.file_uploader(
            _("CSV file (header row, up to 5 MB, 20,000 rows)"), type=["csv", "txt", "tsv"], key="pg_csv"
        )
        if up is None:
            return None
        kept = st.session_state["pg_csv_file"] = {"name": up.name, "bytes": up.getvalue()}
    st.sidebar.caption(
        _("Using **{file}** ({kb} KB).").format(file=kept["name"], kb=f"{len(kept['bytes']) / 1024:,.1f}")
    )
    st.sidebar.button(_("Use another file"), key="pg_csv_clear", on_click=forget_csv)
    return kept


def forget_csv() -> None:
    for k in ("pg_csv_file", "pg_csv"):  # the kept file, and the uploader's own state, if it still holds one
        st.session_state.pop(k, None)


def csv_controls(seed: int):
    kept = uploaded_csv()
    if kept is None:
        return None, None, UPLOAD
    try:
        df = csv_frame(kept["bytes"])
        cols = list(df.columns)
        label = st.sidebar.selectbox(_("Label column"), cols, index=len(cols) - 1, key="pg_label")
        numeric = [c for c in user_data.numeric_columns(df) if c != label]
        features = st.sidebar.multiselect(
            _("Feature columns"), [c for c in cols if c != label], default=numeric, key="pg_features"
        )
        task = st.sidebar.radio(
            _("Task"),
            list(TASKS),
            format_func=translated(TASKS).get,
            horizontal=True,
            key="pg_task",
            on_change=_task_changed,
        )
        ds = user_data.to_dataset(df, features, label, task, seed)
    except CoreError as e:
        return None, None, str(e)
    delimiter = df.attrs["delimiter"]
    dropped, fmt = ds.options["rows_dropped"], _(DELIMITERS[delimiter])
    if dropped:
        note = _(
            "Read **{file}** as {format}; {dropped} of {rows} rows had an empty, NaN or infinite cell and were "
            "left out."
        ).format(file=kept["name"], format=fmt, dropped=dropped, rows=len(df))
    else:
        note = _("Read **{file}** as {format}.").format(file=kept["name"], format=fmt)
    return (
        ds,
        {
            "name": "csv",
            "file": kept["name"],
            "size": len(kept["bytes"]),
            "features": features,
            "label": label,
            "task": task,
            "seed": seed,
            "note": note,
        },
        None,
    )


def dataset_controls():
    """Sidebar: the dataset. Returns (Dataset or None, description dict or None, message or None)."""
    st.sidebar.header(_("Data"))
    st.session_state.setdefault("pg_last_dataset", st.session_state["pg_dataset"])
    name = st.sidebar.selectbox(
        _("Dataset"), list(DATASETS), format_func=translated(DATASETS).get, key="pg_dataset", on_change=_dataset_changed
    )
    seed = int(st.sidebar.number_input(_("Seed"), 0, 10_000, key="pg_seed"))
    if name == "csv":
        return csv_controls(seed)
    options = {}
    if name in data.TWO_D or name == "linear":
        options["n_samples"] = int(st.sidebar.slider(_("Samples"), 40, 2000, step=20, key="pg_n"))
        options["noise"] = float(st.sidebar.slider(_("Noise"), 0.0, 1.0, step=0.01, key="pg_noise"))
    try:
        ds = cache.dataset(name, seed, json.dumps(options, sort_keys=True))
    except CoreError as e:
        return None, None, str(e)
    return ds, {"name": name, "seed": seed, **options}, None


def parse_widths(text: str) -> tuple[int, ...]:
    parts = [p for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise CoreError(
            _("Hidden layers must be whole numbers separated by commas, like 16, 16; got “{text}”.").format(
                text=str(text)[:40]
            )
        ) from None


def network_controls(ds: data.Dataset):
    """Sidebar: the network. Returns model options, or raises CoreError with the limit named."""
    st.sidebar.header(_("Network"))
    text = st.sidebar.text_input(
        _("Hidden layer widths (at most {layers} layers of {width})").format(
            layers=models.MAX_LAYERS, width=models.MAX_WIDTH
        ),
        key="pg_widths",
        help=_("Comma-separated units per hidden layer; empty = linear model"),
    )
    activation = st.sidebar.selectbox(_("Activation"), list(models.ACTIVATIONS), key="pg_act")
    dropout = float(st.sidebar.slider(_("Dropout rate"), 0.0, 0.9, step=0.05, key="pg_dropout"))
    bn = st.sidebar.checkbox(_("Batch normalization"), key="pg_bn")
    opts = {
        "in_features": ds.n_features,
        "widths": parse_widths(text),
        "out_features": ds.n_classes,
        "activation": activation,
        "dropout": dropout,
        "batch_norm": bn,
    }
    models.MLPConfig(**opts)  # validates: raises ModelError naming the limit
    return opts


def loss_control(task: str, state: dict) -> str:
    """One loss selectbox per task (`pg_loss_<task>`), each remembering its own choice: a regression visit
    cannot leave MSE behind on a classification set. `pg_loss` (the URL's `loss`) mirrors the shown one."""
    names = [name for name, loss in losses.LOSSES.items() if task in loss.tasks]
    ss, key = st.session_state, f"pg_loss_{task}"
    if ss["pg_loss"] not in names:  # a link's cross-entropy on the regression line
        ss["pg_loss"] = state["loss"] = st.query_params["loss"] = losses.default(task)
    ss[key] = ss[f"pg_loss_choice_{task}"] = ss["pg_loss"]

    def chosen():
        ss["pg_loss"] = ss[f"pg_loss_choice_{task}"] = ss[key]

    return st.sidebar.selectbox(_("Loss"), names, format_func=translated(LOSS_NAMES).get, key=key, on_change=chosen)


def training_controls(ds: data.Dataset, state: dict):
    st.sidebar.header(_("Training"))
    loss = loss_control(ds.task, state)
    opt = st.sidebar.selectbox(_("Optimizer"), OPTIMIZERS, format_func=translated(OPTIMIZER_NAMES).get, key="pg_opt")
    lr = float(st.sidebar.select_slider(_("Learning rate"), LEARNING_RATES, key="pg_lr"))
    batch = int(st.sidebar.number_input(_("Batch size"), 1, 4096, key="pg_batch"))
    epochs = int(
        st.sidebar.number_input(
            _("Epochs (1 to {max})").format(max=MAX_EPOCHS_PAGE), 1, MAX_EPOCHS_PAGE, key="pg_epochs"
        )
    )
    with st.sidebar.expander(_("Regularization")):
        l1 = float(st.number_input(_("L1 strength λ₁"), 0.0, 1.0, step=0.0001, format="%.4f", key="pg_l1"))
        l2 = float(st.number_input(_("L2 strength λ₂"), 0.0, 1.0, step=0.0001, format="%.4f", key="pg_l2"))
        patience = int(st.number_input(_("Early stopping patience (epochs, 0 = off)"), 0, 500, key="pg_patience"))
    return {
        "loss": loss,
        "optimizer": opt,
        "lr": lr,
        "batch_size": batch,
        "epochs": epochs,
        "l1": l1,
        "l2": l2,
        "patience": patience,
    }


PER_CLASS = {
    "class": N_("Class"),
    "precision": N_("Precision"),
    "recall": N_("Recall"),
    "f1": "F1",
    "support": N_("Support (samples)"),
}


def per_class_table(rows: list[dict]) -> list[dict]:
    """core.metrics' per-class rows with the headers (and the toy sets' class names) in the reader's language."""
    return [{_(PER_CLASS[k]): (charts.class_label(v) if k == "class" else v) for k, v in r.items()} for r in rows]


def settings_key(*parts) -> str:
    return json.dumps(parts, sort_keys=True, default=str)  # equal settings, equal key: the stale check


def related_pages(data_desc: dict, model_opts: dict, train_opts: dict) -> None:
    """Links that carry these settings to the living network and to experiments (their schemas clamp them).
    Plain relative links, so the page also runs as its own script (AppTest) where page links cannot resolve."""
    from urllib.parse import urlencode

    from ui.i18n import current

    name = data_desc.get("name")
    toy = name if name in ("moons", "circles", "spirals", "xor") else "circles"
    widths = list(model_opts["widths"]) or [4]
    common = {
        "data": toy,
        "n": data_desc.get("n_samples", 400),
        "noise": data_desc.get("noise", 0.15),
        "act": model_opts["activation"],
        "lang": current(),
    }
    network = {
        **common,
        "seed": data_desc.get("seed", 0),
        "lr": train_opts["lr"],
        "opt": train_opts["optimizer"],
        "layers": min(len(widths), 4),
        "width": min(max(widths), 8),
    }
    experiments = {**common, "epochs": min(train_opts["epochs"], 200)}
    with st.sidebar.expander(_("Go further with these settings")):
        alive, many = _("See this network alive: neurons, weights, step by step"), _("Try many settings at once")
        for label, url in ((alive, "Network?" + urlencode(network)), (many, "Experiments?" + urlencode(experiments))):
            st.markdown(f"[{label}]({url})")
