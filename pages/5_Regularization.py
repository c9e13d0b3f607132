"""Regularization side by side: the same data, the same initial weights, one remedy each."""

import json

import streamlit as st

from core.errors import CoreError
from ui import regularization as ui

st.set_page_config(page_title="Regularization", page_icon="🛡️", layout="wide")
st.title("Regularization: why models overfit, and what each remedy does")
st.caption("A network big enough to memorise a small noisy dataset, trained again with one remedy at a time, from the "
           "same seed and the same initial weights. Boundaries are drawn by running each variant's exported ONNX model "
           "through onnxruntime.")

setting = ui.setting_controls()
st.sidebar.caption(f"Network: MLP with hidden layers {setting.widths}, ReLU, Adam, learning rate {setting.lr:g}, batch "
                   f"{setting.batch_size}. Variants without batch norm train together in one batched loop (stacked "
                   "weights), on the GPU when there is one.")
try:
    data = ui.splits(setting.dataset, setting.seed, json.dumps(setting.options, sort_keys=True))
except CoreError as e:
    st.error(str(e))
    st.stop()
n_train, n_val, n_test = data.sizes
st.markdown(f"**Splits:** {n_train} train rows (the weights are fitted on them) · {n_val} validation rows (early "
            f"stopping picks its epoch with them) · {n_test} test rows, held out: no variant trains on them or is "
            "chosen with them, so the comparison below is scored on them.")
variants = ui.variant_controls()

with st.expander("The remedies, in formulas"):
    st.latex(r"\text{L1: } L + \lambda_1 \sum_i |w_i| \qquad \text{L2: } L + \lambda_2 \sum_i w_i^2")
    st.latex(r"\text{Dropout (training): } \tilde h = \frac{m \odot h}{1-p},\; m_j \sim \mathrm{Bernoulli}(1-p)"
             r"\qquad \text{(evaluation: } \tilde h = h)")
    st.latex(r"\text{Batch norm: } \hat x = \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}},\; y = \gamma \hat x + \beta")
    st.latex(r"\text{Augmentation: } x' = x + \varepsilon,\ \varepsilon \sim \mathcal N(0, \sigma^2 I)\ \text{each step}"
             r"\qquad \text{Early stopping: keep the weights of the best validation loss}")
    st.caption("L1's gradient λ₁·sign(w) pushes every weight toward zero by the same amount, so small weights land on "
               "zero; L2's 2λ₂w shrinks each weight in proportion, so weights get small but rarely exactly zero.")

ui.train_variants(data, variants, setting)
ui.show_variants(data, variants, setting)

st.subheader("Sweep one remedy's strength")
sweep = ui.sweep_controls()
ui.run_sweep(data, sweep, setting)
ui.show_sweep(data, sweep, setting)
