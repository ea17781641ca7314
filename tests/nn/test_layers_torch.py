"""Feed-forward layers, ready-made models and the Module API, checked against PyTorch
(the Module API's own tests, which need no torch, are in test_module_api.py).

Everything runs in float64: weights are copied torch → tracegrad through ``load_state_dict``,
then outputs (1e-10), input gradients and every parameter gradient (by name, 1e-9) are compared.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd import Tensor
from tests.nn.test_module_api import _check_uniform

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


def test_shared_module_state_dict_keys_match_torch():
    lin = nn.Linear(3, 3)
    ours = nn.Sequential(lin, nn.Tanh(), lin)
    tlin = torch.nn.Linear(3, 3)
    theirs = torch.nn.Sequential(tlin, torch.nn.Tanh(), tlin)
    assert list(ours.state_dict()) == list(theirs.state_dict())
