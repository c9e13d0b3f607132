"""Training playground: data, network, loss, optimizer, regularization; live curves; metrics; export."""

import streamlit as st

from core import boundary, metrics
from core.errors import CoreError, DivergenceError
from ui import charts, i18n, url_state
from ui import playground as pg
from ui import playground_run as run
from ui.formulas import LOSS, LOSS_NAMES, LOSS_NOTE, OPTIMIZER, OPTIMIZER_NAMES, PENALTY
from ui.i18n import _

i18n.use(i18n.chosen())  # the browser tab's title in the reader's language too
st.set_page_config(page_title=_("Training playground"), page_icon="🎛️", layout="wide")
i18n.setup()
state = url_state.bind(pg.SETTINGS)
st.title(_("Training playground"))
st.caption(
    _(
        "Pick data and a network in the sidebar, press Train, and watch it learn. Everything is trained here "
        "with PyTorch (on the GPU when there is one) and can be exported to ONNX."
    )
)

ds, data_desc, problem = pg.dataset_controls()
if problem:
    url_state.share_link(pg.SETTINGS, state)
    if ds is None and problem == pg.UPLOAD:
        st.info(_(pg.UPLOAD))
    else:
        st.error(problem)
    st.stop()
try:
    model_opts = pg.network_controls(ds)
except CoreError as e:
    url_state.share_link(pg.SETTINGS, state)
    st.error(str(e))
    st.stop()
train_opts = pg.training_controls(ds, state)
url_state.share_link(pg.SETTINGS, state)
pg.related_pages(data_desc, model_opts, train_opts)

left, right = st.columns([2, 3])  # the right one holds the widest formula (Adam)
dataset, loss, optimizer = data_desc["name"], train_opts["loss"], train_opts["optimizer"]
with left:
    sizes = {
        "name": _(pg.DATASETS[dataset]),
        "train": len(ds.X_train),
        "val": len(ds.X_val),
        "features": ds.n_features,
        "classes": ds.n_classes,
    }
    if ds.task == "regression":
        st.markdown(
            _(
                "**{name}**: {train} training and {val} validation samples, {features} features, regression target."
            ).format(**sizes)
        )
    else:
        st.markdown(
            _(
                "**{name}**: {train} training and {val} validation samples, {features} features, {classes} classes."
            ).format(**sizes)
        )
    if data_desc.get("note"):
        st.caption(data_desc["note"])
with right:
    st.markdown(_("**Loss** ({name})").format(name=_(LOSS_NAMES[loss])))
    st.latex(LOSS[loss])
    st.caption(_(LOSS_NOTE[loss]) if ds.task != "regression" else _("squared error of the prediction"))
    st.markdown(
        _("**Optimizer** ({name}), {gradient}, {rate}").format(
            name=_(OPTIMIZER_NAMES[optimizer]),
            gradient="$g_t = \\nabla_\\theta L$",
            rate=f"$\\alpha = {train_opts['lr']:g}$",
        )
    )
    st.latex(OPTIMIZER[optimizer])
    for k in ("l1", "l2"):
        if train_opts[k]:
            st.latex(PENALTY[k])

key = pg.settings_key(data_desc, model_opts, train_opts)
seed = data_desc["seed"]
allowed = run.show_cost(*run.cost(ds, model_opts, train_opts))
if st.button(_("Train"), type="primary", key="pg_train", disabled=not allowed) and allowed:
    try:
        with left:
            # the record carries the dataset: the loss surface page studies this very model on this data
            st.session_state["pg_record"] = run.run_training(ds, model_opts, train_opts, seed)
        st.session_state["pg_key"] = key
    except DivergenceError as e:
        st.session_state.pop("pg_record", None)
        st.session_state.pop("pg_key", None)
        st.error(str(e))
        st.stop()
    except CoreError as e:
        st.error(str(e))
        st.stop()

record = st.session_state.get("pg_record")
if record is None:
    st.info(_("Press **Train** to train this network."))
    st.stop()
if st.session_state.get("pg_key") != key:
    st.warning(
        _(
            "The settings changed since the last run: the results below are for the previous settings. "
            "Press **Train** to train with the new ones."
        )
    )
    st.stop()

model, hist = record.build(), record.history
report = metrics.report(model, ds)
done = _("Trained {epochs} epochs on {device} in {seconds} s.").format(
    epochs=hist.epochs, device=hist.device.upper(), seconds=f"{hist.seconds:.2f}"
)
if hist.stopped_early:
    done = _("Trained {epochs} epochs on {device} in {seconds} s, stopped early; weights of epoch {best} kept.").format(
        epochs=hist.epochs, device=hist.device.upper(), seconds=f"{hist.seconds:.2f}", best=hist.best_epoch
    )
st.success(done)

st.subheader(_("Validation metrics"))
if ds.task == "regression":
    c = st.columns(3)
    c[0].metric(_("MSE"), f"{report['mse']:.4f}")
    c[1].metric(_("MAE"), f"{report['mae']:.4f}")
    c[2].metric("R²", f"{report['r2']:.4f}")
else:
    c = st.columns(4)
    c[0].metric(_("Accuracy"), f"{report['accuracy']:.1%}")
    c[1].metric(_("Precision (macro)"), f"{report['precision']:.3f}")
    c[2].metric(_("Recall (macro)"), f"{report['recall']:.3f}")
    c[3].metric(_("F1 (macro)"), f"{report['f1']:.3f}")

a, b = st.columns(2)
a.altair_chart(charts.curves(vars(hist), "loss", _("Loss per epoch"), _("loss")), width="stretch")
if ds.task != "regression":
    b.altair_chart(charts.curves(vars(hist), "acc", _("Accuracy per epoch"), _("accuracy (fraction)")), width="stretch")
if ds.is_2d:
    bd = boundary.decision_boundary(boundary.torch_logits(model), ds.X_train, 50)
    a.altair_chart(
        charts.decision_boundary(
            bd, ds.X_val, ds.y_val, ds.class_names, _("Decision boundary with the validation points"), ds.feature_names
        ),
        width="stretch",
    )
if ds.task == "regression" and ds.n_features == 1:
    xs, ys = run.regression_line(model, ds)
    a.altair_chart(
        charts.regression_fit(ds.X_val, ds.y_val, xs, ys, _("Fitted curve and validation points")), width="stretch"
    )
if ds.task != "regression":
    b.altair_chart(
        charts.confusion_matrix(report["confusion"], ds.class_names),
        width="stretch",
        height=max(220, 36 * ds.n_classes + 120),
    )
    with b.expander(_("Per-class scores")):
        st.dataframe(pg.per_class_table(report["per_class"]), hide_index=True)

run.cross_validation(ds, model_opts, train_opts, seed, key)
run.export_controls(record, report)
