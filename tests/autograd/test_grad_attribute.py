"""`.grad` is always an ndarray of the tensor's shape and dtype: after repeated backwards,
hooks, assignments, and every optimizer and clipping path."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.optim import SGD, Adam
from nn.utils import clip_grad_norm_, clip_grad_value_

SHAPES = [(), (1,), (3,), (2, 3)]


def _assert_grad_of(t: Tensor) -> None:
    assert type(t.grad) is np.ndarray, type(t.grad)
    assert t.grad.shape == t.shape
    assert t.grad.dtype == t.dtype


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grad_stays_an_array_after_repeated_backwards(shape, dtype):
    s = Tensor(np.full(shape, 2.0, dtype=dtype), requires_grad=True)
    for k in range(1, 4):
        (s * 3.0).sum().backward()
        _assert_grad_of(s)
        np.testing.assert_array_equal(s.grad, np.full(shape, 3.0 * k))


def test_zero_grad_in_place_resets_a_0d_gradient_every_step():
    # the SGD loop: with a numpy scalar as .grad, fill(0) was impossible and the
    # gradient grew 6, 12, 18, ... instead of staying 6
    s = Tensor(2.0, requires_grad=True)
    opt = SGD([s], lr=0.0)
    seen = []
    for _ in range(3):
        opt.zero_grad(set_to_none=False)
        (s * s * 1.5).backward()
        seen.append(s.grad.item())
        _assert_grad_of(s)
    assert seen == [6.0, 6.0, 6.0]


@pytest.mark.parametrize("shape", SHAPES)
def test_clipping_works_in_place_on_accumulated_gradients(shape):
    s = Tensor(np.full(shape, 2.0), requires_grad=True)
    (s * 4.0).sum().backward()
    (s * 4.0).sum().backward()  # accumulated: 8 everywhere
    clip_grad_value_([s], 1.5)
    _assert_grad_of(s)
    np.testing.assert_array_equal(s.grad, np.full(shape, 1.5))
    (s * 0.0).sum().backward()
    total = clip_grad_norm_([s], 0.5)
    _assert_grad_of(s)
    assert total == pytest.approx(1.5 * np.sqrt(max(s.size, 1)))
    assert np.linalg.norm(s.grad) == pytest.approx(0.5, rel=1e-5)


def test_hook_returning_a_python_number_gives_an_array():
    s = Tensor(1.0, requires_grad=True)
    s.register_hook(lambda g: 5.0)
    (s * 2.0).backward()
    (s * 2.0).backward()
    _assert_grad_of(s)
    assert s.grad.item() == 10.0


@pytest.mark.parametrize(
    ("make", "options"),
    [
        (SGD, {"lr": 0.1}),
        (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
        (Adam, {"lr": 0.1}),
        (Adam, {"lr": 0.1, "weight_decay": 0.01, "amsgrad": True}),
    ],
)
def test_optimizers_keep_0d_parameters_and_gradients_as_arrays(make, options):
    s = Tensor(np.array(2.0), requires_grad=True)
    opt = make([s], **options)
    for _ in range(3):
        opt.zero_grad(set_to_none=False)
        (s * s).backward()
        opt.step()
        _assert_grad_of(s)
        assert type(s.data) is np.ndarray
        assert s.data.shape == ()
    assert s.item() < 2.0


def test_module_zero_grad_in_place_keeps_arrays_of_zeros():
    lin = nn.Linear(1, 1)
    lin(Tensor(np.ones((1, 1)))).sum().backward()
    lin.zero_grad(set_to_none=False)
    for p in lin.parameters():
        _assert_grad_of(p)
        assert not p.grad.any()


def test_assigning_grad_checks_shape_and_casts_dtype():
    t = Tensor(np.zeros((2, 3), np.float32), requires_grad=True)
    t.grad = np.ones((2, 3))  # float64 assigned: stored as float32
    _assert_grad_of(t)
    t.grad = Tensor(np.full((2, 3), 2.0))
    np.testing.assert_array_equal(t.grad, np.full((2, 3), 2.0))
    t.grad = None
    assert t.grad is None
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2, 3\)"):
        t.grad = np.ones(3)
    with pytest.raises(TypeError, match="numeric"):
        t.grad = np.array([["a"] * 3] * 2)


def test_assigned_read_only_gradient_is_made_writable():
    t = Tensor(np.zeros(3), requires_grad=True)
    t.grad = np.broadcast_to(np.float64(1.0), (3,))
    t.grad.fill(0)  # a read-only broadcast view would raise here
    assert not t.grad.any()
