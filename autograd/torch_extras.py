"""More of PyTorch's Tensor methods: `TorchExtras`, a base class of `Tensor` beside
`TorchMethods`.

``clone``, ``dim``, ``numel``, ``t``, ``min``, ``var``, ``std``, ``prod``, ``norm``, ``neg``,
``reciprocal``, ``sign``, ``erf``, ``masked_fill``, ``chunk``, ``split``, ``repeat`` and the
casts ``long``/``int``/``bool`` (no graph, as `TorchMethods.to`). Each is an op of the
registry (clone, min, prod, norm, sign, erf) or built from recorded ops (var, std,
reciprocal, masked_fill as ``where``, chunk/split as slices, repeat as a broadcast), so every
gradient is the engine's.

The ops are imported where they are called: they build Tensors, so their modules import
`autograd.tensor`, which imports this one.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from autograd.torch_methods import Axis, _dim, _shape_args, axis_args

if TYPE_CHECKING:
    from autograd.tensor import Tensor


class IntegerCasts:
    """``long``, ``int``, ``bool``: the values in int64, int32 or bool, a constant without
    graph (an integer tensor has no gradient), or ``self`` if it has that dtype already.
    (A class of their own: the names ``int`` and ``bool`` would shadow the builtins in the
    class body of the other methods.)"""

    __slots__ = ()

    def long(self) -> Tensor:
        """``astype(int64)``."""
        return cast("Tensor", self).astype(np.int64)

    def int(self) -> Tensor:
        """``astype(int32)``."""
        return cast("Tensor", self).astype(np.int32)

    def bool(self) -> Tensor:
        """``astype(bool)``."""
        return cast("Tensor", self).astype(np.bool_)


def _correction(op: str, unbiased: bool | None, correction: float | None) -> float:
    """PyTorch's two spellings: ``unbiased`` (True: 1, False: 0) or ``correction`` (default 1)."""
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: give unbiased or correction, not both")
    if unbiased is not None:
        return 1.0 if unbiased else 0.0
    if correction is None:
        return 1.0
    if isinstance(correction, bool) or not isinstance(correction, int | float | np.number):
        raise TypeError(f"{op}: correction must be a number, got {correction!r}")
    return float(correction)


class TorchExtras(IntegerCasts):
    """The methods listed in the module docstring."""

    __slots__ = ()

    # --- shape and size -------------------------------------------------------------------

    def dim(self) -> int:
        """The number of axes (``ndim``)."""
        return cast("Tensor", self).ndim

    def numel(self) -> int:
        """The number of elements (``size``)."""
        return cast("Tensor", self).size

    def t(self) -> Tensor:
        """A 2-D tensor transposed; a 0-d or 1-D tensor as it is. More axes: an error (use
        ``transpose`` or ``permute``), as PyTorch."""
        t = cast("Tensor", self)
        if t.ndim > 2:
            raise ValueError(
                f"t: expects a tensor with at most 2 dimensions, got shape {t.shape}; "
                "use transpose(...) or permute(...)"
            )
        return t.transpose() if t.ndim == 2 else t

    def clone(self) -> Tensor:
        """A copy with its own data, recorded: the gradient passes through to ``self``."""
        from autograd.ops.pointwise import clone

        return clone(cast("Tensor", self))

    def split(self, split_size_or_sections: int | list[int], dim: int = 0) -> tuple:
        """Pieces along ``dim`` (views, as slices): of ``split_size`` each (the last one may be
        smaller), or of the given sizes, which must add up to the axis's length."""
        t = cast("Tensor", self)
        axis = _dim("split", dim, t.ndim)
        n = t.shape[axis]
        given = split_size_or_sections
        if isinstance(given, int | np.integer) and not isinstance(given, bool):
            if given <= 0 and n > 0:
                raise ValueError(f"split: split_size must be positive, got {given}")
            sizes = [min(int(given), n - lo) for lo in range(0, n, int(given))] if n else [0]
        else:
            sizes = list(_shape_args("split", (tuple(cast("list[int]", given)),)))
            if any(s < 0 for s in sizes) or sum(sizes) != n:
                raise ValueError(
                    f"split: sizes {sizes} must be non-negative and add up to {n}, the length "
                    f"of dim {dim} (shape {t.shape})"
                )
        bounds = itertools.pairwise(np.cumsum([0, *sizes]))
        return tuple(t[(slice(None),) * axis + (slice(int(lo), int(hi)),)] for lo, hi in bounds)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most ``chunks`` pieces of equal size along ``dim`` (the last may be smaller;
        fewer pieces when the length does not allow that many), as PyTorch."""
        t = cast("Tensor", self)
        if isinstance(chunks, bool) or not isinstance(chunks, int | np.integer) or chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        n = t.shape[_dim("chunk", dim, t.ndim)]
        if n == 0:  # as PyTorch: ``chunks`` empty pieces
            return t.split([0] * int(chunks), dim)
        return t.split(math.ceil(n / int(chunks)), dim)

    def repeat(self, *sizes: int | tuple[int, ...]) -> Tensor:
        """The tensor tiled ``sizes[i]`` times along axis i (extra leading sizes add axes), as
        ``torch.Tensor.repeat``: a recorded reshape, broadcast and reshape."""
        from autograd.ops.shape import broadcast_to

        t = cast("Tensor", self)
        reps = _shape_args("repeat", sizes)
        if len(reps) < t.ndim:
            raise ValueError(
                f"repeat: {len(reps)} repeat counts {reps} for a tensor with {t.ndim} "
                f"dimensions (shape {t.shape}); give one per dimension at least"
            )
        if any(r < 0 for r in reps):
            raise ValueError(f"repeat: repeat counts must be non-negative, got {reps}")
        shape = (1,) * (len(reps) - t.ndim) + t.shape
        spread = t.reshape(tuple(x for n in shape for x in (1, n)))
        tiled = broadcast_to(spread, tuple(x for r, n in zip(reps, shape) for x in (r, n)))
        return tiled.reshape(tuple(r * n for r, n in zip(reps, shape)))

    # --- values ---------------------------------------------------------------------------

    def neg(self) -> Tensor:
        """``-self``."""
        return -cast("Tensor", self)

    def reciprocal(self) -> Tensor:
        """``1 / self`` (recorded as a division)."""
        from autograd.ops.elementwise import div

        return div(1.0, cast("Tensor", self))

    def sign(self) -> Tensor:
        """-1, 0 or +1 per element; the gradient is zero, as PyTorch's."""
        from autograd.ops.pointwise import sign

        return sign(cast("Tensor", self))

    def erf(self) -> Tensor:
        """The error function, elementwise."""
        from autograd.ops.pointwise import erf

        return erf(cast("Tensor", self))

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """``value`` where the bool ``mask`` (broadcast to this tensor's shape) is True, this
        tensor elsewhere: a recorded ``where``, so the gradient is zero where filled (and a 0-d
        tensor ``value`` gets the gradient of the filled places)."""
        from autograd.ops.elementwise import where
        from autograd.tensor import Tensor

        t = cast("Tensor", self)
        m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
        try:
            fits = np.broadcast_shapes(m.shape, t.shape) == t.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"masked_fill: mask of shape {m.shape} does not broadcast to the tensor's "
                f"shape {t.shape}"
            )
        if isinstance(value, Tensor):
            if value.ndim:
                raise ValueError(
                    f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
                )
            value = value.astype(t.dtype)
        elif t.dtype.kind != "f":
            value = np.asarray(value).astype(t.dtype)
        return where(m, value, t)

    # --- reductions -----------------------------------------------------------------------

    def min(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Minimum over ``axis``, as `max`: the values only (``torch.amin``), tied minima
        sharing the gradient equally. ``dim``/``keepdim`` are PyTorch's names."""
        from autograd.ops.reduce_extra import reduce_min

        t = cast("Tensor", self)
        axis, keepdims = axis_args("min", axis, keepdims, dim, keepdim)
        return reduce_min(t, axis=axis, keepdims=keepdims)

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """Product along ``dim`` (of all elements when None), as ``torch.prod``."""
        from autograd.ops.reduce_extra import prod

        t = cast("Tensor", self)
        a = t if dtype is None else t.astype(dtype)
        return prod(a, axis=dim, keepdims=keepdim)

    def norm(self, p: float | str = "fro", dim: Axis = None, keepdim: bool = False) -> Tensor:
        """The p-norm over ``dim`` (all axes when None): p = ``"fro"``/2 (gradient 0 at 0, as
        PyTorch's), 1 or inf."""
        from autograd.ops.reduce_extra import norm

        t = cast("Tensor", self)
        return norm(t, p, axis=_dims(dim), keepdims=keepdim)

    def var(
        self,
        dim: Axis | bool = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """Variance over ``dim`` (all axes when None), dividing by N - ``correction`` (1 by
        default; ``unbiased=False`` is correction 0), as ``torch.var``."""
        from autograd.ops.reduce_extra import var

        t = cast("Tensor", self)
        if isinstance(dim, bool):  # torch.var(x, False): the old (unbiased) signature
            dim, unbiased = None, dim if unbiased is None else unbiased
        c = _correction("var", unbiased, correction)
        return var(t, axis=_dims(dim), correction=c, keepdims=keepdim)

    def std(
        self,
        dim: Axis | bool = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """Standard deviation, √`var` (same arguments); its gradient is 0 where all values are
        equal, as PyTorch's."""
        from autograd.ops.reduce_extra import std

        t = cast("Tensor", self)
        if isinstance(dim, bool):
            dim, unbiased = None, dim if unbiased is None else unbiased
        c = _correction("std", unbiased, correction)
        return std(t, axis=_dims(dim), correction=c, keepdims=keepdim)


def _dims(dim: Axis | list[int]) -> Axis:
    return tuple(dim) if isinstance(dim, list) else dim
