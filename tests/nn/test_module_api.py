"""The Module API and the layers' own behaviour, without PyTorch: parameter registration and
sharing, train/eval, state dicts (copies, strict loads that change nothing on error),
atomic save and checked load, scopes, initialisation, dropout, reprs and errors.

The comparisons with PyTorch (same weights, same outputs and gradients) are in
test_layers_torch.py, which needs torch.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

pytestmark = pytest.mark.usefixtures("float64")


def test_dropout_eval_is_identity(rng):
    d = nn.Dropout(0.7).eval()
    x = Tensor(rng.standard_normal((5, 6)), requires_grad=True)
    y = d(x)
    np.testing.assert_array_equal(y.data, x.data)
    y.backward(np.ones((5, 6)))
    np.testing.assert_array_equal(x.grad, np.ones((5, 6)))


def test_dropout_p0_train_is_identity(rng):
    d = nn.Dropout(0.0)
    assert d.training
    x = rng.standard_normal((5, 6))
    np.testing.assert_array_equal(d(Tensor(x)).data, x)


def test_dropout_train_statistics():
    p, n = 0.3, 200_000
    d = nn.Dropout(p).train()
    x = Tensor(np.ones(n), requires_grad=True)
    y = d(x)
    kept = y.data != 0
    assert abs(1 - kept.mean() - p) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / (1 - p), rtol=1e-12)
    assert abs(y.data.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation
    y.backward(np.ones(n))
    np.testing.assert_allclose(x.grad, y.data, rtol=1e-12)  # grad is mask / (1 - p)
    # two calls draw different masks
    assert (d(x).data != y.data).any()


def test_dropout_rejects_bad_p():
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\]"):
            nn.Dropout(p)


def test_lenet5_rejects_wrong_image_size():
    with pytest.raises(ValueError, match=r"\(N, C, 28, 28\)"):
        nn.LeNet5()(Tensor(np.zeros((1, 1, 32, 32))))


def _check_uniform(a, bound, n_tol=0.03):
    assert np.abs(a).max() <= bound
    assert abs(a.std() - bound / math.sqrt(3)) < n_tol * bound
    assert abs(a.mean()) < n_tol * bound


def test_conv_and_embedding_default_init():
    nn.manual_seed(1)
    conv = nn.Conv2d(16, 32, 5)
    _check_uniform(conv.weight.data, 1 / math.sqrt(16 * 25))
    emb = nn.Embedding(300, 100)
    assert abs(emb.weight.data.std() - 1.0) < 0.02
    assert abs(emb.weight.data.mean()) < 0.02


def test_default_dtype_float32_without_fixture():
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(np.float32)
    try:
        assert nn.Linear(3, 2).weight.dtype == np.float32
    finally:
        autograd.set_default_dtype(previous)


def test_manual_seed_makes_construction_reproducible():
    nn.manual_seed(42)
    a = nn.LeNet5().state_dict()
    nn.manual_seed(42)
    b = nn.LeNet5().state_dict()
    c = nn.LeNet5().state_dict()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert any(not np.array_equal(b[k], c[k]) for k in a)


def test_shared_parameter_counted_once():
    net = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    net[1].weight = net[0].weight
    params = list(net.parameters())
    assert len(params) == 3
    assert [k for k, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    x = np.array([[0.5, -1.0, 2.0]])
    net(Tensor(x)).backward(np.ones((1, 3)))
    # y = W(Wx + b0) + b1: dL/dW = 1·h1ᵀ (second use) + (Wᵀ1)·xᵀ (first use)
    w = net[0].weight.data.astype(np.float64)
    h1 = x @ w.T + net[0].bias.data
    expected = np.ones((3, 1)) @ h1 + (w.T @ np.ones((3, 1))) @ x
    np.testing.assert_allclose(net[0].weight.grad, expected, rtol=1e-5)


def test_shared_module_counted_once():
    lin = nn.Linear(3, 3)
    net = nn.Sequential(lin, nn.Tanh(), lin)
    assert len(list(net.parameters())) == 2
    assert [k for k, _ in net.named_parameters()] == ["0.weight", "0.bias"]


def test_train_eval_recursive():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.ReLU()))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    assert net.train() is net
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not any(m.training for m in net.modules())
    assert len(list(net.modules())) == 5


def test_zero_grad_sets_none(rng):
    net = nn.MLP([3, 4, 2])
    net(Tensor(rng.standard_normal((2, 3)))).backward(np.ones((2, 2)))
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_returns_copies():
    net = nn.MLP([3, 4, 2])
    sd = net.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    before = net[0].weight.data.copy()
    sd["0.weight"][...] = 123.0
    np.testing.assert_array_equal(net[0].weight.data, before)
    # and loading copies in: mutating the source afterwards does not reach the model
    src = {k: np.full_like(v, 0.5) for k, v in net.state_dict().items()}
    net.load_state_dict(src)
    src["0.weight"][...] = 7.0
    np.testing.assert_array_equal(net[0].weight.data, 0.5)


def test_load_state_dict_keeps_parameter_identity():
    net = nn.MLP([3, 4, 2])
    w = net[0].weight
    net.load_state_dict({k: np.zeros_like(v) for k, v in net.state_dict().items()})
    assert net[0].weight is w
    assert (w.data == 0).all()
    assert w.dtype == np.float64


def _snapshot(net):
    return {k: v.copy() for k, v in net.state_dict().items()}


def _assert_unchanged(net, snap):
    now = net.state_dict()
    assert list(now) == list(snap)
    for k in snap:
        np.testing.assert_array_equal(now[k], snap[k])


def test_load_state_dict_strict_missing_and_unexpected():
    net = nn.MLP([3, 4, 2])
    snap = _snapshot(net)
    state = {k: np.zeros_like(v) for k, v in snap.items()}
    del state["2.bias"]
    state["extra.weight"] = np.zeros(3)
    with pytest.raises(KeyError) as info:
        net.load_state_dict(state)
    msg = str(info.value)
    assert "2.bias" in msg
    assert "extra.weight" in msg
    assert "missing" in msg
    assert "unexpected" in msg
    _assert_unchanged(net, snap)


def test_load_state_dict_shape_mismatch():
    net = nn.MLP([3, 4, 2])
    snap = _snapshot(net)
    state = {k: np.zeros_like(v) for k, v in snap.items()}
    state["2.weight"] = np.zeros((2, 5))
    with pytest.raises(ValueError, match="shape mismatch") as info:
        net.load_state_dict(state)
    msg = str(info.value)
    assert "2.weight" in msg
    assert "(2, 5)" in msg
    assert "(2, 4)" in msg
    _assert_unchanged(net, snap)
    # also with strict=False: shape errors are never ignored and nothing changes
    with pytest.raises(ValueError, match=r"2\.weight"):
        net.load_state_dict(state, strict=False)
    _assert_unchanged(net, snap)


def test_load_state_dict_non_strict_returns_incompatible_keys():
    net = nn.MLP([3, 4, 2])
    state = {k: np.full_like(v, 2.0) for k, v in net.state_dict().items()}
    del state["0.bias"]
    state["bogus"] = np.zeros(1)
    old_bias = net[0].bias.data.copy()
    result = net.load_state_dict(state, strict=False)
    assert isinstance(result, nn.IncompatibleKeys)
    assert result.missing_keys == ["0.bias"]
    assert result.unexpected_keys == ["bogus"]
    np.testing.assert_array_equal(net[0].weight.data, 2.0)
    np.testing.assert_array_equal(net[0].bias.data, old_bias)
    ok = net.load_state_dict(net.state_dict())
    assert ok == nn.IncompatibleKeys([], [])


def test_save_load_round_trip(tmp_path):
    nn.manual_seed(3)
    a = nn.LeNet5()
    path = a.save(tmp_path / "ck.npz")
    assert path == tmp_path / "ck.npz"
    assert path.exists()
    nn.manual_seed(4)
    b = nn.LeNet5()
    assert b.load(path) == nn.IncompatibleKeys([], [])
    sa, sb = a.state_dict(), b.state_dict()
    for k in sa:
        np.testing.assert_array_equal(sa[k], sb[k])
    # overwrite in place, and nothing but the checkpoint is left in the directory
    b.save(path)
    assert os.listdir(tmp_path) == ["ck.npz"]


def test_save_creates_parent_dirs(tmp_path):
    path = nn.Linear(2, 2).save(tmp_path / "a" / "b" / "w.npz")
    assert path.exists()
    assert os.listdir(path.parent) == ["w.npz"]


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    net = nn.Linear(2, 2)
    path = net.save(tmp_path / "w.npz")
    good = path.read_bytes()

    write_array = np.lib.format.write_array
    written = []

    def boom(member, array, **kwargs):  # the first array goes out, then the disk is full
        if written:
            raise RuntimeError("disk full")
        written.append(write_array(member, array, **kwargs))

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        nn.Linear(2, 2).save(path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["w.npz"]
    assert path.read_bytes() == good


def test_load_truncated_file(tmp_path):
    net = nn.MLP([3, 4, 2])
    path = net.save(tmp_path / "ck.npz")
    data = path.read_bytes()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(data[: len(data) // 2])
    snap = _snapshot(net)
    with pytest.raises(ValueError, match="truncated"):
        net.load(bad)
    _assert_unchanged(net, snap)


def test_load_foreign_file(tmp_path):
    p = tmp_path / "x.npz"
    p.write_text("not a zip")
    with pytest.raises(ValueError, match="truncated or foreign"):
        nn.Linear(2, 2).load(p)


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.Linear(2, 2).load(tmp_path / "nope.npz")


def test_repr_shows_children():
    r = repr(nn.LeNet5())
    assert r.startswith("LeNet5(")
    for part in (
        "(conv1): Conv2d(1, 6",
        "(fc3): Linear(in_features=84, out_features=10)",
        "(pool1)",
    ):
        assert part in r
    nested = repr(nn.Autoencoder([8, 4, 2]))
    assert "(encoder): Sequential(\n    (0): Linear(in_features=8" in nested
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"


def _op_scopes(y):
    return {t.scope for t in autograd.topological_order(y) if t.op}


def test_calling_a_module_sets_scopes(rng):
    net = nn.MLP([3, 4, 2])
    y = net(Tensor(rng.standard_normal((2, 3))))
    assert y.scope == "mlp.2"
    assert _op_scopes(y) == {"mlp.0", "mlp.1", "mlp.2"}
    ae = nn.Autoencoder([4, 3, 2])
    y = ae(Tensor(rng.standard_normal((2, 4))))
    scopes = _op_scopes(y)
    assert {"autoencoder.encoder.0", "autoencoder.decoder.3"} <= scopes
    lenet = nn.LeNet5()
    y = lenet(Tensor(rng.standard_normal((1, 1, 28, 28))))
    assert {"lenet5.conv1", "lenet5.pool2", "lenet5.fc3"} <= _op_scopes(y)
    assert autograd.current_scope() == ""


def test_linear_wrong_input_features():
    with pytest.raises(ValueError, match=r"Linear\(5, 2\).*3 features.*expected 5"):
        nn.Linear(5, 2)(Tensor(np.zeros((4, 3))))


def test_module_requires_super_init():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_sequential_rejects_non_module():
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), lambda x: x)
