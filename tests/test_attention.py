import numpy as np
import pytest
import torch

from core import attention, data, minilm, zoo
from core.errors import ModelError
from core.runtime import session


def _zoo(name):
    e = zoo.entry(name)
    return e, session(zoo.EXPORTED / e["file"], device="cpu"), zoo.load_model(e)


@pytest.mark.parametrize("task", ["reverse", "shift", "sort"])
def test_toy_transformers_are_right_and_their_maps_match_pytorch(task):
    e, sess, model = _zoo(f"{task}_transformer")
    ds = zoo.dataset_of(e)
    out = sess.run(ds.X_val)
    assert (out["logits"].argmax(-1) == ds.y_val).all(1).mean() >= 0.99  # sequence accuracy on held-out sequences
    x = ds.X_val[:16]
    r = attention.run(sess, x[:1])
    np.testing.assert_allclose(r["attention"].sum(-1), 1, atol=1e-5)
    _, att = model(torch.as_tensor(x[:1]), return_attention=True)
    np.testing.assert_allclose(r["attention"], np.stack([a[0].detach().numpy() for a in att]), atol=1e-4)


@pytest.mark.parametrize("task", ["reverse", "shift"])
def test_known_pattern_is_learned(task):
    e, sess, _ = _zoo(f"{task}_transformer")
    ds = zoo.dataset_of(e)
    expected = data.expected_attention(task, 8, 2)
    scores = np.mean([attention.pattern_score(attention.run(sess, ds.X_val[i:i + 1])["attention"], expected)
                      for i in range(20)], 0)
    assert scores.max() > 0.5  # some head puts most of its weight on the source position


def test_rollout_rows_are_distributions_and_identity_for_identity_attention():
    a = np.random.default_rng(0).random((2, 3, 5, 5))
    a /= a.sum(-1, keepdims=True)
    r = attention.rollout(a)
    np.testing.assert_allclose(r.sum(-1), 1)
    np.testing.assert_allclose(attention.rollout(np.broadcast_to(np.eye(4), (3, 2, 4, 4))), np.eye(4))


def test_ablation_changes_predictions_of_the_head_that_matters():
    e, sess, model = _zoo("shift_transformer")
    ds = zoo.dataset_of(e)
    x = ds.X_val[:64]
    full = attention.ablate(model, x, [])
    assert (full == ds.y_val[:64]).mean() > 0.99
    all_off = attention.ablate(model, x, [(l, h) for l in range(2) for h in range(2)])
    assert (all_off == ds.y_val[:64]).mean() < 0.5


@pytest.mark.parametrize("text, words", [("", "empty|Type"), ("1 2 x", "vocabulary"), ("1 " * 20, "2 to 8")])
def test_bad_toy_input(text, words):
    with pytest.raises(ModelError, match=words):
        attention.parse_tokens(text)


@pytest.fixture(scope="module")
def minilm_parts(tmp_path_factory):
    path = minilm.export(tmp_path_factory.mktemp("minilm") / "m.onnx")
    return session(path, device="cpu"), minilm.load_model(), minilm.load_tokenizer()


def test_minilm_onnx_matches_pytorch(minilm_parts):
    sess, model, tok = minilm_parts
    inputs, cut = minilm.encode(tok, ["The cat sat on the mat.", "Attention is all you need, they said."])
    r = minilm.run(sess, inputs)
    np.testing.assert_allclose(minilm.mean_pool(r["hidden"], inputs["attention_mask"]),
                               minilm.torch_embeddings(model, inputs), atol=1e-4)
    assert r["attention"].shape[1:3] == (6, 12)
    with torch.no_grad():
        att = model(**{k: torch.as_tensor(v) for k, v in inputs.items()}, output_attentions=True).attentions
    np.testing.assert_allclose(r["attention"][:, 0], att[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(r["attention"][1].sum(-1), 1, atol=1e-4)
    assert cut == [False, False]


def test_minilm_similarity_and_bad_input(minilm_parts):
    sess, _, tok = minilm_parts
    inputs, _ = minilm.encode(tok, ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell."])
    e = minilm.mean_pool(minilm.run(sess, inputs)["hidden"], inputs["attention_mask"])
    assert minilm.cosine(e[0], e[1]) > minilm.cosine(e[0], e[2]) + 0.2
    _, cut = minilm.encode(tok, ["word " * 5000])
    assert cut == [True]
    with pytest.raises(ModelError, match="empty"):
        minilm.encode(tok, ["   "])
