"""Differentiable ops, one family per module. Importing this package registers them all."""

from autograd.ops import elementwise, embedding, loss, matmul, reduce, rnn, shape, softmax

__all__ = ["elementwise", "embedding", "loss", "matmul", "reduce", "rnn", "shape", "softmax"]
