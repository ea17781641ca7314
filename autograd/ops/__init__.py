"""Differentiable ops, one family per module (and word2vec's fused SGD epoch, a training
routine). Importing this package registers them all."""

from autograd.ops import (
    clamp,
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
    unary,
    word2vec,
)

__all__ = [
    "clamp",
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
    "unary",
    "word2vec",
]
