"""PyTorch's names for what a Tensor does, so that a PyTorch program ports with few changes.

`TorchMethods` is a base class of `Tensor`: ``view``, ``unsqueeze``, ``squeeze``,
``permute``, ``flatten``, ``expand`` (shape ops, recorded as reshape, transpose and
broadcast_to), ``argmax``/``argmin`` (indices, no graph), ``clamp``, ``pow``, ``softmax``,
``log_softmax``, ``tolist``, ``float``/``double``/``to``/``astype`` (recorded casts). The
reductions take ``dim``/``keepdim`` beside numpy's ``axis``/``keepdims`` (`axis_args`).

The ops are imported where they are called: they build Tensors, so their modules import
`autograd.tensor`, which imports this one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from autograd.tensor import Tensor

Axis = int | tuple[int, ...] | None


def axis_args(
    op: str, axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None
) -> tuple[Axis, bool]:
    """``(axis, keepdims)`` from numpy's names or PyTorch's (``dim``, ``keepdim``); giving
    both spellings of one argument is an error naming ``op``."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: give axis or dim, not both (they are the same argument)")
        axis = tuple(dim) if isinstance(dim, list) else dim
    if keepdim is not None:
        if keepdims:
            raise TypeError(f"{op}: give keepdims or keepdim, not both (the same argument)")
        keepdims = keepdim
    return axis, bool(keepdims)


def _shape_args(op: str, sizes: tuple[Any, ...]) -> tuple[int, ...]:
    """``t.view(2, 3)`` and ``t.view((2, 3))`` alike."""
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = tuple(sizes[0])
    for s in sizes:
        if not isinstance(s, int | np.integer):
            raise TypeError(f"{op}: sizes must be ints, got {sizes}")
    return tuple(int(s) for s in sizes)


def _dim(op: str, dim: int, ndim: int) -> int:
    """``dim`` in [-ndim, ndim) as a non-negative axis, or an IndexError naming ``op``."""
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"{op}: dim {dim} is out of range for a tensor with {ndim} dimensions "
            f"(expected one in [{-ndim}, {ndim - 1}])"
        )
    return dim % ndim


def _is_device(name: str) -> bool:
    """True for a device name (``"cpu"``, ``"cuda:0"``), False for a dtype name."""
    try:
        np.dtype(name)
    except TypeError:
        return True
    return False


class TorchMethods:
    """The PyTorch-named methods of `Tensor` (see the module docstring)."""

    __slots__ = ()

    # --- shapes -----------------------------------------------------------------------------

    def view(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same data in a new shape (``reshape``; no contiguity needed, unlike PyTorch's)."""
        t = cast("Tensor", self)
        return t.reshape(_shape_args("view", shape))

    def unsqueeze(self, dim: int) -> Tensor:
        """A new axis of size 1 at ``dim`` (in [-ndim-1, ndim])."""
        t = cast("Tensor", self)
        axis = _dim("unsqueeze", dim, t.ndim + 1)
        return t.reshape((*t.shape[:axis], 1, *t.shape[axis:]))

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Drop axes of size 1: all of them, or ``dim`` only (left as is if its size is not 1,
        as PyTorch)."""
        t = cast("Tensor", self)
        if dim is None:
            return t.reshape(tuple(n for n in t.shape if n != 1))
        if t.ndim == 0:
            return t
        axis = _dim("squeeze", dim, t.ndim)
        if t.shape[axis] != 1:
            return t
        return t.reshape(t.shape[:axis] + t.shape[axis + 1 :])

    def permute(self, *dims: int | tuple[int, ...]) -> Tensor:
        """Axes reordered: output axis i is input axis ``dims[i]``."""
        t = cast("Tensor", self)
        axes = _shape_args("permute", dims)
        if sorted(a % max(t.ndim, 1) for a in axes) != list(range(t.ndim)):
            raise ValueError(f"permute: {axes} is not a permutation of {t.ndim} axes")
        return t.transpose(tuple(a % t.ndim for a in axes))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Axes ``start_dim`` … ``end_dim`` merged into one (a 0-d tensor becomes (1,))."""
        t = cast("Tensor", self)
        if t.ndim == 0:
            return t.reshape((1,))
        lo, hi = _dim("flatten", start_dim, t.ndim), _dim("flatten", end_dim, t.ndim)
        if lo > hi:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = math.prod(t.shape[lo : hi + 1])
        return t.reshape((*t.shape[:lo], merged, *t.shape[hi + 1 :]))

    def expand(self, *sizes: int | tuple[int, ...]) -> Tensor:
        """Broadcast to ``sizes`` (-1 keeps an axis; new axes go in front), as a recorded
        ``broadcast_to``: the gradient sums over the repeated entries."""
        from autograd.ops.shape import broadcast_to

        t = cast("Tensor", self)
        shape = _shape_args("expand", sizes)
        if len(shape) < t.ndim:
            raise ValueError(f"expand: {shape} has fewer axes than the tensor's {t.shape}")
        own = (None,) * (len(shape) - t.ndim) + t.shape
        target = []
        for n, o in zip(shape, own):
            if n == -1:
                if o is None:
                    raise ValueError(
                        f"expand: -1 is not allowed for the new leading axes of {shape}"
                    )
                n = o
            target.append(n)
        return broadcast_to(t, tuple(target))

    # --- values -----------------------------------------------------------------------------

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the maximum (over the flattened tensor when ``dim`` is None): int64, no
        graph (an index has no gradient)."""
        from autograd.tensor import wrap

        t = cast("Tensor", self)
        return wrap(np.asarray(np.argmax(t.data, axis=dim, keepdims=keepdim)))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the minimum, as `argmax`."""
        from autograd.tensor import wrap

        t = cast("Tensor", self)
        return wrap(np.asarray(np.argmin(t.data, axis=dim, keepdims=keepdim)))

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Values limited to [min, max] (see `autograd.ops.clamp.clamp`)."""
        from autograd.ops.clamp import clamp

        t = cast("Tensor", self)
        return clamp(t, min, max)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        t = cast("Tensor", self)
        return t**exponent

    def softmax(self, dim: int = -1) -> Tensor:
        """Softmax along ``dim``."""
        from autograd.ops.softmax import softmax

        t = cast("Tensor", self)
        return softmax(t, axis=dim)

    def log_softmax(self, dim: int = -1) -> Tensor:
        """Log of the softmax along ``dim``, computed stably."""
        from autograd.ops.softmax import log_softmax

        t = cast("Tensor", self)
        return log_softmax(t, axis=dim)

    def tolist(self) -> Any:
        """The values as (nested lists of) Python numbers; a 0-d tensor gives one number."""
        t = cast("Tensor", self)
        return t.data.tolist()

    # --- dtypes -----------------------------------------------------------------------------

    def to(self, dtype: Any = None, *, device: str | None = None) -> Tensor:
        """The tensor in ``dtype`` (see `astype`); ``"cpu"`` as dtype or device is accepted
        and changes nothing (tracegrad computes on the CPU only)."""
        t = cast("Tensor", self)
        if isinstance(dtype, str) and _is_device(dtype):
            dtype, device = None, dtype
        if device is not None and device not in ("cpu", "cpu:0"):
            raise ValueError(f"to: tracegrad computes on the CPU only, got device {device!r}")
        return t if dtype is None else t.astype(dtype)

    def astype(self, dtype: Any) -> Tensor:
        """The values in ``dtype``: ``self`` if it has it already, a recorded cast (gradient
        cast back) for a float dtype, a constant without graph for other dtypes (an integer
        or bool tensor has no gradient)."""
        from autograd.ops.unary import cast as cast_op
        from autograd.tensor import wrap

        t = cast("Tensor", self)
        target = np.dtype(dtype)
        if target == t.dtype:
            return t
        if target.kind == "f":
            return cast_op(t, target)
        return wrap(t.data.astype(target))

    def float(self) -> Tensor:
        """``astype(float32)``."""
        t = cast("Tensor", self)
        return t.astype(np.float32)

    def double(self) -> Tensor:
        """``astype(float64)``."""
        t = cast("Tensor", self)
        return t.astype(np.float64)
