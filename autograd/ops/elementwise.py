"""Elementwise binary ops: arithmetic, maximum/minimum and where, broadcasting like numpy.

The one-input nonlinearities (exp, tanh, sigmoid, relu, ...) are in `autograd.ops.unary`.

Each op's backward returns the gradient in the broadcast shape; the engine sums it back to
each input's shape (see `autograd.function.unbroadcast`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor, lift, wrap

Sample = Iterator[tuple[tuple[np.ndarray, ...], dict]]

# shape pairs every binary op is checked on: 0-d, size-1, equal and broadcast shapes
_BINARY_SHAPES = [
    ((), ()),
    ((1,), (3,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((4, 1), (1, 5)),
    ((), (2, 2)),
    ((2, 1, 3), (4, 1)),
]


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in ±[0.2, 1.5]: safe from kinks (relu, abs) for finite differences."""
    return rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def _binary_samples(rng: np.random.Generator, positive_b: bool = False) -> Sample:
    for sa, sb in _BINARY_SHAPES:
        a = _away_from_zero(rng, sa)
        b = rng.uniform(0.5, 2.0, sb) if positive_b else _away_from_zero(rng, sb)
        yield (a, b), {}


def _tied_samples(rng: np.random.Generator) -> Sample:
    """Pairs with ties (a == b at some elements), where maximum/minimum split the gradient."""
    a = _away_from_zero(rng, (2, 3))
    b = _away_from_zero(rng, (2, 3))
    b[:, 1] = a[:, 1]
    yield (a, b), {}
    yield (np.array(0.7), np.array(0.7)), {}
    col = _away_from_zero(rng, (2, 1))  # broadcast: a tie in one column of the (2, 3) result
    wide = _away_from_zero(rng, (2, 3))
    wide[:, 2] = col[:, 0]
    yield (col, wide), {}


def lift_operands(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Lift two operands to Tensors; a Python number takes the other operand's dtype."""
    if type(a) is Tensor and type(b) is Tensor:
        return a, b
    if isinstance(a, Tensor):
        return a, lift(b, a)
    b = lift(b)
    return lift(a, b), b


# --- binary arithmetic --------------------------------------------------------------------


class Add(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        # d/da: 1, d/db: 1
        return grad, grad

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad, grad

    @staticmethod
    def sample_inputs(rng):
        return _binary_samples(rng)


class Sub(Function):
    scalar_math = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        # d/da: 1, d/db: -1
        return grad, -grad

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad, -grad

    @staticmethod
    def sample_inputs(rng):
        return _binary_samples(rng)


class Mul(Function):
    scalar_math = True
    reads_input_for = ((1,), (0,))

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # d/da: b, d/db: a
        return grad * b, grad * a

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a, b = ctx.parents
        return grad * b, grad * a

    @staticmethod
    def sample_inputs(rng):
        return _binary_samples(rng)


class Div(Function):
    scalar_math = True
    reads_input_for = ((1,), (0, 1))

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad / b
        # d/da: 1/b, d/db: -a/b²
        gb = -ga * a / b if ctx.needs_input_grad[1] else None
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a, b = ctx.parents
        ga = grad / b
        return ga, (-ga * a / b if ctx.needs_input_grad[1] else None)

    @staticmethod
    def sample_inputs(rng):
        return _binary_samples(rng, positive_b=True)


class Pow(Function):
    scalar_math = True
    reads_input_for = ((0, 1), (0,))

    @staticmethod
    def forward(ctx, a, b):
        # the ufunc, not the ** operator: numpy's scalar ** may differ from it in the last bit
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        # d/da: b·a^(b-1)
        ga = grad * b * np.power(a, b - 1) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            # d/db: a^b·ln a, taken as 0 where a == 0 (the limit for b > 0, as PyTorch does)
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.log(np.where(a == 0, 1, a))
            gb = grad * out * log_a
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a, b = ctx.parents
        ga = grad * b * a ** (b - 1) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            gb = grad * out * where(a.data == 0, 1, a).log()
        return ga, gb

    @staticmethod
    def sample_inputs(rng):
        for sa, sb in _BINARY_SHAPES:
            yield (rng.uniform(0.5, 2.0, sa), rng.uniform(-2.0, 2.0, sb)), {}


class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # d/da: 1 where a > b, 1/2 on ties (as PyTorch), else 0
        share = (a > b) + 0.5 * (a == b)
        return grad * share, grad * (1 - share)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a, b = ctx.parents
        share = wrap(((a.data > b.data) + 0.5 * (a.data == b.data)).astype(grad.dtype))
        return grad * share, grad * (1 - share)

    @staticmethod
    def sample_inputs(rng):
        yield from _binary_samples(rng)
        yield from _tied_samples(rng)

    @staticmethod
    def second_order_samples(rng):
        return _binary_samples(rng)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # d/da: 1 where a < b, 1/2 on ties, else 0
        share = (a < b) + 0.5 * (a == b)
        return grad * share, grad * (1 - share)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a, b = ctx.parents
        share = wrap(((a.data < b.data) + 0.5 * (a.data == b.data)).astype(grad.dtype))
        return grad * share, grad * (1 - share)

    @staticmethod
    def sample_inputs(rng):
        yield from _binary_samples(rng)
        yield from _tied_samples(rng)

    @staticmethod
    def second_order_samples(rng):
        return _binary_samples(rng)


class Where(Function):
    @staticmethod
    def forward(ctx, cond, a, b):
        mask = cond.astype(bool, copy=False)
        ctx.save_for_backward(mask)
        return np.where(mask, a, b)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        # d/da: 1 where cond, d/db: 1 elsewhere
        return None, np.where(mask, grad, 0), np.where(mask, 0, grad)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        (mask,) = ctx.saved_tensors
        return None, where(mask, grad, 0), where(mask, 0, grad)

    @staticmethod
    def sample_inputs(rng):
        for shape in [(), (3,), (2, 3)]:
            cond = rng.random(shape) > 0.5
            yield (cond, rng.standard_normal(shape), rng.standard_normal((1,) * len(shape))), {}


# --- public functions ---------------------------------------------------------------------


def add(a: Any, b: Any) -> Tensor:
    """a + b with numpy broadcasting."""
    return Add.apply(*lift_operands(a, b))


def sub(a: Any, b: Any) -> Tensor:
    """a - b with numpy broadcasting."""
    return Sub.apply(*lift_operands(a, b))


def mul(a: Any, b: Any) -> Tensor:
    """a * b (elementwise) with numpy broadcasting."""
    return Mul.apply(*lift_operands(a, b))


def div(a: Any, b: Any) -> Tensor:
    """a / b with numpy broadcasting."""
    return Div.apply(*lift_operands(a, b))


def power(a: Any, b: Any) -> Tensor:
    """a ** b with numpy broadcasting; differentiable in both (ln a needs a > 0)."""
    return Pow.apply(*lift_operands(a, b))


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max of a and b (broadcast); ties split the gradient equally."""
    return Maximum.apply(*lift_operands(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min of a and b (broadcast); ties split the gradient equally."""
    return Minimum.apply(*lift_operands(a, b))


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Pick a where ``cond`` is true, else b (all three broadcast together)."""
    a, b = lift_operands(a, b)
    return Where.apply(lift(cond), a, b)
