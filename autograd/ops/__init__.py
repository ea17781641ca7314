"""Differentiable ops, one family per module. Importing this package registers them all."""

from autograd.ops import (
    conv,
    elementwise,
    embedding,
    loss,
    matmul,
    pool,
    reduce,
    rnn,
    shape,
    softmax,
)

__all__ = [
    "conv",
    "elementwise",
    "embedding",
    "loss",
    "matmul",
    "pool",
    "reduce",
    "rnn",
    "shape",
    "softmax",
]
