"""Clamping: values limited to an interval, the gradient passed inside it."""

from __future__ import annotations

import numpy as np

from autograd.function import Function
from autograd.ops.elementwise import _away_from_zero
from autograd.tensor import Tensor, wrap

_SHAPES = [(), (1,), (3,), (2, 3)]


class Clamp(Function):
    """Values limited to [min, max] (either bound may be None), as ``torch.clamp``."""

    @staticmethod
    def forward(ctx, a, *, min=None, max=None):
        ctx.save_for_backward(a)
        ctx.bounds = (min, max)
        return np.clip(a, min, max)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: 1 where min ≤ a ≤ max (the bounds included, as PyTorch), else 0
        return grad * _inside(a, *ctx.bounds)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        inside = _inside(ctx.parents[0].data, *ctx.bounds)
        return grad * wrap(inside.astype(grad.dtype))

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            a = _away_from_zero(rng, shape) * 2  # ±[0.4, 3]: clear of the bounds below
            yield (a,), {"min": -1.0, "max": 1.0}
            yield (a,), {"min": 0.1}
            yield (a,), {"max": -0.1}
        yield (np.array([0.5, 2.0, -2.0]),), {"min": 1.5, "max": -1.0}  # min > max: all max


def _inside(a: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    inside = np.ones(np.shape(a), dtype=bool)
    if low is not None:
        inside &= a >= low
    if high is not None:
        inside &= a <= high
    return inside


def clamp(a: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Elementwise min(max(a, min), max), as ``torch.clamp``: either bound may be None, and
    where min > max every value is max. The gradient passes where min ≤ a ≤ max."""
    check_bounds("clamp", min, max)
    return Clamp.apply(a, min=min, max=max)


def check_bounds(op: str, min: object, max: object) -> None:
    """Raise, naming ``op``, unless ``min`` and ``max`` are numbers or None, not both None."""
    if min is None and max is None:
        raise ValueError(f"{op}: give min, max or both (at least one must not be None)")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, int | float | np.integer | np.floating):
            raise TypeError(f"{op}: {name} must be a number or None, got {type(bound).__name__}")
