"""2-D convolution (NCHW), differentiable in the input, the weight and the bias.

The kernels (`autograd.kernels.conv`) do the work: im2col in Numba and matrix products in
BLAS. This module checks shapes, picks one float dtype for all operands and keeps forward and
backward side by side. Forward saves the input and the weight (not the im2col matrix, which
backward rebuilds), so changing either in place before backward is caught.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.kernels.conv import conv2d_backward, conv2d_backward_bias, conv2d_forward
from autograd.tensor import Tensor, lift

Size = int | tuple[int, int]


def as_size_pair(value: Any, what: str, op: str, minimum: int) -> tuple[int, int]:
    """``value`` (an int or a pair of ints) as a pair, each at least ``minimum``."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{op}: {what} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {what} must be at least {minimum}, got {value!r}")
    return pair


def float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype the kernels compute in: float32 or float64 (numpy's promotion of the
    operands; float16 computes in float32, integers in float64)."""
    dtype = np.result_type(*arrays)
    if dtype == np.float32 or dtype == np.float16:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _check_shapes(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, padding: tuple) -> None:
    """Raise ValueError unless x (N, C, H, W), w (O, C, kh, kw) and b (O,) fit together."""
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(
            "expected x (N, C, H, W) and w (O, C, kh, kw), both 4-D "
            f"(got {x.ndim}-D x and {w.ndim}-D w)"
        )
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"x has {x.shape[1]} channels (dim 1) but w expects {w.shape[1]} (dim 1 of w)"
        )
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"b must have shape ({w.shape[0]},), one per output channel")
    for axis, name in ((0, "height"), (1, "width")):
        padded = x.shape[2 + axis] + 2 * padding[axis]
        if w.shape[2 + axis] > padded:
            raise ValueError(
                f"kernel {name} {w.shape[2 + axis]} is larger than the padded input {name} "
                f"{padded} (input {x.shape[2 + axis]}, padding {padding[axis]})"
            )


class Conv2d(Function):
    name = "conv2d"

    @staticmethod
    def forward(ctx, x, w, b=None, *, stride=1, padding=0):
        stride = as_size_pair(stride, "stride", "conv2d", 1)
        padding = as_size_pair(padding, "padding", "conv2d", 0)
        _check_shapes(x, w, b, padding)
        dtype = float_dtype(x, w) if b is None else float_dtype(x, w, b)
        x = np.ascontiguousarray(x, dtype=dtype)
        w = np.ascontiguousarray(w, dtype=dtype)
        if b is not None:
            b = np.asarray(b, dtype=dtype)
        ctx.save_for_backward(x, w)
        ctx.geometry = (stride, padding)
        return conv2d_forward(x, w, b, stride, padding)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        stride, padding = ctx.geometry
        grad = np.asarray(grad, dtype=w.dtype)
        needs = ctx.needs_input_grad
        gx = gw = None
        if needs[0] or needs[1]:
            # d/dx: dy correlated back through the kernel (col2im of Wᵀ·dy);
            # d/dw: Σ over images and positions of dy times the window it saw
            gx, gw = conv2d_backward(grad, x, w, stride, padding, needs[:2])
        if len(needs) == 2:
            return gx, gw
        # d/db: Σ of dy over images and positions
        gb = conv2d_backward_bias(grad) if needs[2] else None
        return gx, gw, gb

    @staticmethod
    def sample_inputs(rng):
        # (x shape, w shape, with bias, attrs): tiny, as gradcheck perturbs every entry
        cases = [
            ((1, 1, 4, 4), (1, 1, 3, 3), True, {}),
            ((1, 1, 1, 1), (1, 1, 1, 1), False, {}),
            ((2, 2, 5, 5), (2, 2, 3, 3), False, {"stride": 2, "padding": 1}),
            ((1, 2, 5, 4), (3, 2, 2, 3), True, {"stride": (2, 1), "padding": (1, 0)}),
            ((2, 1, 4, 5), (2, 1, 3, 3), True, {"padding": 1}),
            ((1, 3, 3, 3), (2, 3, 3, 3), True, {"stride": 2, "padding": 2}),
        ]
        for xs, ws, bias, attrs in cases:
            arrays = (rng.standard_normal(xs), rng.standard_normal(ws))
            if bias:
                arrays += (rng.standard_normal(ws[:1]),)
            yield arrays, attrs


def conv2d(x: Any, w: Any, b: Any = None, stride: Size = 1, padding: Size = 0) -> Tensor:
    """2-D convolution of a batch of images, as PyTorch's ``conv2d`` (cross-correlation).

    x (N, C, H, W), w (O, C, kh, kw), optional b (O,) -> y (N, O, Ho, Wo), where
    ``Ho = (H + 2·ph - kh) // sh + 1`` (likewise Wo) and::

        y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · xp[n, c, i·sh + p, j·sw + q]

    with ``xp`` the input padded by ``padding`` zeros on every side. The kernel is not
    flipped (see `autograd.filters` for true convolution). ``stride`` and ``padding`` are an
    int or a (rows, cols) pair. Gradients flow to x, w and b.
    """
    x, w = lift(x), lift(w)
    if b is None:
        return Conv2d.apply(x, w, stride=stride, padding=padding)
    return Conv2d.apply(x, w, lift(b), stride=stride, padding=padding)
