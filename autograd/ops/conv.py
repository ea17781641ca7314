"""2-D convolution (NCHW), differentiable in the input, the weight and the bias, to any order.

The kernels (`autograd.kernels.conv`) do the work: im2col in Numba and matrix products in
BLAS. This module checks shapes, picks one float dtype for all operands and keeps forward and
backward side by side. Forward saves the input and the weight (not the im2col matrix, which
backward rebuilds), so changing either in place before backward is caught.

Gradients of gradients: y = conv2d(x, w) is bilinear, and so are its two gradients, each an
op of its own here: ``conv2d_input_grad`` (dy, w -> dx) and ``conv2d_weight_grad``
(x, dy -> dw). With B(x, w, dy) = <dy, conv2d(x, w)> every one of the three is a partial
derivative of B, so the backward of each is made of the other two::

    dx = Ix(dy, w), upstream u:   d/ddy = conv2d(u, w)    d/dw = Iw(u, dy)
    dw = Iw(x, dy), upstream v:   d/ddy = conv2d(x, v)    d/dx = Ix(dy, v)

The recorded backward (``create_graph=True``) of any of the three uses these ops, so the
family differentiates to any order; the bias gradient is dy summed over (N, Ho, Wo).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.kernels.conv import (
    conv2d_backward,
    conv2d_backward_bias,
    conv2d_backward_input,
    conv2d_backward_weight,
    conv2d_forward,
    conv2d_forward_keeping_cols,
    out_size,
)
from autograd.state import STATE
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
        if not STATE.grad_enabled:
            return conv2d_forward(x, w, b, stride, padding)
        # cols (LeNet-sized layers) kept for the weight gradient: one gather fewer per step
        y, ctx.cols = conv2d_forward_keeping_cols(x, w, b, stride, padding)
        return y

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
            cols = getattr(ctx, "cols", None)
            gx, gw = conv2d_backward(grad, x, w, stride, padding, needs[:2], cols)
        if len(needs) == 2:
            return gx, gw
        # d/db: Σ of dy over images and positions
        gb = conv2d_backward_bias(grad) if needs[2] else None
        return gx, gw, gb

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        x, w = ctx.parents[:2]
        stride, padding = ctx.geometry
        needs = ctx.needs_input_grad
        geometry = {"stride": stride, "padding": padding}
        gx = Conv2dInputGrad.apply(grad, w, x_shape=x.shape, **geometry) if needs[0] else None
        gw = Conv2dWeightGrad.apply(x, grad, w_shape=w.shape, **geometry) if needs[1] else None
        if len(needs) == 2:
            return gx, gw
        return gx, gw, (grad.sum(axis=(0, 2, 3)) if needs[2] else None)

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
            arrays: tuple[np.ndarray, ...] = (rng.standard_normal(xs), rng.standard_normal(ws))
            if bias:
                arrays += (rng.standard_normal(ws[:1]),)
            yield arrays, attrs


def _shaped(shape: Any, what: str) -> np.ndarray:
    """A stand-in array of ``shape`` (no memory: a broadcast scalar) for `_check_shapes`."""
    shape = tuple(int(n) for n in shape)
    if len(shape) != 4 or min(shape) < 0:
        raise ValueError(f"{what} must be 4 sizes (N, C, H, W) or (O, C, kh, kw), got {shape}")
    return np.broadcast_to(np.zeros((), np.int8), shape)


def _gradient_geometry(
    op: str, x: np.ndarray, w: np.ndarray, dy: np.ndarray, stride: Any, padding: Any
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Check x (N, C, H, W), w (O, C, kh, kw) (either may be a stand-in of its shape) and
    dy (N, O, Ho, Wo) of a convolution's gradient; return (stride, padding) as pairs."""
    stride = as_size_pair(stride, "stride", op, 1)
    padding = as_size_pair(padding, "padding", op, 0)
    _check_shapes(x, w, None, padding)
    (n, _, h, wd), (o, _, kh, kw) = x.shape, w.shape
    ho, wo = out_size(h, kh, stride[0], padding[0]), out_size(wd, kw, stride[1], padding[1])
    if dy.shape != (n, o, ho, wo):
        raise ValueError(f"dy must have the output's shape (N, O, Ho, Wo) = {(n, o, ho, wo)}")
    return stride, padding


def _keep_operands(
    ctx: Any, a: np.ndarray, b: np.ndarray, geometry: tuple[tuple[int, int], tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """The two operands of a convolution-gradient op as contiguous arrays of one float dtype
    (``ctx.dtype``), saved for backward with ``geometry`` = (stride, padding)."""
    ctx.dtype = float_dtype(a, b)
    a = np.ascontiguousarray(a, dtype=ctx.dtype)
    b = np.ascontiguousarray(b, dtype=ctx.dtype)
    ctx.save_for_backward(a, b)
    ctx.geometry = geometry
    return a, b


class Conv2dInputGrad(Function):
    """conv2d's input gradient as an op: dy (N, O, Ho, Wo), w (O, C, kh, kw) -> dx of shape
    ``x_shape`` (N, C, H, W). Bilinear; its backward is conv2d and conv2d_weight_grad."""

    name = "conv2d_input_grad"

    @staticmethod
    def forward(ctx, dy, w, *, x_shape, stride=1, padding=0):
        x = _shaped(x_shape, "x_shape")
        stride, padding = _gradient_geometry("conv2d_input_grad", x, w, dy, stride, padding)
        dy, w = _keep_operands(ctx, dy, w, (stride, padding))
        return conv2d_backward_input(dy, w, x.shape, stride, padding)

    @staticmethod
    def backward(ctx, grad):
        dy, w = ctx.saved_tensors
        stride, padding = ctx.geometry
        u = np.ascontiguousarray(grad, dtype=ctx.dtype)
        needs = ctx.needs_input_grad
        # d/ddy: the upstream convolved with w; d/dw: the weight gradient of conv2d(u, w) at dy
        g_dy = conv2d_forward(u, w, None, stride, padding) if needs[0] else None
        g_w = conv2d_backward_weight(dy, u, w.shape, stride, padding) if needs[1] else None
        return g_dy, g_w

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        dy, w = ctx.parents
        stride, padding = ctx.geometry
        needs = ctx.needs_input_grad
        g_dy = Conv2d.apply(grad, w, stride=stride, padding=padding) if needs[0] else None
        g_w = None
        if needs[1]:
            g_w = Conv2dWeightGrad.apply(grad, dy, w_shape=w.shape, stride=stride, padding=padding)
        return g_dy, g_w

    @staticmethod
    def sample_inputs(rng):
        for x_shape, w_shape, attrs in _GRADIENT_CASES:
            dy_shape = _output_shape(x_shape, w_shape, attrs)
            arrays = (rng.standard_normal(dy_shape), rng.standard_normal(w_shape))
            yield arrays, {"x_shape": x_shape, **attrs}


class Conv2dWeightGrad(Function):
    """conv2d's weight gradient as an op: x (N, C, H, W), dy (N, O, Ho, Wo) -> dw of shape
    ``w_shape`` (O, C, kh, kw). Bilinear; its backward is conv2d and conv2d_input_grad."""

    name = "conv2d_weight_grad"

    @staticmethod
    def forward(ctx, x, dy, *, w_shape, stride=1, padding=0):
        w = _shaped(w_shape, "w_shape")
        stride, padding = _gradient_geometry("conv2d_weight_grad", x, w, dy, stride, padding)
        x, dy = _keep_operands(ctx, x, dy, (stride, padding))
        return conv2d_backward_weight(dy, x, w.shape, stride, padding)

    @staticmethod
    def backward(ctx, grad):
        x, dy = ctx.saved_tensors
        stride, padding = ctx.geometry
        v = np.ascontiguousarray(grad, dtype=ctx.dtype)
        needs = ctx.needs_input_grad
        # d/dx: the input gradient of conv2d(x, v) at dy; d/ddy: x convolved with the upstream
        g_x = conv2d_backward_input(dy, v, x.shape, stride, padding) if needs[0] else None
        g_dy = conv2d_forward(x, v, None, stride, padding) if needs[1] else None
        return g_x, g_dy

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        x, dy = ctx.parents
        stride, padding = ctx.geometry
        needs = ctx.needs_input_grad
        g_x = None
        if needs[0]:
            g_x = Conv2dInputGrad.apply(dy, grad, x_shape=x.shape, stride=stride, padding=padding)
        g_dy = Conv2d.apply(x, grad, stride=stride, padding=padding) if needs[1] else None
        return g_x, g_dy

    @staticmethod
    def sample_inputs(rng):
        for x_shape, w_shape, attrs in _GRADIENT_CASES:
            dy_shape = _output_shape(x_shape, w_shape, attrs)
            arrays = (rng.standard_normal(x_shape), rng.standard_normal(dy_shape))
            yield arrays, {"w_shape": w_shape, **attrs}


# (x shape, w shape, attrs) of the gradient ops: size 1, stride and padding, and a stride that
# leaves the last input row and column unread (x_shape is then more than dy and w tell)
_GRADIENT_CASES: list[tuple[tuple[int, ...], tuple[int, ...], dict[str, Any]]] = [
    ((1, 1, 1, 1), (1, 1, 1, 1), {}),
    ((1, 1, 4, 4), (1, 1, 3, 3), {}),
    ((2, 2, 5, 4), (3, 2, 2, 3), {"stride": (2, 1), "padding": (1, 0)}),
    ((1, 2, 6, 6), (2, 2, 3, 3), {"stride": 2}),
    ((1, 1, 3, 3), (2, 1, 3, 3), {"stride": 2, "padding": 2}),
]


def _output_shape(x_shape: tuple, w_shape: tuple, attrs: dict) -> tuple[int, ...]:
    """conv2d's output shape (N, O, Ho, Wo) for a sample's shapes and attrs."""
    stride = as_size_pair(attrs.get("stride", 1), "stride", "conv2d", 1)
    padding = as_size_pair(attrs.get("padding", 0), "padding", "conv2d", 0)
    sizes = [out_size(x_shape[2 + k], w_shape[2 + k], stride[k], padding[k]) for k in (0, 1)]
    return (x_shape[0], w_shape[0], *sizes)


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


def conv2d_input_grad(
    dy: Any, w: Any, x_shape: tuple[int, ...], stride: Size = 1, padding: Size = 0
) -> Tensor:
    """The gradient of conv2d's input: dy (N, O, Ho, Wo) (dL/dy), w (O, C, kh, kw) -> dx of
    ``x_shape`` (N, C, H, W) (as ``torch.nn.grad.conv2d_input``). Differentiable in dy and w."""
    return Conv2dInputGrad.apply(
        lift(dy), lift(w), x_shape=tuple(x_shape), stride=stride, padding=padding
    )


def conv2d_weight_grad(
    x: Any, dy: Any, w_shape: tuple[int, ...], stride: Size = 1, padding: Size = 0
) -> Tensor:
    """The gradient of conv2d's weight: x (N, C, H, W), dy (N, O, Ho, Wo) (dL/dy) -> dw of
    ``w_shape`` (O, C, kh, kw) (as ``torch.nn.grad.conv2d_weight``). Differentiable in x and dy."""
    return Conv2dWeightGrad.apply(
        lift(x), lift(dy), w_shape=tuple(w_shape), stride=stride, padding=padding
    )
