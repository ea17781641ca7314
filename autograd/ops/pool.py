"""2-D max and average pooling (NCHW, no padding), differentiable in the input.

Each (N, C) plane is pooled on its own: ``x (N, C, H, W) -> y (N, C, Ho, Wo)`` with
``Ho = (H - kh) // sh + 1`` (likewise Wo); trailing rows or columns that do not fill a window
are dropped, as PyTorch does. The kernels are in `autograd.kernels.pool`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.kernels.pool import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from autograd.ops.conv import Size, as_size_pair, float_dtype
from autograd.tensor import Tensor, lift


def _prepare(op: str, x: np.ndarray, kernel_size: Any, stride: Any) -> tuple[np.ndarray, tuple]:
    """Check the input and the window; return x as a contiguous float array and
    ``(kernel, stride)`` as pairs."""
    kernel = as_size_pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else as_size_pair(stride, "stride", op, 1)
    if x.ndim != 4:
        raise ValueError(f"expected a 4-D x (N, C, H, W), got a {x.ndim}-D input")
    if kernel[0] > x.shape[2] or kernel[1] > x.shape[3]:
        raise ValueError(f"kernel_size {kernel} is larger than the input's (H, W) {x.shape[2:]}")
    return np.ascontiguousarray(x, dtype=float_dtype(x)), (kernel, stride)


# (x shape, attrs) shared by both poolings: size 1, overlapping windows (stride < kernel),
# non-square windows, and sizes that leave a remainder
_SAMPLES = [
    ((1, 1, 1, 1), {"kernel_size": 1}),
    ((2, 2, 4, 4), {"kernel_size": 2}),
    ((1, 2, 5, 5), {"kernel_size": 3, "stride": 2}),
    ((2, 1, 5, 4), {"kernel_size": (2, 3), "stride": (1, 1)}),
    ((1, 1, 5, 5), {"kernel_size": 2, "stride": (2, 1)}),
]


class MaxPool2d(Function):
    name = "max_pool2d"

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride=None):
        x, (kernel, stride) = _prepare("max_pool2d", x, kernel_size, stride)
        y, argmax = max_pool2d_forward(x, kernel, stride)
        ctx.save_for_backward(argmax)
        ctx.x_shape, ctx.dtype = x.shape, x.dtype
        return y

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved_tensors
        # d/dx: the gradient goes to each window's (first) maximum, 0 elsewhere
        grad = np.ascontiguousarray(grad, dtype=ctx.dtype)
        return max_pool2d_backward(grad, argmax, ctx.x_shape)

    @staticmethod
    def sample_inputs(rng):
        for shape, attrs in _SAMPLES:
            yield (rng.standard_normal(shape),), attrs


class AvgPool2d(Function):
    name = "avg_pool2d"

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride=None):
        x, ctx.window = _prepare("avg_pool2d", x, kernel_size, stride)
        ctx.x_shape, ctx.dtype = x.shape, x.dtype
        return avg_pool2d_forward(x, *ctx.window)

    @staticmethod
    def backward(ctx, grad):
        # d/dx: 1/(kh·kw) for each entry of each window containing it
        grad = np.ascontiguousarray(grad, dtype=ctx.dtype)
        return avg_pool2d_backward(grad, ctx.x_shape, *ctx.window)

    @staticmethod
    def sample_inputs(rng):
        for shape, attrs in _SAMPLES:
            yield (rng.standard_normal(shape),), attrs


def max_pool2d(x: Any, kernel_size: Size, stride: Size | None = None) -> Tensor:
    """Max over each kh × kw window: x (N, C, H, W) -> (N, C, Ho, Wo).

    ``Ho = (H - kh) // sh + 1`` (likewise Wo); ``kernel_size`` and ``stride`` are an int or
    a (rows, cols) pair, stride defaulting to the kernel size (windows side by side). The
    gradient goes to the maximum of each window (the first in row-major order on ties).
    """
    return MaxPool2d.apply(lift(x), kernel_size=kernel_size, stride=stride)


def avg_pool2d(x: Any, kernel_size: Size, stride: Size | None = None) -> Tensor:
    """Mean of each kh × kw window: x (N, C, H, W) -> (N, C, Ho, Wo).

    Sizes and arguments as `max_pool2d`; each input gets ``1/(kh·kw)`` of the gradient of
    every window that contains it.
    """
    return AvgPool2d.apply(lift(x), kernel_size=kernel_size, stride=stride)
