"""Feed-forward layers, ready-made models and the Module API, checked against PyTorch.

Everything runs in float64: weights are copied torch → tracegrad through ``load_state_dict``,
then outputs (1e-10), input gradients and every parameter gradient (by name, 1e-9) are compared.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("float64")

FWD_TOL = 1e-10
GRAD_TOL = 1e-9


# -- helpers ------------------------------------------------------------------------------
def copy_weights(ours: nn.Module, theirs) -> None:
    """Check both state dicts have the same keys (in order) and shapes, then copy torch → ours."""
    t_state = theirs.state_dict()
    o_state = ours.state_dict()
    assert list(o_state) == list(t_state)
    for k, v in t_state.items():
        assert o_state[k].shape == tuple(v.shape), k
    ours.load_state_dict({k: v.detach().numpy() for k, v in t_state.items()})
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v, t_state[k].numpy())


def close(a, b, tol):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=0, atol=tol)


def check_parity(ours, theirs, x_np, rng, *, integer_input=False):
    """Same forward output, same input gradient, same gradient for every parameter."""
    copy_weights(ours, theirs)
    if integer_input:
        x, xt = Tensor(x_np.copy()), torch.from_numpy(x_np.copy())
    else:
        x = Tensor(x_np.copy(), requires_grad=True)
        xt = torch.from_numpy(x_np.copy()).requires_grad_()
    y, yt = ours(x), theirs(xt)
    assert y.dtype == np.float64
    assert y.shape == tuple(yt.shape)
    close(y.data, yt, FWD_TOL)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.from_numpy(g))
    if not integer_input:
        close(x.grad, xt.grad, GRAD_TOL)
    t_params = dict(theirs.named_parameters())
    o_params = dict(ours.named_parameters())
    assert list(o_params) == list(t_params)
    for name, p in o_params.items():
        assert p.grad is not None, name
        close(p.grad, t_params[name].grad, GRAD_TOL)
    return y


# -- single layers ------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(rng, bias):
    check_parity(
        nn.Linear(6, 4, bias=bias),
        torch.nn.Linear(6, 4, bias=bias).double(),
        rng.standard_normal((3, 6)),
        rng,
    )


def test_linear_batched_leading_dims(rng):
    check_parity(
        nn.Linear(5, 3), torch.nn.Linear(5, 3).double(), rng.standard_normal((2, 4, 5)), rng
    )


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "bias"),
    [(3, 1, 0, True), (3, 2, 1, True), ((3, 2), (2, 1), (1, 0), True), (2, 1, 1, False)],
)
def test_conv2d_matches_torch(rng, kernel, stride, padding, bias):
    check_parity(
        nn.Conv2d(3, 4, kernel, stride=stride, padding=padding, bias=bias),
        torch.nn.Conv2d(3, 4, kernel, stride=stride, padding=padding, bias=bias).double(),
        rng.standard_normal((2, 3, 7, 6)),
        rng,
    )


@pytest.mark.parametrize("stride", [None, 1, 2])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_matches_torch(rng, kind, stride):
    ours = (nn.MaxPool2d if kind == "max" else nn.AvgPool2d)(2, stride)
    theirs = (torch.nn.MaxPool2d if kind == "max" else torch.nn.AvgPool2d)(2, stride)
    check_parity(ours, theirs, rng.standard_normal((2, 3, 6, 4)), rng)


@pytest.mark.parametrize(("start", "end"), [(1, -1), (0, -1), (1, 2), (2, 3)])
def test_flatten_matches_torch(rng, start, end):
    check_parity(
        nn.Flatten(start, end), torch.nn.Flatten(start, end), rng.standard_normal((2, 3, 4, 5)), rng
    )


@pytest.mark.parametrize("name", ["ReLU", "Sigmoid", "Tanh"])
def test_activations_match_torch(rng, name):
    check_parity(getattr(nn, name)(), getattr(torch.nn, name)(), rng.standard_normal((4, 7)), rng)


def test_embedding_matches_torch(rng):
    idx = np.array([[0, 3, 3], [4, 1, 0]])  # repeated indices accumulate gradient
    check_parity(
        nn.Embedding(5, 3), torch.nn.Embedding(5, 3).double(), idx, rng, integer_input=True
    )


def test_sequential_matches_torch(rng):
    ours = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 5)
    )
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(12, 5),
    ).double()
    check_parity(ours, theirs, rng.standard_normal((2, 2, 4, 4)), rng)
    assert len(ours) == 5
    assert isinstance(ours[3], nn.Flatten)


# -- dropout ------------------------------------------------------------------------------
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
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="p must be"):
            nn.Dropout(p)


# -- ready-made models --------------------------------------------------------------------
def test_mlp_matches_torch_sequential(rng):
    ours = nn.MLP([6, 5, 3])
    theirs = torch.nn.Sequential(
        torch.nn.Linear(6, 5), torch.nn.Sigmoid(), torch.nn.Linear(5, 3)
    ).double()
    assert (
        list(ours.state_dict())
        == list(theirs.state_dict())
        == [
            "0.weight",
            "0.bias",
            "2.weight",
            "2.bias",
        ]
    )
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    check_parity(ours, theirs, rng.standard_normal((4, 6)), rng)


class TorchLeNet5(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(16 * 5 * 5, 120)
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        f = torch.nn.functional
        x = f.max_pool2d(f.relu(self.conv1(x)), 2)
        x = f.max_pool2d(f.relu(self.conv2(x)), 2).flatten(1)
        return self.fc3(f.relu(self.fc2(f.relu(self.fc1(x)))))


def test_lenet5_matches_torch(rng):
    ours, theirs = nn.LeNet5(), TorchLeNet5().double()
    o_state, t_state = ours.state_dict(), theirs.state_dict()
    assert list(o_state) == list(t_state)
    assert {k: v.shape for k, v in o_state.items()} == {
        k: tuple(v.shape) for k, v in t_state.items()
    }
    ours.load_state_dict({k: v.numpy() for k, v in t_state.items()})
    check_parity(ours, theirs, rng.standard_normal((2, 1, 28, 28)), rng)


def test_lenet5_rejects_wrong_image_size():
    with pytest.raises(ValueError, match=r"\(N, C, 28, 28\)"):
        nn.LeNet5()(Tensor(np.zeros((1, 1, 32, 32))))


class TorchAutoencoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        L = torch.nn.Linear
        self.encoder = torch.nn.Sequential(L(8, 4), torch.nn.ReLU(), L(4, 2))
        self.decoder = torch.nn.Sequential(L(2, 4), torch.nn.ReLU(), L(4, 8), torch.nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def test_autoencoder_matches_torch(rng):
    ours, theirs = nn.Autoencoder([8, 4, 2]), TorchAutoencoder().double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    y = check_parity(ours, theirs, rng.standard_normal((5, 8)), rng)
    assert ((y.data > 0) & (y.data < 1)).all()


# -- initialisation -----------------------------------------------------------------------
def _check_uniform(a, bound, n_tol=0.03):
    assert np.abs(a).max() <= bound
    assert abs(a.std() - bound / math.sqrt(3)) < n_tol * bound
    assert abs(a.mean()) < n_tol * bound


def test_linear_default_init_matches_torch_scheme():
    nn.manual_seed(0)
    lin = nn.Linear(400, 500)
    bound = 1 / math.sqrt(400)
    _check_uniform(lin.weight.data, bound)
    _check_uniform(lin.bias.data, bound, n_tol=0.1)
    assert lin.weight.dtype == np.float64
    t = torch.nn.Linear(400, 500).double().weight.detach().numpy()
    assert abs(lin.weight.data.std() - t.std()) < 0.03 * bound
    assert abs(np.abs(t).max() - np.abs(lin.weight.data).max()) < 0.01 * bound


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


# -- Module API ---------------------------------------------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.a = nn.Linear(3, 4)
        self.b = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.b(self.a(x * self.scale))


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
        self.a = torch.nn.Linear(3, 4)
        self.b = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))

    def forward(self, x):
        return self.b(self.a(x * self.scale))


def test_named_parameters_order_and_dotted_names_match_torch(rng):
    ours, theirs = Net(), TorchNet().double()
    names = [k for k, _ in ours.named_parameters()]
    assert names == [k for k, _ in theirs.named_parameters()]
    assert names == [
        "scale",
        "a.weight",
        "a.bias",
        "b.0.weight",
        "b.0.bias",
        "b.2.weight",
        "b.2.bias",
    ]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ours.parameters())
    assert [k for k, _ in ours.named_modules()] == [k for k, _ in theirs.named_modules()]
    assert [type(m).__name__ for m in ours.children()] == ["Linear", "Sequential"]
    check_parity(ours, theirs, rng.standard_normal((2, 3)), rng)


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


def test_shared_module_state_dict_keys_match_torch():
    lin = nn.Linear(3, 3)
    ours = nn.Sequential(lin, nn.Tanh(), lin)
    tlin = torch.nn.Linear(3, 3)
    theirs = torch.nn.Sequential(tlin, torch.nn.Tanh(), tlin)
    assert list(ours.state_dict()) == list(theirs.state_dict())


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

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez", boom)
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


# -- scopes and errors --------------------------------------------------------------------
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
