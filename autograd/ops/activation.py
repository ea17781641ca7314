"""Activations with a parameter, as PyTorch's: leaky ReLU and GELU (exact or tanh-approximated).

The one-parameter-free nonlinearities (relu, sigmoid, tanh) are in `autograd.ops.unary`.
"""

from __future__ import annotations

import math

import numpy as np

from autograd.function import Function
from autograd.ops.elementwise import _away_from_zero
from autograd.ops.pointwise import erf, erf_array
from autograd.ops.unary import tanh
from autograd.tensor import Tensor, wrap

_SHAPES = [(), (1,), (3,), (2, 3)]
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_CUBIC = 0.044715  # the tanh approximation's coefficient, as PyTorch's
APPROXIMATIONS = ("none", "tanh")


class LeakyRelu(Function):
    """x where x > 0, ``negative_slope``·x elsewhere; the slope at 0 is ``negative_slope``,
    as PyTorch's."""

    @staticmethod
    def forward(ctx, a, *, negative_slope=0.01):
        ctx.save_for_backward(a)
        ctx.slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: 1 where a > 0, else negative_slope (at 0 too)
        return grad * np.where(a > 0, 1.0, ctx.slope)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        slope = np.where(ctx.parents[0].data > 0, 1.0, ctx.slope)
        return grad * wrap(slope.astype(grad.dtype))

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            yield (_away_from_zero(rng, shape),), {}
        yield (_away_from_zero(rng, (2, 3)),), {"negative_slope": 0.2}
        yield (_away_from_zero(rng, (3,)),), {"negative_slope": -1.5}


def _gelu_tanh_parts(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(inner, t) of the tanh approximation: inner = √(2/π)(a + 0.044715 a³), t = tanh(inner)."""
    inner = _SQRT_2_OVER_PI * (a + _CUBIC * a * a * a)
    return inner, np.tanh(inner)


class Gelu(Function):
    """x·Φ(x) with Φ the standard normal CDF (``approximate="none"``), or PyTorch's tanh
    approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) (``approximate="tanh"``)."""

    @staticmethod
    def forward(ctx, a, *, approximate="none"):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        if approximate == "tanh":
            return 0.5 * a * (1 + _gelu_tanh_parts(a)[1])
        return a * 0.5 * (1 + erf_array(a * _SQRT_HALF))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            # d/da: ½(1 + t) + ½a(1 - t²)·√(2/π)(1 + 3·0.044715a²)
            _, t = _gelu_tanh_parts(a)
            slope = _SQRT_2_OVER_PI * (1 + 3 * _CUBIC * a * a)
            return grad * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * slope)
        # d/da: Φ(a) + a·φ(a)
        cdf = 0.5 * (1 + erf_array(a * _SQRT_HALF))
        return grad * (cdf + a * _INV_SQRT_2PI * np.exp(-0.5 * a * a))

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a = ctx.parents[0]
        if ctx.approximate == "tanh":
            t = tanh(_SQRT_2_OVER_PI * (a + _CUBIC * a * a * a))
            slope = _SQRT_2_OVER_PI * (1 + 3 * _CUBIC * a * a)
            return grad * (0.5 * (1 + t) + 0.5 * a * (1 - t * t) * slope)
        cdf = 0.5 * (1 + erf(a * _SQRT_HALF))
        return grad * (cdf + a * _INV_SQRT_2PI * (-0.5 * a * a).exp())

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            yield (rng.uniform(-4.0, 4.0, shape),), {}
        yield (rng.uniform(-4.0, 4.0, (2, 3)),), {"approximate": "tanh"}
        yield (np.array([-6.0, -1.0, 0.0, 0.5, 3.0]),), {"approximate": "tanh"}


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else ``negative_slope``·x (as ``torch.nn.functional.leaky_relu``)."""
    if isinstance(negative_slope, bool) or not isinstance(
        negative_slope, int | float | np.integer | np.floating
    ):
        raise TypeError(f"leaky_relu: negative_slope must be a number, got {negative_slope!r}")
    return LeakyRelu.apply(x, negative_slope=float(negative_slope))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (``approximate="none"``, through erf) or its tanh approximation
    (``"tanh"``), as ``torch.nn.functional.gelu``."""
    if approximate not in APPROXIMATIONS:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    if x.dtype.kind != "f":
        raise TypeError(f"gelu: needs a floating-point tensor, got dtype {x.dtype}")
    return Gelu.apply(x, approximate=approximate)
