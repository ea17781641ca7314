"""Pooling kernels against their numpy oracles; ties, NaN and the ops' argument handling."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor
from autograd.kernels import pool_oracle as oracle
from autograd.kernels.pool import (
    _max_pool_2x2_forward,
    _max_pool_forward,
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from autograd.ops.pool import avg_pool2d, max_pool2d

# (x shape, kernel, stride): size 1, batch 1, one channel, odd sizes with a remainder,
# overlapping windows (stride < kernel), gaps (stride > kernel), non-square windows
CASES = [
    ((1, 1, 1, 1), (1, 1), (1, 1)),
    ((2, 3, 4, 4), (2, 2), (2, 2)),
    ((2, 2, 7, 5), (2, 2), (2, 2)),  # the 2 x 2 path, with a row and a column left over
    ((1, 2, 7, 5), (3, 3), (2, 2)),
    ((2, 1, 5, 6), (2, 3), (1, 1)),
    ((1, 1, 9, 9), (2, 2), (3, 3)),
    ((3, 2, 6, 7), (3, 2), (1, 2)),
    ((1, 3, 5, 5), (5, 5), (1, 1)),
]
DTYPES = [np.float32, np.float64]


def _tolerance(dtype) -> dict:
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


@pytest.mark.small
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "kernel", "stride"), CASES)
def test_max_pool2d_matches_oracle(rng, shape, kernel, stride, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    y, argmax = max_pool2d_forward(x, kernel, stride)
    expected_y, expected_argmax = oracle.max_pool2d_forward_oracle(x, kernel, stride)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, expected_y.astype(dtype))
    np.testing.assert_array_equal(argmax, expected_argmax)

    grad = rng.standard_normal(y.shape).astype(dtype)
    dx = max_pool2d_backward(grad, argmax, x.shape)
    assert dx.shape == x.shape
    assert dx.dtype == dtype
    expected_dx = oracle.max_pool2d_backward_oracle(grad, x, kernel, stride)
    np.testing.assert_allclose(dx, expected_dx, **_tolerance(dtype))


@pytest.mark.small
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "kernel", "stride"), CASES)
def test_avg_pool2d_matches_oracle(rng, shape, kernel, stride, dtype):
    x = rng.standard_normal(shape).astype(dtype)
    y = avg_pool2d_forward(x, kernel, stride)
    assert y.dtype == dtype
    tol = _tolerance(dtype)
    np.testing.assert_allclose(y, oracle.avg_pool2d_forward_oracle(x, kernel, stride), **tol)

    grad = rng.standard_normal(y.shape).astype(dtype)
    dx = avg_pool2d_backward(grad, x.shape, kernel, stride)
    assert dx.shape == x.shape
    assert dx.dtype == dtype
    expected_dx = oracle.avg_pool2d_backward_oracle(grad, x.shape, kernel, stride)
    np.testing.assert_allclose(dx, expected_dx, **tol)


@pytest.mark.small
def test_max_pool2d_ties_go_to_first_max_in_row_major_order():
    x = np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [2.0, 3.0, 1.0]]]])
    y, argmax = max_pool2d_forward(x, (2, 2), (1, 1))
    np.testing.assert_array_equal(y[0, 0], [[3.0, 3.0], [3.0, 3.0]])
    # windows start at (0,0), (0,1), (1,0), (1,1); the first 3 of each, reading rows
    np.testing.assert_array_equal(argmax[0, 0], [[1, 1], [3, 5]])
    dx = max_pool2d_backward(np.ones_like(y), argmax, x.shape)
    np.testing.assert_array_equal(dx[0, 0], [[0, 2, 0], [1, 0, 1], [0, 0, 0]])


@pytest.mark.small
def test_max_pool2d_nan_is_the_maximum():
    x = np.array([[[[1.0, np.nan], [5.0, 2.0]]]])
    y, argmax = max_pool2d_forward(x, (2, 2), (2, 2))
    assert np.isnan(y[0, 0, 0, 0])
    assert argmax[0, 0, 0, 0] == 1


def test_pool_ops_accept_ints_and_default_stride(rng):
    x = rng.standard_normal((1, 2, 6, 6))
    for pool in (max_pool2d, avg_pool2d):
        y_int = pool(Tensor(x), 2).data
        y_pair = pool(Tensor(x), (2, 2), (2, 2)).data
        np.testing.assert_array_equal(y_int, y_pair)
        assert y_int.shape == (1, 2, 3, 3)
    np.testing.assert_array_equal(avg_pool2d(Tensor(x), 3).data, avg_pool2d(x, (3, 3), 3).data)


def test_max_pool2d_ties_match_torch():
    torch = pytest.importorskip("torch")
    x_np = np.array([[[[1.0, 3.0, 3.0, 0.0], [3.0, 0.0, 3.0, 3.0], [2.0, 3.0, 1.0, 3.0]]]])
    x = Tensor(x_np, requires_grad=True)
    y = max_pool2d(x, 2, stride=1)
    y.backward(np.arange(1.0, 1.0 + y.size).reshape(y.shape))
    tx = torch.tensor(x_np, requires_grad=True)
    ty = torch.nn.functional.max_pool2d(tx, 2, stride=1)
    ty.backward(torch.arange(1.0, 1.0 + ty.numel(), dtype=torch.float64).reshape(ty.shape))
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_pool_ops_errors_name_op_and_shape(rng, pool):
    x = Tensor(rng.standard_normal((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=rf"{pool.__name__}.*\(1, 1, 3, 3\).*larger"):
        pool(x, 4)
    with pytest.raises(ValueError, match=rf"{pool.__name__}.*4-D"):
        pool(Tensor(rng.standard_normal((3, 3))), 2)
    with pytest.raises(ValueError, match=rf"{pool.__name__}: stride must be at least 1"):
        pool(x, 2, stride=0)
    with pytest.raises(TypeError, match=rf"{pool.__name__}: kernel_size must be an int"):
        pool(x, 1.5)


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_pool_ops_keep_float32(rng, pool):
    x = Tensor(rng.standard_normal((2, 3, 8, 8)).astype(np.float32), requires_grad=True)
    y = pool(x, 2)
    assert y.shape == (2, 3, 4, 4)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.small
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_2x2_path_equals_the_general_loops_with_ties_and_nans(rng, dtype):
    x = rng.integers(0, 3, (2, 3, 6, 7)).astype(dtype)  # many ties
    x[0, 0, 0, 0] = x[0, 1, 2, 3] = x[1, 2, 5, 5] = np.nan
    x[1, 0, :2, :2] = np.nan  # a window of NaNs: the last one wins
    y_fast, at_fast = _max_pool_2x2_forward(x)
    y_slow, at_slow = _max_pool_forward(x, 2, 2, 2, 2, 3, 3)
    np.testing.assert_array_equal(y_fast, y_slow)
    np.testing.assert_array_equal(at_fast, at_slow)
    assert at_fast[1, 0, 0, 0] == 7 + 1  # row 1, column 1 of the plane (W = 7)
