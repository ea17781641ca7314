"""Matrix product with numpy's rules: 1-D operands, batches and broadcast batch dims."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.ops.elementwise import lift_operands
from autograd.ops.shape import Transpose
from autograd.tensor import Tensor


def _product_like(like: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x @ y`` laid out in memory like ``like`` (an input whose gradient this is).

    The gradient of ``w.T`` (a column-major view) is computed as ``(yᵀ xᵀ)ᵀ``: the same
    product, written by BLAS so that after the transpose back it is row-major like ``w``.
    Leaf copies and optimizer updates then stream through memory instead of striding.
    """
    plain = like.ndim == x.ndim == y.ndim == 2  # batched products keep numpy's layout
    transposed = plain and like.flags.f_contiguous and not like.flags.c_contiguous
    if x.shape[-1] == 1:
        # an outer product (the gradient of a product with one output column, e.g. attention
        # scores vᵀ tanh(…)): a broadcast multiply gives the same numbers about three times
        # faster than BLAS with an inner dimension of 1
        return (y.T * x.T).T if transposed else x * y
    if transposed:
        return (y.T @ x.T).T
    return x @ y


def _folds(a: np.ndarray, b: np.ndarray) -> bool:
    """True for a stack of rows times one matrix, (…, n, k) @ (k, m): one GEMM over all the
    rows instead of numpy's one per stacked matrix (a sequence through a Linear layer)."""
    return a.ndim > 2 and b.ndim == 2


def _folded_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for (…, n, k) @ (k, m), as one (… · n, k) @ (k, m) product."""
    return (a.reshape(-1, a.shape[-1]) @ b).reshape(*a.shape[:-1], b.shape[-1])


def _swap_last(t: Tensor) -> Tensor:
    """``t`` with its last two axes swapped, as a recorded transpose."""
    axes = list(range(t.ndim))
    axes[-2], axes[-1] = axes[-1], axes[-2]
    return Transpose.apply(t, axes=tuple(axes))


class MatMul(Function):
    name = "matmul"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _folded_product(a, b) if _folds(a, b) else a @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # Promote 1-D operands to matrices, as matmul does: a (k,) -> (1, k), b (k,) -> (k, 1),
        # and put the removed axes back into grad.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = np.expand_dims(g, -2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            g = g[..., None]
        ga = gb = None
        folds = _folds(a2, b2) and g.shape[:-1] == a2.shape[:-1]
        if ctx.needs_input_grad[0]:
            # d/dA: dY · Bᵀ (with one output column an outer product: _product_like's multiply)
            if folds and b2.shape[-1] > 1:
                ga = _folded_product(g, b2.T)
            else:
                ga = _product_like(a2, g, np.swapaxes(b2, -1, -2))
            if a.ndim == 1:
                ga = ga.reshape(*ga.shape[:-2], ga.shape[-1])
        if ctx.needs_input_grad[1]:
            # d/dB: Aᵀ · dY; B was shared by every stacked row, so the rows' sum is one product
            if folds:
                rows = a2.reshape(-1, a2.shape[-1])
                gb = _product_like(b2, rows.T, g.reshape(-1, g.shape[-1]))
            else:
                gb = _product_like(b2, np.swapaxes(a2, -1, -2), g)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a, b = ctx.parents
        # the same steps as backward, each a recorded op (reshapes stand in for new axes)
        a2 = a.reshape(1, a.shape[0]) if a.ndim == 1 else a
        b2 = b.reshape(b.shape[0], 1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            at = g.ndim - 1 if b.ndim > 1 else 0
            g = g.reshape(*g.shape[:at], 1, *g.shape[at:])
        if b.ndim == 1:
            g = g.reshape(*g.shape, 1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = matmul(g, _swap_last(b2))
            if a.ndim == 1:
                ga = ga.reshape(*ga.shape[:-2], ga.shape[-1])
        if ctx.needs_input_grad[1]:
            gb = matmul(_swap_last(a2), g)
            if b.ndim == 1:
                gb = gb.reshape(gb.shape[:-1])
        return ga, gb

    @staticmethod
    def sample_inputs(rng):
        shapes = [
            ((2, 3), (3, 4)),
            ((3,), (3, 2)),
            ((2, 3), (3,)),
            ((3,), (3,)),
            ((1, 1), (1, 1)),
            ((2, 2, 3), (3, 2)),
            ((2, 3, 2, 3), (3, 4)),  # stacked rows times one matrix: folded into one GEMM
            ((3, 2, 3), (3, 1)),  # the same with one output column (attention scores)
            ((4,), (2, 4, 3)),
            ((2, 1, 2, 3), (3, 3, 1)),
        ]
        for sa, sb in shapes:
            yield (rng.standard_normal(sa), rng.standard_normal(sb)), {}


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product ``a @ b``: (…, n, k) @ (…, k, m) -> (…, n, m); 1-D operands as numpy."""
    a, b = lift_operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: operands must have at least 1 dimension, got shapes "
            f"{a.shape} and {b.shape}; use * for scalars"
        )
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
            f"{ka} (last dim of a) != {kb} (contracted dim of b)"
        )
    return MatMul.apply(a, b)
