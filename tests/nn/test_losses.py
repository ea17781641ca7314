"""Loss modules against PyTorch's: value and input gradient for every reduction, in float32
and float64, and clear errors for the PyTorch arguments they do not support."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor

torch = pytest.importorskip("torch")

REDUCTIONS = ["mean", "sum", "none"]
TOL = {np.float32: 1e-5, np.float64: 1e-11}


def _classes(rng, shape, classes, ignored=0):
    t = rng.integers(0, classes, shape)
    t.reshape(-1)[:ignored] = -100
    return t


def _cases(rng, dtype):
    """(name, ours, theirs, input array, target array) for every loss and input layout."""

    def f(a):
        return a.astype(dtype)

    logits = f(rng.standard_normal((5, 4)) * 3)
    logits_nd = f(rng.standard_normal((2, 3, 4)))
    probs = f(rng.dirichlet(np.ones(4), 5))
    p = f(rng.uniform(0.05, 0.95, (3, 4)))
    yield "ce", {}, logits, _classes(rng, 5, 4)
    yield "ce-nd", {}, logits_nd, _classes(rng, (2, 4), 3)
    yield "ce-single", {}, f(rng.standard_normal(4)), np.array(2)
    yield "ce-ignore", {}, logits, _classes(rng, 5, 4, ignored=2)
    yield "ce-ignore3", {"ignore_index": 3}, logits, np.array([3, 0, 3, 1, 2])
    yield "ce-smooth", {"label_smoothing": 0.2}, logits, _classes(rng, 5, 4, ignored=1)
    yield "ce-probs", {"label_smoothing": 0.1}, logits, probs
    log_probs = torch.log_softmax(torch.from_numpy(logits), 1).numpy()
    yield "nll", {}, log_probs, _classes(rng, 5, 4, ignored=1)
    yield "nll-nd", {}, f(rng.standard_normal((2, 3, 4))), _classes(rng, (2, 4), 3)
    yield "mse", {}, f(rng.standard_normal((3, 4))), f(rng.standard_normal((3, 4)))
    yield "mse-0d", {}, f(rng.standard_normal(())), f(rng.standard_normal(()))
    yield "bce", {}, p, f(rng.uniform(0, 1, (3, 4)))
    yield "bce-1", {}, f(rng.uniform(0.05, 0.95, (1,))), f(np.ones(1))
    yield "bcel", {}, f(rng.standard_normal((3, 4)) * 4), f(rng.uniform(0, 1, (3, 4)))
    yield "l1", {}, f(rng.standard_normal((3, 4))), f(rng.standard_normal((3, 4)))
    yield "smoothl1", {}, f(rng.standard_normal((3, 4)) * 2), f(rng.standard_normal((3, 4)))
    yield (
        "smoothl1-beta",
        {"beta": 0.3},
        f(rng.standard_normal((3, 4))),
        f(rng.standard_normal((3, 4))),
    )


MODULES = {
    "ce": (nn.CrossEntropyLoss, torch.nn.CrossEntropyLoss),
    "nll": (nn.NLLLoss, torch.nn.NLLLoss),
    "mse": (nn.MSELoss, torch.nn.MSELoss),
    "bce": (nn.BCELoss, torch.nn.BCELoss),
    "bcel": (nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss),
    "l1": (nn.L1Loss, torch.nn.L1Loss),
    "smoothl1": (nn.SmoothL1Loss, torch.nn.SmoothL1Loss),
}
NAMES = [c[0] for c in _cases(np.random.default_rng(0), np.float64)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", NAMES)
def test_loss_matches_torch(dtype, reduction, case):
    rng = np.random.default_rng(5)
    name, kwargs, x_np, t_np = next(c for c in _cases(rng, dtype) if c[0] == case)
    ours_cls, torch_cls = MODULES[name.split("-")[0]]
    ours, theirs = ours_cls(reduction=reduction, **kwargs), torch_cls(reduction=reduction, **kwargs)
    x = Tensor(x_np.copy(), requires_grad=True)
    xt = torch.from_numpy(x_np.copy()).requires_grad_()
    loss, loss_t = ours(x, t_np.copy()), theirs(xt, torch.from_numpy(t_np.copy()))
    assert loss.shape == tuple(loss_t.shape)
    assert loss.dtype == dtype
    tol = TOL[dtype]
    np.testing.assert_allclose(loss.data, loss_t.detach().numpy(), rtol=tol, atol=tol)
    g = rng.uniform(0.5, 1.5, loss.shape).astype(dtype)
    loss.backward(g)
    loss_t.backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=tol, atol=tol)


def test_defaults_match_torch():
    for name, (ours_cls, torch_cls) in MODULES.items():
        ours, theirs = ours_cls(), torch_cls()
        assert ours.reduction == theirs.reduction == "mean", name
        if hasattr(theirs, "ignore_index"):
            assert ours.ignore_index == theirs.ignore_index == -100, name
    assert nn.CrossEntropyLoss().label_smoothing == 0.0
    assert isinstance(nn.CrossEntropyLoss(), nn.Module)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: nn.CrossEntropyLoss(weight=np.ones(3)), "CrossEntropyLoss: weight"),
        (lambda: nn.NLLLoss(weight=np.ones(3)), "NLLLoss: weight"),
        (lambda: nn.BCELoss(weight=np.ones(3)), "BCELoss: weight"),
        (lambda: nn.BCEWithLogitsLoss(pos_weight=np.ones(3)), "BCEWithLogitsLoss: pos_weight"),
        (lambda: nn.BCEWithLogitsLoss(weight=np.ones(3)), "BCEWithLogitsLoss: weight"),
        (lambda: nn.MSELoss(size_average=False), "MSELoss: size_average and reduce"),
        (lambda: nn.NLLLoss(reduce=False), "NLLLoss: size_average and reduce"),
    ],
)
def test_unsupported_torch_arguments_raise(make, words):
    with pytest.raises(NotImplementedError, match=words):
        make()


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match=r"MSELoss: reduction must be one of .*'avg'"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="CrossEntropyLoss: label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(IndexError, match="target 4 is out of range for 4 classes"):
        nn.CrossEntropyLoss()(Tensor(np.zeros((2, 4))), np.array([0, 4]))
