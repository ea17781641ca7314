"""Differentiable ops, one family per module. Importing this package registers them all."""

from autograd.ops import elementwise, matmul, reduce, shape

__all__ = ["elementwise", "matmul", "reduce", "shape"]
