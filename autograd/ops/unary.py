"""Elementwise one-input ops: negation and the scalar nonlinearities (exp, log, sin, cos,
tanh, sigmoid, relu, sqrt, abs), each with its local derivative beside it."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.ops.elementwise import _away_from_zero
from autograd.ops.unary_backward import SigmoidBackward, TanhBackward
from autograd.tensor import Tensor, wrap

_UNARY_SHAPES = [(), (1,), (3,), (2, 3)]

#: +0 of each float scalar type, for `_scalar_relu`
_ZEROS = {t: t(0) for t in (np.float16, np.float32, np.float64, np.longdouble)}


def _scalar_relu(a: np.floating) -> np.floating:
    """max(a, 0) of a numpy scalar as ``np.maximum`` gives it (+0 below, NaN kept), by a
    comparison: a ufunc call costs about ten times more on one value."""
    return a if not a <= 0 else _ZEROS[type(a)]


class Neg(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        # d/da: -1
        return -grad

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return -grad

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (rng.standard_normal(shape),), {}


class Exp(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # d/da: e^a
        return grad * out

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad * out

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (rng.standard_normal(shape),), {}


class Log(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: 1/a
        return grad / a

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad / ctx.parents[0]

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (rng.uniform(0.3, 3.0, shape),), {}


class Sin(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: cos(a)
        return grad * np.cos(a)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad * cos(ctx.parents[0])

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (rng.uniform(-4.0, 4.0, shape),), {}


class Cos(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: -sin(a)
        return grad * -np.sin(a)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad * -sin(ctx.parents[0])

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (rng.uniform(-4.0, 4.0, shape),), {}


class Tanh(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # d/da: 1 - tanh²(a)
        return grad * (1 - out * out)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return TanhBackward.apply(grad, out)

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (rng.standard_normal(shape),), {}


def stable_sigmoid(a: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-a) without overflow: e^-|a| never exceeds 1."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        out = stable_sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # d/da: σ(a)·(1 - σ(a))
        return grad * out * (1 - out)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return SigmoidBackward.apply(grad, out)

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (3 * rng.standard_normal(shape),), {}


class Relu(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        out = np.maximum(a, 0) if type(a) is np.ndarray else _scalar_relu(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # d/da: 1 where a > 0, else 0 (0 at a = 0, as PyTorch)
        return grad * (out > 0)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad * wrap((out.data > 0).astype(grad.dtype))

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (_away_from_zero(rng, shape),), {}


class Sqrt(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # d/da: 1 / (2√a)
        return grad / (2 * out)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad / (2 * out)

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (rng.uniform(0.3, 3.0, shape),), {}


class Abs(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: sign(a) (0 at a = 0, as PyTorch)
        return grad * np.sign(a)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad * wrap(np.sign(ctx.parents[0].data).astype(grad.dtype))

    @staticmethod
    def sample_inputs(rng):
        for shape in _UNARY_SHAPES:
            yield (_away_from_zero(rng, shape),), {}
        # at 0 the gradient is 0, as in PyTorch (and as central differences give)
        yield (np.array(0.0),), {}
        yield (np.array([[0.0, -0.5, 0.0], [0.8, 0.0, -1.1]]),), {}

    @staticmethod
    def second_order_samples(rng):
        for shape in _UNARY_SHAPES:
            yield (_away_from_zero(rng, shape),), {}


class Cast(Function):
    """The same values in another dtype; the gradient is cast back to the input's."""

    @staticmethod
    def forward(ctx, a, *, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        # d/da: the identity, in a's dtype
        return grad.astype(ctx.in_dtype)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return cast(grad, ctx.in_dtype)

    @staticmethod
    def sample_inputs(rng):
        # float64 in and out: finite differences through float32 would only measure rounding
        for shape in _UNARY_SHAPES:
            yield (rng.standard_normal(shape),), {"dtype": np.float64}


# --- public functions ---------------------------------------------------------------------


def cast(a: Tensor, dtype: Any) -> Tensor:
    """``a`` with its values in float ``dtype`` (``a`` itself if it has that dtype already)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"cast: only float dtypes keep a gradient, got {dtype}")
    return a if a.dtype == dtype else Cast.apply(a, dtype=dtype)


def neg(a: Tensor) -> Tensor:
    """-a."""
    return Neg.apply(a)


def exp(a: Tensor) -> Tensor:
    """Elementwise e^a."""
    return Exp.apply(a)


def log(a: Tensor) -> Tensor:
    """Elementwise natural logarithm."""
    return Log.apply(a)


def tanh(a: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return Tanh.apply(a)


def sin(a: Tensor) -> Tensor:
    """Elementwise sine (radians)."""
    return Sin.apply(a)


def cos(a: Tensor) -> Tensor:
    """Elementwise cosine (radians)."""
    return Cos.apply(a)


def sigmoid(a: Tensor) -> Tensor:
    """Elementwise 1 / (1 + e^-a), stable for large |a|."""
    return Sigmoid.apply(a)


def relu(a: Tensor) -> Tensor:
    """Elementwise max(a, 0)."""
    return Relu.apply(a)


def sqrt(a: Tensor) -> Tensor:
    """Elementwise square root."""
    return Sqrt.apply(a)


def absolute(a: Tensor) -> Tensor:
    """Elementwise |a|."""
    return Abs.apply(a)
