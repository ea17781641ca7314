"""The backward of tanh and sigmoid as ops of their own (PyTorch's ``tanh_backward`` and
``sigmoid_backward``), for gradients of gradients.

Under ``create_graph=True`` the backward of ``y = tanh(a)`` could be recorded as three ops,
``grad * (1 - y * y)``; as one op it is one node of the backward graph ("∂ of tanh"), with
its own two-line backward, so the second pass records and runs fewer, fused steps. Both
take the forward *output* ``y`` (not ``a``), as the first-order backward does.
"""

from __future__ import annotations

import numpy as np

from autograd.function import Function

_SHAPES = [(), (1,), (3,), (2, 3)]


class TanhBackward(Function):
    """``grad · (1 - y²)`` for y = tanh(a): the gradient tanh sends to a."""

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(grad, y)
        return grad * (1 - y * y)

    @staticmethod
    def backward(ctx, gg):
        grad, y = ctx.saved_tensors
        # d/dgrad: 1 - y², d/dy: -2·grad·y
        return gg * (1 - y * y), gg * -2 * grad * y

    @staticmethod
    def differentiable_backward(ctx, gg, out):
        grad, y = ctx.parents
        return TanhBackward.apply(gg, y), gg * -2 * grad * y

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            yield (rng.standard_normal(shape), np.tanh(rng.standard_normal(shape))), {}


class SigmoidBackward(Function):
    """``grad · y · (1 - y)`` for y = σ(a): the gradient the sigmoid sends to a."""

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(grad, y)
        return grad * y * (1 - y)

    @staticmethod
    def backward(ctx, gg):
        grad, y = ctx.saved_tensors
        # d/dgrad: y·(1 - y), d/dy: grad·(1 - 2y)
        return gg * y * (1 - y), gg * grad * (1 - 2 * y)

    @staticmethod
    def differentiable_backward(ctx, gg, out):
        grad, y = ctx.parents
        return SigmoidBackward.apply(gg, y), gg * grad * (1 - 2 * y)

    @staticmethod
    def sample_inputs(rng):
        for shape in _SHAPES:
            y = 1 / (1 + np.exp(-rng.standard_normal(shape)))
            yield (rng.standard_normal(shape), y), {}
