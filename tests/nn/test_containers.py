"""ModuleDict, Module.named_children / add_module / register_parameter / to, Softmax and
LogSoftmax modules: PyTorch's names, keys and values."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor


def build(lib):
    layers = lib.ModuleDict({"encode": lib.Linear(3, 4), "decode": lib.Linear(4, 2)})
    layers["act"] = lib.Tanh()
    net = lib.Module()
    net.add_module("layers", layers)
    net.register_parameter("scale", lib.Parameter(lib_ones(lib, 2)))
    return net


def lib_ones(lib, n):
    if lib is nn:
        return Tensor(np.ones(n, dtype=np.float32))
    import torch

    return torch.ones(n)


def test_module_dict_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = build(nn), build(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [k for k, _ in ours.named_children()] == [k for k, _ in theirs.named_children()]
    assert list(ours.layers.keys()) == list(theirs.layers.keys())
    assert "act" in ours.layers
    assert isinstance(ours.layers["act"], nn.Tanh)
    assert len(ours.layers) == 3
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    ly, ty = ours.layers, theirs.layers
    got = ly["decode"](ly["act"](ly["encode"](Tensor(x)))) * ours.scale
    want = ty["decode"](ty["act"](ty["encode"](torch.tensor(x)))) * theirs.scale
    np.testing.assert_allclose(got.data, want.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_module_dict_errors_name_the_key():
    d = nn.ModuleDict()
    with pytest.raises(TypeError, match="'x' is a int, not a Module"):
        d["x"] = 3
    with pytest.raises(KeyError, match="no module 'y'"):
        d["y"]
    with pytest.raises(TypeError, match=r"not an nn\.Parameter"):
        nn.Module().register_parameter("w", Tensor([1.0]))


def test_to_double_keeps_parameter_identity_and_casts_buffers():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    params = list(model.parameters())
    opt = nn.optim.SGD(params, lr=0.1)
    assert model.double() is model
    assert [p is q for p, q in zip(params, model.parameters(), strict=True)] == [True] * 4
    assert {a.dtype for a in model.state_dict().values() if a.dtype.kind == "f"} == {
        np.dtype(np.float64)
    }
    assert model.state_dict()["1.num_batches_tracked"].dtype.kind == "i"
    model(Tensor(np.ones((4, 2)))).sum().backward()
    opt.step()
    assert model[0].weight.dtype == np.float64
    assert model.to("cpu") is model
    with pytest.raises(ValueError, match="CPU only"):
        model.to(device="cuda")
    with pytest.raises(TypeError, match="only float dtypes"):
        model.to(np.int32)
    assert model.float()[0].weight.dtype == np.float32


@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_modules_match_torch(name, dim):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4, 2)) * 10
    ours = Tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, tout = getattr(nn, name)(dim=dim)(ours), getattr(torch.nn, name)(dim=dim)(theirs)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-15)
    weights = np.arange(x.size, dtype=float).reshape(x.shape)
    (out * Tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_softmax_needs_an_explicit_dim():
    with pytest.raises(TypeError, match=r"pass dim \(e.g. Softmax\(dim=1\)"):
        nn.Softmax()


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.LeakyReLU(),
        lambda lib: lib.LeakyReLU(0.2),
        lambda lib: lib.GELU(),
        lambda lib: lib.GELU(approximate="tanh"),
    ],
    ids=["leaky", "leaky-0.2", "gelu", "gelu-tanh"],
)
def test_activation_modules_match_torch(make):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((3, 5)) * 3
    x[0, 0] = 0.0
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = make(nn)(ours), make(torch.nn)(theirs)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert repr(make(nn)).split("(")[0] == repr(make(torch.nn)).split("(")[0]


def test_gelu_names_a_bad_approximation():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU(approximate="fast")
