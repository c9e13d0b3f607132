import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from core import attention, data, minilm, zoo
from core.errors import CoreError, ModelError
from core.records import TrainedModel
from core.runtime import session

HOSTILE = [
    "",
    "   ",
    "²",
    "① ②",
    "１２３",
    "1 2 ３",
    "9" * 4301,
    "1 " + "9" * 4301,
    "😀 🎉",
    "注意力 机制",
    "x" * 10_000,
    "1 2 " + "3" * 10_000,
    "**1** 2",
    "<b>1</b> <script>alert(1)</script>",
    "[1](http://x) 2",
    "1\x00 2",
    "\u200b",
    "٣ ٤",
    "1.5 2",
    "-1 2",
    "+1 2",
    "10 2",
    "01 2",
    "0x1 2",
]


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
    scores = np.mean(
        [attention.pattern_score(attention.run(sess, ds.X_val[i : i + 1])["attention"], expected) for i in range(20)], 0
    )
    assert scores.max() > 0.5  # some head puts most of its weight on the source position


def test_rollout_rows_are_distributions_and_identity_for_identity_attention():
    a = np.random.default_rng(0).random((2, 3, 5, 5))
    a /= a.sum(-1, keepdims=True)
    r = attention.rollout(a)
    np.testing.assert_allclose(r.sum(-1), 1)
    np.testing.assert_allclose(attention.rollout(np.broadcast_to(np.eye(4), (3, 2, 4, 4))), np.eye(4))


def test_ablation_changes_predictions_of_the_head_that_matters():
    e, _, model = _zoo("shift_transformer")
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


@pytest.mark.parametrize("text", HOSTILE, ids=[ascii(t[:12]) for t in HOSTILE])
def test_hostile_toy_input_gets_the_projects_error(text):
    """Issue 12: Unicode digits, a 4,301-digit number, emoji, Chinese, markup: a ModelError, never a traceback."""
    with pytest.raises(ModelError, match="Type a sequence|vocabulary|2 to 8") as e:
        attention.parse_tokens(text)
    assert len(str(e.value)) < 300  # the message never echoes a 10,000-character paste


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.text(), st.lists(st.sampled_from(["0", "7", "9", "10", "²", "１", " ", ",", "\n", "x"])).map("".join))
)
def test_any_text_gives_tokens_or_the_projects_error(text):
    try:
        tokens = attention.parse_tokens(text)
    except CoreError:
        return
    assert tokens.dtype == np.int64 and tokens.shape[0] == 1 and 2 <= tokens.shape[1] <= 8
    assert ((0 <= tokens) & (tokens <= 9)).all()
    assert tokens[0].tolist() == [int(w) for w in text.replace(",", " ").split()]


def test_good_toy_input():
    np.testing.assert_array_equal(attention.parse_tokens("3 1,4  1\t5"), [[3, 1, 4, 1, 5]])


def test_targets_are_the_tasks_answers():
    x = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    np.testing.assert_array_equal(attention.target("reverse", x), x[::-1])
    np.testing.assert_array_equal(attention.target("sort", x), [1, 1, 2, 3, 4, 5, 6, 9])
    np.testing.assert_array_equal(attention.target("shift", x), [4, 1, 5, 9, 2, 6, 3, 1])
    for task in attention.TASKS:  # the datasets agree with the page's right answers
        ds = data.load(task, n_samples=40)
        np.testing.assert_array_equal([attention.target(task, s) for s in ds.X_val], ds.y_val)


def test_reading_of_a_zoo_model_matches_its_parts():
    e, sess, _ = _zoo("shift_transformer")
    x = zoo.dataset_of(e).X_val[:1]
    r = attention.read(sess, x, "shift")
    np.testing.assert_array_equal(r.prediction, attention.run(sess, x)["prediction"])
    assert r.right == 8 and r.expected is not None
    scores = attention.pattern_score(r.attention, r.expected)
    assert r.closest_head == tuple(np.unravel_index(scores.argmax(), scores.shape))
    hand = max((r.attention[lay, h] * r.expected).sum(-1).mean() for lay in range(2) for h in range(2))
    assert scores.max() == pytest.approx(hand)
    assert attention.read(sess, x[:, :5], "shift").expected is None  # wrap-around at 5 is not what it learned
    assert attention.read(sess, x[:, :5], "reverse").expected.shape == (5, 5)


def test_positional_encoding_is_the_formula():
    pe = attention.positional_encoding(8, 16)
    pos, i = 3, 2
    assert pe[pos, 2 * i] == pytest.approx(np.sin(pos / 10000 ** (2 * i / 16)), abs=1e-6)
    assert pe[pos, 2 * i + 1] == pytest.approx(np.cos(pos / 10000 ** (2 * i / 16)), abs=1e-6)


@pytest.fixture(scope="module")
def toy_record():
    return attention.train_toy(attention.ToySettings("reverse", 1, 1, 1))


def test_toy_run_is_a_record_of_plain_data_with_its_settings(toy_record):
    assert isinstance(toy_record, TrainedModel) and toy_record.is_transformer
    assert all(isinstance(v, np.ndarray) for v in toy_record.state.values())
    assert attention.settings_of(toy_record) == attention.ToySettings("reverse", 1, 1, 1)
    assert toy_record.name == "reverse, 1 layer × 1 head, 1 epoch" and toy_record.loss == "cross_entropy"
    again = attention.train_toy(attention.ToySettings("reverse", 1, 1, 1))  # seeded: the same settings, the same model
    for k, v in toy_record.state.items():
        np.testing.assert_array_equal(again.state[k], v)


def test_toy_onnx_matches_the_record_and_is_exported_once(toy_record, tmp_path):
    path = attention.toy_onnx(toy_record, tmp_path)
    assert attention.toy_onnx(toy_record, tmp_path) == path and len(list(tmp_path.iterdir())) == 1
    x = toy_record.dataset.X_val[:4]
    model = toy_record.build()
    with torch.no_grad():
        logits, att = model(torch.as_tensor(x), return_attention=True)
    out = session(path, device="cpu").run(x)
    np.testing.assert_allclose(out["logits"], logits.numpy(), atol=1e-4)
    np.testing.assert_allclose(out["attention_0"], att[0].numpy(), atol=1e-4)


@pytest.fixture(scope="module")
def minilm_parts(tmp_path_factory):
    path = minilm.export(tmp_path_factory.mktemp("minilm") / "m.onnx")
    return session(path, device="cpu"), minilm.load_model(), minilm.load_tokenizer()


def test_minilm_onnx_matches_pytorch(minilm_parts):
    sess, model, tok = minilm_parts
    inputs, cut = minilm.encode(tok, ["The cat sat on the mat.", "Attention is all you need, they said."])
    r = minilm.run(sess, inputs)
    np.testing.assert_allclose(
        minilm.mean_pool(r["hidden"], inputs["attention_mask"]), minilm.torch_embeddings(model, inputs), atol=1e-4
    )
    assert r["attention"].shape[1:3] == (6, 12)
    with torch.no_grad():
        att = model(**{k: torch.as_tensor(v) for k, v in inputs.items()}, output_attentions=True).attentions
    np.testing.assert_allclose(r["attention"][:, 0], att[0].numpy(), atol=1e-4)
    np.testing.assert_allclose(r["attention"][1].sum(-1), 1, atol=1e-4)
    assert cut == [False, False]


def test_minilm_similarity_and_bad_input(minilm_parts):
    sess, _, tok = minilm_parts
    inputs, _ = minilm.encode(
        tok, ["A man is playing a guitar.", "Someone plays an instrument.", "The stock market fell."]
    )
    e = minilm.mean_pool(minilm.run(sess, inputs)["hidden"], inputs["attention_mask"])
    assert minilm.cosine(e[0], e[1]) > minilm.cosine(e[0], e[2]) + 0.2
    _, cut = minilm.encode(tok, ["word " * 5000])
    assert cut == [True]
    with pytest.raises(ModelError, match="empty"):
        minilm.encode(tok, ["   "])
