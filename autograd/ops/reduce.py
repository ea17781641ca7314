"""Reductions over axes: sum, mean, max. Backward spreads the gradient back over the axes.

(The public functions shadow the builtins ``sum`` and ``max`` inside this module.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd.function import Function
from autograd.ops.shape import broadcast_to, reshape
from autograd.tensor import Tensor, wrap

Axis = int | tuple[int, ...] | None

_SAMPLES = [
    ((), None, False),
    ((1,), 0, False),
    ((3,), None, False),
    ((2, 3), 0, False),
    ((2, 3), 1, True),
    ((2, 3, 4), (0, 2), False),
    ((2, 3, 4), -1, True),
]


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """Normalise ``axis`` to a sorted tuple of non-negative axes (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"axis {axis} repeats an axis")
    return tuple(sorted(out))


def _remember_axes(ctx: Any, a: np.ndarray, axis: Axis, keepdims: bool) -> None:
    ctx.axes = _axes(axis, a.ndim)
    ctx.keepdims, ctx.in_shape = keepdims, a.shape


def _samples(rng: np.random.Generator) -> Iterator[tuple[tuple[np.ndarray], dict[str, Any]]]:
    for shape, axis, keepdims in _SAMPLES:
        yield (rng.standard_normal(shape),), {"axis": axis, "keepdims": keepdims}


def _expand(grad: np.ndarray, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put back the reduced axes as size-1 axes so grad broadcasts against the input."""
    return grad if keepdims else np.expand_dims(grad, axes)


def _expand_recorded(grad: Tensor, axes: tuple[int, ...], keepdims: bool) -> Tensor:
    """`_expand` by a recorded reshape."""
    return grad if keepdims else reshape(grad, np.expand_dims(grad.data, axes).shape)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, *, axis=None, keepdims=False):
        _remember_axes(ctx, a, axis, keepdims)
        return a.sum(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        # d/da_i: 1 for every element summed
        return np.broadcast_to(_expand(grad, ctx.axes, ctx.keepdims), ctx.in_shape)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return broadcast_to(_expand_recorded(grad, ctx.axes, ctx.keepdims), ctx.in_shape)

    @staticmethod
    def sample_inputs(rng):
        return _samples(rng)


class Mean(Function):
    @staticmethod
    def forward(ctx, a, *, axis=None, keepdims=False):
        _remember_axes(ctx, a, axis, keepdims)
        ctx.count = int(np.prod([a.shape[i] for i in ctx.axes]))
        return a.mean(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        # d/da_i: 1/n for each of the n elements averaged
        g = _expand(grad, ctx.axes, ctx.keepdims) / ctx.count
        return np.broadcast_to(g, ctx.in_shape)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        g = _expand_recorded(grad, ctx.axes, ctx.keepdims) / ctx.count
        return broadcast_to(g, ctx.in_shape)

    @staticmethod
    def sample_inputs(rng):
        return _samples(rng)


class Max(Function):
    @staticmethod
    def forward(ctx, a, *, axis=None, keepdims=False):
        _remember_axes(ctx, a, axis, keepdims)
        ctx.save_for_backward(a)
        return a.max(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da_i: 1 at the maximum; tied maxima share it equally (as torch.amax). The maximum
        # is found again in the saved (version-checked) input, not kept from forward: the
        # output is the user's, who may change it in place.
        mask = a == a.max(axis=ctx.axes, keepdims=True)
        share = mask / mask.sum(axis=ctx.axes, keepdims=True)
        return _expand(grad, ctx.axes, ctx.keepdims) * share

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        (a,) = ctx.saved_tensors
        mask = a == a.max(axis=ctx.axes, keepdims=True)
        share = wrap((mask / mask.sum(axis=ctx.axes, keepdims=True)).astype(grad.dtype))
        return _expand_recorded(grad, ctx.axes, ctx.keepdims) * share

    @staticmethod
    def sample_inputs(rng):
        yield from _samples(rng)
        # a tie: the gradient is split between the two maxima
        yield (np.array([1.0, 3.0, 3.0, -2.0]),), {"axis": 0, "keepdims": False}

    @staticmethod
    def second_order_samples(rng):
        return _samples(rng)


def sum_to(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``g`` down to ``shape`` by recorded ops: the adjoint of broadcasting (the
    differentiable form of `autograd.function.unbroadcast`)."""
    extra = g.ndim - len(shape)
    if extra > 0:
        g = reduce_sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and i < g.ndim and g.shape[i] != 1)
    if axes:
        g = reduce_sum(g, axis=axes, keepdims=True)
    return g


def reduce_sum(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum of ``a`` over ``axis`` (all axes when None): (…) -> reduced shape."""
    return Sum.apply(a, axis=axis, keepdims=keepdims)


def reduce_mean(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean of ``a`` over ``axis`` (all axes when None): (…) -> reduced shape."""
    return Mean.apply(a, axis=axis, keepdims=keepdims)


def reduce_max(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum of ``a`` over ``axis``; tied maxima share the gradient equally."""
    return Max.apply(a, axis=axis, keepdims=keepdims)
