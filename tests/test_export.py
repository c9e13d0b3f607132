import numpy as np
import onnx
import pytest
import torch

from core import data, export, models, runtime
from core.errors import ModelError, ZooFileError


@pytest.mark.parametrize(
    "name, opts, x",
    [
        ("mlp", {"batch_norm": True, "dropout": 0.3}, np.random.default_rng(0).normal(size=(7, 2)).astype(np.float32)),
        ("iris", {}, np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)),
        ("transformer", {"d_model": 16, "n_heads": 2}, np.random.default_rng(2).integers(0, 10, (5, 8))),
    ],
)
def test_export_parity_dynamic_batch_self_contained(tmp_path, name, opts, x):
    torch.manual_seed(0)
    m = models.build(name, **opts).eval()
    path = export.to_onnx(m, tmp_path / "m.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]  # no external-data file, no temp left
    proto = onnx.load(path)
    assert all(o.version >= 17 for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    assert export.parity(m, path, x) < 1e-5
    assert export.parity(m, path, x[:1]) < 1e-5  # batch of one through the same file
    assert export.metadata(path)["config"] == models.config_dict(m)
    rebuilt = models.from_config(export.metadata(path)["config"])
    assert models.config_dict(rebuilt) == models.config_dict(m)


def test_transformer_attention_outputs_match_pytorch(tmp_path):
    torch.manual_seed(0)
    m = models.build("transformer", n_layers=2, n_heads=2, d_model=16).eval()
    path = export.to_onnx(m, tmp_path / "t.onnx")
    x = np.random.default_rng(0).integers(0, 10, (4, 8))
    out = runtime.session(path, device="cpu").run(x)
    assert list(out) == ["logits", "attention_0", "attention_1"]
    _, att = m(torch.as_tensor(x), return_attention=True)
    for a, name in zip(att, ["attention_0", "attention_1"]):
        np.testing.assert_allclose(out[name], a.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(out[name].sum(-1), 1, atol=1e-5)
    short = runtime.session(path, device="cpu").run(x[:, :5])  # shorter sequences: dynamic length axis
    assert short["attention_0"].shape == (4, 2, 5, 5)


def test_int8_variant_is_smaller_for_big_layers_and_close(tmp_path):
    torch.manual_seed(0)
    ds = data.load("digits")
    m = models.build("digits").eval()
    from core.train import fit

    fit(m, ds, epochs=3, lr=0.001)
    fp32 = export.to_onnx(m, tmp_path / "d.onnx")
    int8 = export.quantize_int8(fp32, tmp_path / "d.int8.onnx")
    assert int8.stat().st_size < 0.4 * fp32.stat().st_size
    a = runtime.session(fp32, device="cpu").run(ds.X_val)["output"].argmax(1)
    b = runtime.session(int8, device="cpu").run(ds.X_val)["output"].argmax(1)
    assert (a == b).mean() > 0.97
    assert export.metadata(int8)["precision"] == "int8"


def test_opset_below_17_refused(tmp_path):
    with pytest.raises(ModelError, match="17"):
        export.to_onnx(models.build("iris"), tmp_path / "x.onnx", opset=13)


def test_failed_export_leaves_nothing(tmp_path):
    broken = models.build("mlp", widths=(2,))

    def boom(x):
        raise RuntimeError("boom")

    broken.forward = boom  # the exporter fails half way: the project's error, and no file
    with pytest.raises(ModelError, match="could not export"):
        export.to_onnx(broken, tmp_path / "b.onnx", example=torch.zeros(2, 2))
    assert list(tmp_path.iterdir()) == []


def test_session_reports_provider_and_rejects_bad_files(tmp_path):
    path = export.to_onnx(models.build("iris"), tmp_path / "i.onnx")
    s = runtime.session(path)
    assert s.provider in runtime.available_providers()
    assert s.provider == ("CUDAExecutionProvider" if runtime.cuda_works() else "CPUExecutionProvider")
    with pytest.raises(ZooFileError, match="shape"):
        s.run(np.zeros((2, 3), np.float32))
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ZooFileError, match="could not be loaded"):
        runtime.session(bad)
    with pytest.raises(ZooFileError, match="does not exist"):
        runtime.session(tmp_path / "nope.onnx")
