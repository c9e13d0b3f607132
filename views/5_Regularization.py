"""Regularization side by side: the same data, the same initial weights, one remedy each."""

import json

import streamlit as st

from core.errors import CoreError
from ui import i18n, url_state
from ui import regularization as ui
from ui import regularization_results as res
from ui.i18n import _

st.set_page_config(page_title="Regularization", page_icon="🛡️", layout="wide")
i18n.setup()
ui.link_defaults()
state = url_state.bind(ui.SCHEMA)
st.title(_("Regularization: why models overfit, and what each remedy does"))
st.caption(
    _(
        "A network big enough to memorise a small noisy dataset, trained again with one remedy at a time, from "
        "the same seed and the same initial weights. Boundaries are drawn by running each variant's exported ONNX "
        "model through onnxruntime."
    )
)

setting = ui.setting_controls()
st.sidebar.caption(
    _(
        "Network: MLP with hidden layers {widths}, ReLU, Adam, learning rate {lr}, batch {batch}. Variants "
        "without batch norm train together in one batched loop (stacked weights), on the GPU when there "
        "is one."
    ).format(widths=", ".join(map(str, setting.widths)), lr=f"{setting.lr:g}", batch=setting.batch_size)
)
variants = ui.variant_controls()
url_state.share_link(ui.SCHEMA, state)
try:
    data = ui.splits(setting.dataset, setting.seed, json.dumps(setting.options, sort_keys=True))
except CoreError as e:
    st.error(str(e))
    st.stop()
n_train, n_val, n_test = data.sizes
st.markdown(
    _(
        "**Splits:** {train} train rows (the weights are fitted on them) · {val} validation rows (early stopping "
        "picks its epoch with them) · {test} test rows, held out: no variant trains on them or is chosen with "
        "them, so the comparison below is scored on them."
    ).format(train=n_train, val=n_val, test=n_test)
)

with st.expander(_("The remedies, in formulas")):
    st.latex(r"\text{L1: } L + \lambda_1 \sum_i |w_i| \qquad \text{L2: } L + \lambda_2 \sum_i w_i^2")
    st.caption(_("L1 and L2 add a penalty on the weights to the loss L."))
    st.latex(r"\text{Dropout: } \tilde h = \frac{m \odot h}{1-p},\; m_j \sim \mathrm{Bernoulli}(1-p)")
    st.caption(
        _(
            "Dropout, during training only: each hidden unit is kept with probability 1 − p and the kept ones are "
            "scaled up; at evaluation every unit is kept, unscaled."
        )
    )
    st.latex(
        r"\text{Batch norm: } \hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\; y = \gamma \hat x + \beta"
    )
    st.caption(
        _(
            "Batch norm: each mini-batch's activations are centred and scaled, then shifted and stretched by the "
            "learned γ and β."
        )
    )
    st.latex(r"\text{Augmentation: } x' = x + \varepsilon,\ \varepsilon \sim \mathcal N(0, \sigma^2 I)")
    st.caption(
        _(
            "Data augmentation: every step sees the inputs jittered by fresh noise. Early stopping: keep the "
            "weights of the epoch with the lowest validation loss."
        )
    )
    st.caption(
        _(
            "L1's gradient λ₁·sign(w) pushes every weight toward zero by the same amount, so small weights land "
            "on zero; L2's 2λ₂w shrinks each weight in proportion, so weights get small but rarely exactly zero."
        )
    )

res.train_variants(data, variants, setting)
res.show_variants(data, variants, setting)

st.subheader(_("Sweep one remedy's strength"))
sweep = res.sweep_controls()
res.run_sweep(data, sweep, setting)
res.show_sweep(data, sweep, setting)
