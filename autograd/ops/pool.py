"""2-D max and average pooling (NCHW, no padding), differentiable in the input.

Each (N, C) plane is pooled on its own: ``x (N, C, H, W) -> y (N, C, Ho, Wo)`` with
``Ho = (H - kh) // sh + 1`` (likewise Wo); trailing rows or columns that do not fill a window
are dropped, as PyTorch does. The kernels are in `autograd.kernels.pool`.

Both differentiate to any order (``create_graph=True``). Max pooling's backward routes each
gradient to its window's argmax, fixed by forward: a scatter, recorded as the ``scatter_add``
op (whose own backward is indexing). Average pooling's backward is linear in the gradient and
is an op of its own, ``avg_pool2d_backward``, whose backward is average pooling again.
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
from autograd.ops.shape import ScatterAdd
from autograd.tensor import Tensor, lift


def _window(op: str, x: np.ndarray, kernel_size: Any, stride: Any) -> tuple[tuple, tuple]:
    """Check the input (only its shape is read) and the window; return
    ``(kernel, stride)`` as pairs."""
    kernel = as_size_pair(kernel_size, "kernel_size", op, 1)
    stride = kernel if stride is None else as_size_pair(stride, "stride", op, 1)
    if x.ndim != 4:
        raise ValueError(f"expected a 4-D x (N, C, H, W), got a {x.ndim}-D input")
    if kernel[0] > x.shape[2] or kernel[1] > x.shape[3]:
        raise ValueError(f"kernel_size {kernel} is larger than the input's (H, W) {x.shape[2:]}")
    return kernel, stride


def _prepare(op: str, x: np.ndarray, kernel_size: Any, stride: Any) -> tuple[np.ndarray, tuple]:
    """Check the input and the window; return x as a contiguous float array and
    ``(kernel, stride)`` as pairs."""
    window = _window(op, x, kernel_size, stride)
    return np.ascontiguousarray(x, dtype=float_dtype(x)), window


def _pooled_shape(x_shape: tuple[int, ...], window: tuple) -> tuple[int, ...]:
    """(N, C, Ho, Wo) for an (N, C, H, W) input and a ``(kernel, stride)`` pair of pairs."""
    (kh, kw), (sh, sw) = window
    return (*x_shape[:2], (x_shape[2] - kh) // sh + 1, (x_shape[3] - kw) // sw + 1)


# (x shape, attrs) shared by both poolings: size 1, overlapping windows (stride < kernel),
# non-square windows, and sizes that leave a remainder
_SAMPLES: list[tuple[tuple[int, ...], dict[str, Any]]] = [
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
        ctx.x_shape, ctx.dtype, ctx.window = x.shape, x.dtype, (kernel, stride)
        return y

    @staticmethod
    def backward(ctx, grad):
        (argmax,) = ctx.saved_tensors
        # d/dx: the gradient goes to each window's (first) maximum, 0 elsewhere
        grad = np.ascontiguousarray(grad, dtype=ctx.dtype)
        return max_pool2d_backward(grad, argmax, ctx.x_shape)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        (argmax,) = ctx.saved_tensors
        n, c, h, w = ctx.x_shape
        pooled = argmax.shape[2] * argmax.shape[3]
        # each plane's gradients added at the flat positions r·W + s of its window maxima
        planes = (np.arange(n)[:, None, None], np.arange(c)[None, :, None])
        index = (*planes, argmax.reshape(n, c, pooled))
        flat = ScatterAdd.apply(grad.reshape(n, c, pooled), index=index, shape=(n, c, h * w))
        return flat.reshape(ctx.x_shape)

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
    def differentiable_backward(ctx, grad, out):
        kernel, stride = ctx.window
        return AvgPool2dBackward.apply(grad, x_shape=ctx.x_shape, kernel_size=kernel, stride=stride)

    @staticmethod
    def sample_inputs(rng):
        for shape, attrs in _SAMPLES:
            yield (rng.standard_normal(shape),), attrs


class AvgPool2dBackward(Function):
    """avg_pool2d's backward as an op: grad (N, C, Ho, Wo) -> (N, C, H, W) of ``x_shape``,
    each gradient spread evenly over its window. Linear, so its backward is avg_pool2d again
    (and avg_pool2d's recorded backward is this op): the pair differentiates to any order."""

    @staticmethod
    def forward(ctx, grad, *, x_shape, kernel_size, stride=None):
        x_shape = tuple(int(n) for n in x_shape)
        x = np.broadcast_to(np.zeros((), np.int8), x_shape)  # the checks read only its shape
        ctx.window = _window("avg_pool2d_backward", x, kernel_size, stride)
        expected = _pooled_shape(x_shape, ctx.window)
        if grad.shape != expected:
            raise ValueError(f"grad must have the pooled shape (N, C, Ho, Wo) = {expected}")
        ctx.dtype = float_dtype(grad)
        g = np.ascontiguousarray(grad, dtype=ctx.dtype)
        return avg_pool2d_backward(g, x_shape, *ctx.window)

    @staticmethod
    def backward(ctx, grad):
        # d/dgrad: each window's mean of the upstream gradient (<P g, u> = <g, Pᵀ u>)
        return avg_pool2d_forward(np.ascontiguousarray(grad, dtype=ctx.dtype), *ctx.window)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        kernel, stride = ctx.window
        return AvgPool2d.apply(grad, kernel_size=kernel, stride=stride)

    @staticmethod
    def sample_inputs(rng):
        for shape, attrs in _SAMPLES:
            kernel = as_size_pair(attrs["kernel_size"], "kernel_size", "", 1)
            window = (kernel, as_size_pair(attrs.get("stride", kernel), "stride", "", 1))
            pooled = _pooled_shape(shape, window)
            yield (rng.standard_normal(pooled),), {"x_shape": shape, **attrs}


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
