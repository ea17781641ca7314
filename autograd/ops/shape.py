"""Shape ops: reshape, transpose, indexing, concatenate, stack. No arithmetic, only moves."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from types import EllipsisType
from typing import Any

import numpy as np

from autograd.function import Function, unbroadcast
from autograd.tensor import Tensor, lift

Index = int | slice | None | EllipsisType | np.ndarray | list | Tensor | tuple


class Reshape(Function):
    returns_view = True

    @staticmethod
    def forward(ctx, a, *, shape):
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        # d/da: the identity, in a's shape
        return grad.reshape(ctx.in_shape)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return reshape(grad, ctx.in_shape)

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal(()),), {"shape": (1, 1)}
        yield (rng.standard_normal((2, 3)),), {"shape": (3, 2)}
        yield (rng.standard_normal((2, 3, 4)),), {"shape": (4, -1)}


class Transpose(Function):
    returns_view = True

    @staticmethod
    def forward(ctx, a, *, axes=None):
        ctx.axes = tuple(range(a.ndim))[::-1] if axes is None else tuple(axes)
        return a.transpose(ctx.axes)

    @staticmethod
    def backward(ctx, grad):
        # d/da: the inverse permutation
        return grad.transpose(np.argsort(ctx.axes))

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return transpose(grad, tuple(int(i) for i in np.argsort(ctx.axes)))

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal(()),), {}
        yield (rng.standard_normal((2, 3)),), {}
        yield (rng.standard_normal((2, 3, 4)),), {"axes": (1, 2, 0)}


def _is_basic(index: Any) -> bool:
    """True for indices made only of ints, slices, None and Ellipsis (no repeats possible)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, int | np.integer | slice) for i in items)


class GetItem(Function):
    name = "getitem"
    returns_view = True

    @staticmethod
    def forward(ctx, a, *, index):
        ctx.index, ctx.in_shape = index, a.shape
        return a[index]

    @staticmethod
    def backward(ctx, grad):
        # d/da: the gradient scattered back to where each element was read from;
        # np.add.at accumulates where an integer-array index repeats an element
        out = np.zeros(ctx.in_shape, dtype=grad.dtype)
        if _is_basic(ctx.index):
            out[ctx.index] = grad
        else:
            np.add.at(out, ctx.index, grad)
        return out

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return scatter_add(grad, ctx.index, ctx.in_shape)

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal((3,)),), {"index": 1}
        yield (rng.standard_normal((4, 3)),), {"index": (slice(1, 3), slice(None, None, 2))}
        yield (rng.standard_normal((4, 3)),), {"index": (Ellipsis, None, 0)}
        yield (rng.standard_normal((4,)),), {"index": np.array([0, 2, 2, 3, 0])}
        yield (rng.standard_normal((4, 3)),), {"index": (np.array([1, 1, 0]), np.array([2, 2, 0]))}
        yield (rng.standard_normal((3, 2)),), {"index": np.array([True, False, True])}


class Concatenate(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        ctx.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        # d/da_k: the slice of the gradient where a_k was placed
        return tuple(np.split(grad, ctx.splits, axis=ctx.axis))

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        bounds = [0, *(int(k) for k in ctx.splits), grad.shape[ctx.axis]]
        lead = (slice(None),) * (ctx.axis % grad.ndim)
        return tuple(
            GetItem.apply(grad, index=(*lead, slice(lo, hi)))
            for lo, hi in itertools.pairwise(bounds)
        )

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal((1,)), rng.standard_normal((3,))), {"axis": 0}
        yield (
            (rng.standard_normal((2, 3)), rng.standard_normal((2, 1)), rng.standard_normal((2, 2))),
            {"axis": 1},
        )


class Stack(Function):
    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = axis
        return np.stack(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        # d/da_k: the k-th slice along the new axis
        return tuple(np.moveaxis(grad, ctx.axis, 0))

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        lead = (slice(None),) * (ctx.axis % grad.ndim)
        return tuple(GetItem.apply(grad, index=(*lead, k)) for k in range(len(ctx.parents)))

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal(()), rng.standard_normal(())), {"axis": 0}
        yield (rng.standard_normal((2, 3)), rng.standard_normal((2, 3))), {"axis": -1}


class ScatterAdd(Function):
    """The adjoint of indexing: ``out = zeros(shape); out[index] += values`` (repeated
    positions accumulate). The backward of getitem and embedding; its own backward is
    indexing again, so the pair differentiates to any order."""

    @staticmethod
    def forward(ctx, values, *, index, shape):
        ctx.index = index
        out = np.zeros(shape, dtype=values.dtype)
        if _is_basic(index):
            out[index] = values
        else:
            np.add.at(out, index, values)
        return out

    @staticmethod
    def backward(ctx, grad):
        # d/dvalues: the gradient read back at the positions written
        return grad[ctx.index]

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return GetItem.apply(grad, index=ctx.index)

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal(()),), {"index": 1, "shape": (3,)}
        yield (
            (rng.standard_normal((2, 2)),),
            {"index": (slice(1, 3), slice(None, None, 2)), "shape": (4, 3)},
        )
        yield (rng.standard_normal((5,)),), {"index": np.array([0, 2, 2, 3, 0]), "shape": (4,)}
        yield (rng.standard_normal((3, 2)),), {"index": np.array([1, 1, 0]), "shape": (2, 2)}


class SetItem(Function):
    """``a`` with ``a[index] = values`` (``values`` broadcast to ``a[index]``), out of place:
    what an in-place assignment to a tensor in the graph records (PyTorch's CopySlices).
    An integer-array index that names one position twice is refused: which write survives
    would decide the gradient."""

    name = "setitem"

    @staticmethod
    def forward(ctx, a, values, *, index):
        if not _is_basic(index):
            _refuse_repeats(a.shape, index)
        ctx.index = index
        out = np.array(a, copy=True)
        out[index] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        # d/da: 1 where a was kept, 0 where it was overwritten; d/dvalues: the gradient
        # read back where they were written (summed over broadcast axes by the engine)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = np.array(grad, copy=True)
            ga[ctx.index] = 0
        return ga, grad[ctx.index]

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        zero = Tensor(np.zeros((), dtype=grad.dtype))
        ga = SetItem.apply(grad, zero, index=ctx.index) if ctx.needs_input_grad[0] else None
        return ga, GetItem.apply(grad, index=ctx.index)

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal((3,)), rng.standard_normal(())), {"index": 1}
        yield (
            (rng.standard_normal((4, 3)), rng.standard_normal((2,))),
            {"index": (slice(1, 3), slice(None, None, 2))},
        )
        yield (rng.standard_normal((4,)), rng.standard_normal((3,))), {"index": np.array([3, 0, 1])}
        yield (
            (rng.standard_normal((3, 2)), rng.standard_normal((2,))),
            {"index": np.array([True, False, True])},
        )


def _refuse_repeats(shape: tuple[int, ...], index: Any) -> None:
    positions = np.arange(int(np.prod(shape))).reshape(shape)[index].reshape(-1)
    if np.unique(positions).size != positions.size:
        raise IndexError(
            f"setitem: the index writes some element of the shape-{shape} tensor twice, so "
            "which value survives (and gets the gradient) is undefined; index each element once"
        )


class BroadcastTo(Function):
    """``a`` repeated along new or size-1 axes to ``shape`` (numpy's broadcasting rules);
    the gradient is summed back."""

    returns_view = True

    @staticmethod
    def forward(ctx, a, *, shape):
        ctx.in_shape = a.shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        # d/da: 1 for each copy, summed over the copies
        return unbroadcast(grad, ctx.in_shape)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        from autograd.ops.reduce import sum_to

        return sum_to(grad, ctx.in_shape)

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal(()),), {"shape": (2, 3)}
        yield (rng.standard_normal((1,)),), {"shape": (1,)}
        yield (rng.standard_normal((3, 1)),), {"shape": (2, 3, 4)}


def reshape(a: Tensor, shape: Sequence[int]) -> Tensor:
    """The same elements in ``shape`` (one entry may be -1)."""
    return Reshape.apply(a, shape=tuple(int(n) for n in shape))


def transpose(a: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when ``axes`` is None)."""
    if axes is not None:
        axes = tuple(int(n) for n in axes)
        if sorted(n % max(a.ndim, 1) for n in axes) != list(range(a.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {a.ndim} axes")
    return Transpose.apply(a, axes=axes)


def scatter_add(values: Tensor, index: Index, shape: Sequence[int]) -> Tensor:
    """A zero array of ``shape`` with ``values`` added at ``index`` (repeats accumulate):
    ``values`` has the shape of ``zeros(shape)[index]``."""
    return ScatterAdd.apply(values, index=plain_index(index), shape=tuple(int(n) for n in shape))


def broadcast_to(a: Tensor, shape: Sequence[int]) -> Tensor:
    """``a`` broadcast to ``shape`` as numpy does (a read-only view); ``a`` itself if it has
    that shape already."""
    shape = tuple(int(n) for n in shape)
    if a.shape == shape:
        return a
    try:
        np.broadcast_shapes(a.shape, shape)
    except ValueError as e:
        raise ValueError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}") from e
    if np.broadcast_shapes(a.shape, shape) != shape:
        raise ValueError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}")
    return BroadcastTo.apply(a, shape=shape)


def plain_index(index: Any) -> Any:
    """Replace Tensors (of integer or bool dtype) in an index by their arrays."""

    def plain(i: Any) -> Any:
        if isinstance(i, Tensor):
            i = i.data
        if isinstance(i, list):
            i = np.asarray(i)
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise IndexError(f"getitem: index arrays must be integer or bool, got {i.dtype}")
        return i

    return tuple(plain(i) for i in index) if isinstance(index, tuple) else plain(index)


def getitem(a: Tensor, index: Index) -> Tensor:
    """``a[index]`` with basic slicing and integer/bool array indexing, as numpy."""
    return GetItem.apply(a, index=plain_index(index))


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis: shapes agree except along ``axis``."""
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    return Concatenate.apply(*[lift(t) for t in tensors], axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis ``axis``."""
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    return Stack.apply(*[lift(t) for t in tensors], axis=axis)
