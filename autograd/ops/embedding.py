"""Embedding lookup (rows of a weight matrix picked by integer indices) and dropout."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.kernels.embedding import scatter_add_rows
from autograd.ops.shape import scatter_add
from autograd.random import generator
from autograd.tensor import Tensor, lift, wrap


class Embedding(Function):
    @staticmethod
    def forward(ctx, weight, indices):
        ctx.num_rows, ctx.index_shape = weight.shape[0], indices.shape
        ctx.save_for_backward(indices)
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        d = grad.shape[-1]
        # d/dW: each looked-up row's gradient added back into its row; repeats accumulate
        out = np.zeros((ctx.num_rows, d), dtype=grad.dtype)
        flat = np.ascontiguousarray(indices.reshape(-1), dtype=np.int64)
        scatter_add_rows(out, flat, np.ascontiguousarray(grad.reshape(-1, d)))
        return out, None

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        (indices,) = ctx.saved_tensors
        return scatter_add(grad, indices, (ctx.num_rows, grad.shape[-1])), None

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal((4, 3)), np.array([0, 2, 2, 3, 0])), {}
        yield (rng.standard_normal((5, 2)), np.array([[1, 1], [4, 0]])), {}
        yield (rng.standard_normal((1, 1)), np.array(0)), {}


class Dropout(Function):
    @staticmethod
    def forward(ctx, x, *, keep, scale):
        ctx.multiplier = keep * np.asarray(scale, dtype=x.dtype)
        return x * ctx.multiplier

    @staticmethod
    def backward(ctx, grad):
        # d/dx: the same mask and scale as forward
        return grad * ctx.multiplier

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad * wrap(ctx.multiplier)

    @staticmethod
    def sample_inputs(rng):
        for shape in [(), (4,), (2, 3)]:
            yield (rng.standard_normal(shape),), {"keep": rng.random(shape) > 0.3, "scale": 2.0}


def embedding(weight: Tensor, indices: Any) -> Tensor:
    """Rows of ``weight (V, D)`` picked by integer ``indices`` of any shape -> (*indices, D).

    The backward adds each picked row's gradient into its row (repeated indices accumulate),
    in a Numba kernel.
    """
    idx = lift(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {idx.dtype}")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be (num_embeddings, dim), got {weight.shape}")
    if idx.size and (idx.data.min() < 0 or idx.data.max() >= weight.shape[0]):
        bad = idx.data.max() if idx.data.max() >= weight.shape[0] else idx.data.min()
        raise IndexError(f"embedding: index {bad} is out of range for {weight.shape[0]} embeddings")
    return Embedding.apply(weight, idx)


def dropout(
    x: Tensor, p: float = 0.5, training: bool = True, rng: np.random.Generator | None = None
) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (inverted
    dropout), so the expected value is unchanged; the identity when not ``training``.

    ``rng``: the generator to draw the mask from (when None, the default one that
    `autograd.manual_seed` seeds).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    keep = (generator() if rng is None else rng).random(x.shape) >= p
    return Dropout.apply(x, keep=keep, scale=0.0 if p == 1.0 else 1.0 / (1.0 - p))
