"""The gradient ops behind conv2d's and the poolings' recorded backward (conv2d_input_grad,
conv2d_weight_grad, avg_pool2d_backward, max pooling's scatter): their checks, and their
agreement with the plain backward and with PyTorch beyond the registry's tiny samples."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import autograd.functional as F
from autograd import Tensor
from autograd.ops.conv import conv2d_input_grad, conv2d_weight_grad
from autograd.ops.pool import AvgPool2dBackward


def test_conv_gradient_ops_refuse_shapes_that_do_not_fit(rng):
    w = rng.standard_normal((2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d_input_grad.*dy must have the output's shape"):
        conv2d_input_grad(rng.standard_normal((1, 2, 4, 4)), w, (1, 3, 5, 5))
    with pytest.raises(ValueError, match=r"conv2d_input_grad.*x_shape must be 4 sizes"):
        conv2d_input_grad(rng.standard_normal((1, 2, 3, 3)), w, (3, 5, 5))
    with pytest.raises(ValueError, match=r"conv2d_weight_grad.*x has 4 channels"):
        conv2d_weight_grad(rng.standard_normal((1, 4, 5, 5)), np.zeros((1, 2, 3, 3)), w.shape)
    with pytest.raises(ValueError, match=r"conv2d_weight_grad: stride must be at least 1"):
        conv2d_weight_grad(np.zeros((1, 3, 5, 5)), np.zeros((1, 2, 3, 3)), w.shape, stride=0)
    with pytest.raises(ValueError, match=r"avg_pool2d_backward.*pooled shape.*= \(1, 1, 2, 2\)"):
        AvgPool2dBackward.apply(Tensor(np.zeros((1, 1, 3, 3))), x_shape=(1, 1, 4, 4), kernel_size=2)


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), ((2, 3), (0, 2))])
def test_recorded_conv2d_gradients_equal_the_plain_ones_and_torch(rng, stride, padding):
    torch = pytest.importorskip("torch")
    x = Tensor(rng.standard_normal((2, 3, 9, 8)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 2)), requires_grad=True)
    b = Tensor(rng.standard_normal(4), requires_grad=True)
    y = F.conv2d(x, w, b, stride=stride, padding=padding)
    v = rng.standard_normal(y.shape)
    recorded = autograd.grad(y, [x, w, b], Tensor(v), create_graph=True)
    plain = autograd.grad(y, [x, w, b], v)
    for r, p in zip(recorded, plain):
        np.testing.assert_allclose(r.data, p, rtol=1e-12, atol=1e-12)
    # a second derivative: d/dx of <dL/dw, dL/dw> (through conv2d_weight_grad)
    (gx,) = autograd.grad((recorded[1] * recorded[1]).sum(), [x])

    tx, tw, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, w, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=padding)
    (tgw,) = torch.autograd.grad(ty, tw, torch.tensor(v), create_graph=True)
    (tgx,) = torch.autograd.grad((tgw * tgw).sum(), tx)
    np.testing.assert_allclose(gx, tgx.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_create_graph_keeps_mixed_dtypes(rng):
    x = Tensor(rng.standard_normal((1, 2, 5, 5)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    gx, gw = autograd.grad(y.sum(), [x, w], create_graph=True)
    assert (gx.dtype, gw.dtype) == (np.float32, np.float64)
    plain = autograd.grad(F.conv2d(x, w, padding=1).sum(), [x, w])
    np.testing.assert_allclose(gx.data, plain[0], rtol=1e-6)
    np.testing.assert_allclose(gw.data, plain[1], rtol=1e-12)


@pytest.mark.parametrize(
    ("kernel_size", "stride"),
    [(2, None), (3, 1), ((2, 3), (1, 2))],
    ids=["tiled", "overlap", "pair"],
)
def test_recorded_pooling_gradients_equal_the_plain_ones(rng, kernel_size, stride):
    # overlapping windows share maxima (the scatter adds); ties go to the first maximum
    x_data = rng.standard_normal((2, 3, 7, 6))
    x_data[0, 0, :3, :3] = 1.5
    x = Tensor(x_data, requires_grad=True)
    for pool in (F.max_pool2d, F.avg_pool2d):
        y = pool(x, kernel_size, stride)
        v = rng.standard_normal(y.shape)
        (recorded,) = autograd.grad(y, [x], Tensor(v, requires_grad=True), create_graph=True)
        (plain,) = autograd.grad(y, [x], v)
        np.testing.assert_allclose(recorded.data, plain, rtol=1e-12, atol=1e-12)
        assert recorded.op in {"reshape", "avg_pool2d_backward"}
