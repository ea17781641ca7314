"""Second order through whole models, against PyTorch with copied weights (float64).

The workload is a gradient penalty: loss = CE(model(x), y) + λ·‖∂CE/∂x‖², whose parameter
gradient needs the derivative of a gradient through every layer of the model.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import autograd.functional as F
import nn
from autograd import Tensor
from tests.nn.test_layers_torch import TorchLeNet5, copy_weights

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("float64")

PENALTY = 0.3


def _penalised_grads(model, x_np, targets, loss_of):
    """tracegrad: the penalised loss's value and its gradient for every parameter, by name."""
    x = Tensor(x_np.copy(), requires_grad=True)
    loss = loss_of(model(x), targets)
    (gx,) = autograd.grad(loss, x, create_graph=True)
    total = loss + PENALTY * (gx * gx).sum()
    names = [n for n, _ in model.named_parameters()]
    grads = autograd.grad(total, [p for _, p in model.named_parameters()])
    return total.item(), dict(zip(names, grads))


def _torch_penalised_grads(model, x_np, targets, loss_of):
    x = torch.from_numpy(x_np.copy()).requires_grad_()
    loss = loss_of(model(x), targets)
    (gx,) = torch.autograd.grad(loss, x, create_graph=True)
    total = loss + PENALTY * (gx * gx).sum()
    names = [n for n, _ in model.named_parameters()]
    grads = torch.autograd.grad(total, [p for _, p in model.named_parameters()])
    return total.item(), {n: g.numpy() for n, g in zip(names, grads)}


def _check(ours, theirs, x_np, targets, ours_loss, torch_loss, tol=1e-9):
    copy_weights(ours, theirs)
    value, grads = _penalised_grads(ours, x_np, targets, ours_loss)
    t_value, t_grads = _torch_penalised_grads(theirs, x_np, torch.from_numpy(targets), torch_loss)
    assert value == pytest.approx(t_value, rel=1e-12)
    assert list(grads) == list(t_grads)
    for name in grads:
        np.testing.assert_allclose(grads[name], t_grads[name], rtol=1e-7, atol=tol, err_msg=name)


def _ce(logits, targets):
    return F.cross_entropy(logits, targets)


def _torch_ce(logits, targets):
    return torch.nn.functional.cross_entropy(logits, targets)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_mlp_gradient_penalty_matches_torch(rng, activation):
    ours = nn.MLP([5, 7, 3], activation=activation)
    act = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}[activation]
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 7), act(), torch.nn.Linear(7, 3)).double()
    x = rng.standard_normal((4, 5))
    _check(ours, theirs, x, np.array([0, 2, 1, 2]), _ce, _torch_ce)


def test_lenet5_gradient_penalty_matches_torch(rng):
    ours, theirs = nn.LeNet5(), TorchLeNet5().double()
    x = rng.standard_normal((2, 1, 28, 28))
    _check(ours, theirs, x, np.array([3, 7]), _ce, _torch_ce)


class _TorchRecurrentHead(torch.nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(torch.nn, kind)(3, 4)
        self.head = torch.nn.Linear(4, 2)

    def forward(self, x):
        out = self.rnn(x)[0]
        return self.head(out[-1])


class _RecurrentHead(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(nn, kind)(3, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        out = self.rnn(x)[0]
        return self.head(out[-1])


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_gradient_penalty_matches_torch(rng, kind):
    ours, theirs = _RecurrentHead(kind), _TorchRecurrentHead(kind).double()
    x = 0.5 * rng.standard_normal((5, 2, 3))
    _check(ours, theirs, x, np.array([1, 0]), _ce, _torch_ce)


def test_hessian_vector_product_of_an_mlp_loss_matches_torch(rng):
    ours = nn.MLP([4, 6, 3], activation="tanh")
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3))
    theirs = theirs.double()
    copy_weights(ours, theirs)
    x, y = rng.standard_normal((5, 4)), np.array([0, 1, 2, 1, 0])
    params = list(ours.parameters())
    vs = [rng.standard_normal(p.shape) for p in params]

    loss = F.cross_entropy(ours(Tensor(x)), y)
    grads = autograd.grad(loss, params, create_graph=True)
    dot = sum((g * Tensor(v)).sum() for g, v in zip(grads, vs))
    hv = autograd.grad(dot, params)

    t_params = list(theirs.parameters())
    t_loss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    t_grads = torch.autograd.grad(t_loss, t_params, create_graph=True)
    t_dot = sum((g * torch.from_numpy(v)).sum() for g, v in zip(t_grads, vs))
    t_hv = torch.autograd.grad(t_dot, t_params)
    for a, b in zip(hv, t_hv):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-9, atol=1e-12)
