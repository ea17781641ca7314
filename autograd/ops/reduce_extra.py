"""More reductions, with PyTorch's names: min, prod, the 2-norm (ops of their own), and var,
std built from recorded ops.

(The public functions shadow nothing: ``reduce_min``, ``prod``, ``norm``, ``var``, ``std``.)
"""

from __future__ import annotations

import warnings

import numpy as np

from autograd.function import Function
from autograd.ops.elementwise import where
from autograd.ops.reduce import Axis, _axes, _expand, _expand_recorded, _remember_axes, _samples
from autograd.ops.shape import broadcast_to, reshape, transpose
from autograd.tensor import Tensor, wrap


def _tie_share(a: np.ndarray, axes: tuple[int, ...], extreme: np.ndarray) -> np.ndarray:
    """1/k at each of the k elements equal to ``extreme`` along ``axes``, 0 elsewhere."""
    hit = a == extreme
    return hit / hit.sum(axis=axes, keepdims=True)


class Min(Function):
    """Minimum over axes, as ``torch.amin``: tied minima share the gradient equally (the
    mirror of `autograd.ops.reduce.Max`)."""

    @staticmethod
    def forward(ctx, a, *, axis=None, keepdims=False):
        _remember_axes(ctx, a, axis, keepdims)
        ctx.save_for_backward(a)
        return a.min(axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da_i: 1 at the minimum, shared equally by ties; found again in the saved input
        # (version-checked), not taken from the output, which the user may change in place
        share = _tie_share(a, ctx.axes, a.min(axis=ctx.axes, keepdims=True))
        return _expand(grad, ctx.axes, ctx.keepdims) * share

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        (a,) = ctx.saved_tensors
        share = _tie_share(a, ctx.axes, a.min(axis=ctx.axes, keepdims=True))
        return _expand_recorded(grad, ctx.axes, ctx.keepdims) * wrap(share.astype(grad.dtype))

    @staticmethod
    def sample_inputs(rng):
        yield from _samples(rng)
        # a tie: the gradient is split between the two minima
        yield (np.array([1.0, -3.0, 2.0, -3.0]),), {"axis": 0, "keepdims": False}

    @staticmethod
    def second_order_samples(rng):
        return _samples(rng)


def _others_product(m: np.ndarray) -> np.ndarray:
    """For each i along the last axis, the product of every other element (no division, so
    exact with zeros): the exclusive prefix product times the exclusive suffix product."""
    ones = np.ones((*m.shape[:-1], 1), dtype=m.dtype)
    before = np.cumprod(np.concatenate([ones, m[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, m[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before * after


class Prod(Function):
    """Product along one axis (all elements when ``axis`` is None), as ``torch.prod``."""

    @staticmethod
    def forward(ctx, a, *, axis=None, keepdims=False):
        _remember_axes(ctx, a, axis, keepdims)
        ctx.save_for_backward(a)
        return np.prod(a, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da_i: the product of the other elements (exact where some are 0)
        others = _others_product(_move_last(a, ctx.axes))
        return _expand(grad, ctx.axes, ctx.keepdims) * _move_back(others, a, ctx.axes)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        # the products of the others as a recorded Prod: row i of an (n, n) matrix holds the
        # elements with a 1 in place of element i, so every order stays exact with zeros
        a = ctx.parents[0]
        axes = ctx.axes
        keep = [i for i in range(a.ndim) if i not in axes]
        moved = reshape(transpose(a, (*keep, *axes)), _moved_shape(a.data, axes))
        n = moved.shape[-1]
        rows = broadcast_to(reshape(moved, (*moved.shape[:-1], 1, n)), (*moved.shape, n))
        others = Prod.apply(where(np.eye(n, dtype=bool), 1.0, rows), axis=-1)
        permuted = reshape(others, [a.shape[i] for i in (*keep, *axes)])
        back = transpose(permuted, tuple(int(i) for i in np.argsort((*keep, *axes))))
        return _expand_recorded(grad, axes, ctx.keepdims) * back

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal(()),), {}
        yield (rng.standard_normal((1,)),), {"axis": 0}
        yield (rng.standard_normal((3,)),), {}
        yield (rng.standard_normal((2, 3)),), {"axis": 1, "keepdims": True}
        yield (rng.standard_normal((2, 3, 4)),), {"axis": 0}
        yield (rng.standard_normal((2, 3, 4)),), {"axis": -1}
        # zeros: one (its gradient is the product of the others) and two (all gradients 0)
        yield (np.array([[2.0, 0.0, -1.5], [0.0, 0.5, 0.0]]),), {"axis": 1}
        yield (np.array([1.5, -2.0, 0.0, 0.7]),), {}


def _move_last(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``a`` with the reduced ``axes`` merged into one last axis."""
    keep = [i for i in range(a.ndim) if i not in axes]
    return np.transpose(a, (*keep, *axes)).reshape(_moved_shape(a, axes))


def _moved_shape(a: np.ndarray, axes: tuple[int, ...]) -> tuple[int, ...]:
    keep = [a.shape[i] for i in range(a.ndim) if i not in axes]
    return (*keep, int(np.prod([a.shape[i] for i in axes])))


def _move_back(m: np.ndarray, a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """The inverse of `_move_last`: ``m`` back in ``a``'s layout."""
    order = (*[i for i in range(a.ndim) if i not in axes], *axes)
    return m.reshape([a.shape[i] for i in order]).transpose(np.argsort(order))


class Norm(Function):
    """The 2-norm over axes (Frobenius over all of them), as ``torch.linalg.vector_norm``;
    its gradient a/‖a‖ is taken as 0 where the norm is 0, as PyTorch does."""

    @staticmethod
    def forward(ctx, a, *, axis=None, keepdims=False):
        _remember_axes(ctx, a, axis, keepdims)
        ctx.save_for_backward(a)
        return np.sqrt(np.sum(a * a, axis=ctx.axes, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da_i: a_i / ‖a‖ (0 where ‖a‖ = 0); the norm recomputed from the saved input
        norm = np.sqrt(np.sum(a * a, axis=ctx.axes, keepdims=True))
        scale = _expand(grad, ctx.axes, ctx.keepdims) / np.where(norm == 0, 1, norm)
        return a * scale

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        a = ctx.parents[0]
        norm = _expand_recorded(out, ctx.axes, ctx.keepdims)
        safe = where(norm.data == 0, 1.0, norm)  # where ‖a‖ = 0, a is 0 too
        return a * (_expand_recorded(grad, ctx.axes, ctx.keepdims) / safe)

    @staticmethod
    def sample_inputs(rng):
        # not at 0, where the second derivative does not exist (PyTorch's is nan there): the
        # gradient 0 at 0 is checked against PyTorch in tests/autograd/test_torch_names.py
        return _samples(rng)


# --- public functions ---------------------------------------------------------------------


def reduce_min(a: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum of ``a`` over ``axis``; tied minima share the gradient equally."""
    return Min.apply(a, axis=axis, keepdims=keepdims)


def prod(a: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Product of ``a`` along ``axis`` (all elements when None), as ``torch.prod``."""
    if axis is not None and not isinstance(axis, int | np.integer):
        raise TypeError(f"prod: dim must be one int or None, got {axis!r}")
    return Prod.apply(a, axis=axis, keepdims=keepdims)


def norm(a: Tensor, p: float | str = "fro", axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The p-norm over ``axis`` (all axes when None), as ``torch.norm``: p = 2 or ``"fro"``
    (the op `Norm`), 1 (sum of |a|) or inf (max of |a|, ties sharing the gradient)."""
    _float_only("norm", a)
    if p in ("fro", 2):
        return Norm.apply(a, axis=axis, keepdims=keepdims)
    if p == 1:
        return a.abs().sum(axis=axis, keepdims=keepdims)
    if p == float("inf"):
        return a.abs().max(axis=axis, keepdims=keepdims)
    raise ValueError(f"norm: p must be 2, 'fro', 1 or inf, got {p!r}")


def var(a: Tensor, axis: Axis = None, correction: float = 1, keepdims: bool = False) -> Tensor:
    """Σ(a - mean)² / (N - correction) over ``axis``, as ``torch.var`` (correction=1 is the
    unbiased estimate); N - correction ≤ 0 gives nan or inf with a warning, as PyTorch."""
    _float_only("var", a)
    axes = _axes(axis, a.ndim)
    d = a - a.mean(axis=axes, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (d * d).sum(axis=axes, keepdims=keepdims) / _dof("var", a, axes, correction)


def std(a: Tensor, axis: Axis = None, correction: float = 1, keepdims: bool = False) -> Tensor:
    """√var, as ``torch.std``: ‖a - mean‖ / √(N - correction) through the 2-norm op, so the
    gradient is 0 (not nan) where every value is the same, as PyTorch's."""
    _float_only("std", a)
    axes = _axes(axis, a.ndim)
    d = a - a.mean(axis=axes, keepdims=True)
    scale = np.sqrt(_dof("std", a, axes, correction))
    with np.errstate(divide="ignore", invalid="ignore"):
        return Norm.apply(d, axis=axes, keepdims=keepdims) / scale


def _dof(op: str, a: Tensor, axes: tuple[int, ...], correction: float) -> float:
    """N - correction as a float (0 if negative, as PyTorch), with PyTorch's warning at ≤ 0."""
    dof = float(np.prod([a.shape[i] for i in axes])) - correction
    if dof <= 0:
        warnings.warn(
            f"{op}: degrees of freedom N - correction = {dof:g} is <= 0 (N elements reduced, "
            f"correction {correction}); the result is nan or inf",
            RuntimeWarning,
            stacklevel=3,
        )
    return max(dof, 0.0)


def _float_only(op: str, a: Tensor) -> None:
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: needs a floating-point tensor, got dtype {a.dtype}")
