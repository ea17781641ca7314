"""PyTorch's in-place Tensor methods and a few gather-style helpers: `TorchInPlace`, a base
class of `Tensor` beside `TorchMethods` and `TorchExtras`.

``zero_``, ``fill_``, ``copy_``, ``mul_``, ``sub_``, ``div_``, ``clamp_`` change the data in
place exactly as ``+=`` does (`Tensor._inplace`): refused on a leaf that requires grad while
recording, recorded as PyTorch records it on a tensor in the graph (`autograd.inplace`), and
plain (a version bump) elsewhere, e.g. under ``no_grad()`` in an initialiser.
``retain_grad`` is accepted for PyTorch's programs; ``square``, ``logsumexp`` and ``gather``
are built from recorded ops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from autograd.tensor import Tensor


class TorchInPlace:
    """The methods listed in the module docstring (mixed into `Tensor`)."""

    __slots__ = ()

    def zero_(self) -> Tensor:
        """Set every element to 0, in place; returns self."""
        return self.fill_(0.0)

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value`` (a number, or a one-element Tensor), in place."""
        from autograd.ops.shape import SetItem
        from autograd.tensor import lift

        t = cast("Tensor", self)
        return t._inplace(
            "fill_",
            _write_all,
            value,
            lambda a, v: SetItem.apply(a, lift(v, a), index=Ellipsis),
        )

    def copy_(self, src: Any) -> Tensor:
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into self, in place;
        the gradient flows to ``src``, as in PyTorch."""
        from autograd.ops.shape import SetItem
        from autograd.tensor import lift

        t = cast("Tensor", self)
        return t._inplace(
            "copy_", _write_all, src, lambda a, v: SetItem.apply(a, lift(v, a), index=Ellipsis)
        )

    def mul_(self, other: Any) -> Tensor:
        """``self *= other``."""
        t = cast("Tensor", self)
        t *= other
        return t

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """``self -= alpha · other`` (PyTorch's ``sub_``)."""
        t = cast("Tensor", self)
        return t.add_(other, alpha=-alpha)

    def div_(self, other: Any) -> Tensor:
        """``self /= other``."""
        t = cast("Tensor", self)
        t /= other
        return t

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """`clamp` in place."""
        from autograd.ops.clamp import check_bounds, clamp

        t = cast("Tensor", self)
        check_bounds("clamp_", min, max)
        return t._inplace(
            "clamp_",
            lambda d, _: np.clip(d, min, max, out=d),
            None,
            lambda a, _: clamp(a, min, max),
        )

    def retain_grad(self) -> None:
        """Accepted for PyTorch's programs: every tensor in the graph keeps its ``.grad``
        after a backward already (that is what lets viz annotate every node)."""
        t = cast("Tensor", self)
        if not t.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")

    def square(self) -> Tensor:
        """Elementwise x², recorded as x·x."""
        t = cast("Tensor", self)
        return t * t

    def logsumexp(self, dim: int | tuple[int, ...], keepdim: bool = False) -> Tensor:
        """log Σ exp(x) over ``dim``, shifted by the maximum so no exp overflows; its gradient
        is softmax(x). A slice of -inf only gives -inf."""
        from autograd.tensor import Tensor

        t = cast("Tensor", self)
        peak = t.data.max(axis=dim, keepdims=True)
        shift = Tensor(np.where(np.isfinite(peak), peak, 0).astype(t.dtype))
        with np.errstate(divide="ignore"):
            out = (t - shift).exp().sum(axis=dim, keepdims=True).log() + shift
        return out if keepdim else out.reshape(_drop(out.shape, dim, t.ndim))

    def gather(self, dim: int, index: Any) -> Tensor:
        """``out[i][j][k] = self[index[i][j][k]][j][k]`` for ``dim=0`` (and so on), as
        ``torch.gather``: ``index`` is an integer array of this tensor's rank whose size along
        the other dims does not exceed this tensor's. The gradient is added back where each
        element was read."""
        t = cast("Tensor", self)
        idx = np.asarray(getattr(index, "data", index))
        if idx.dtype.kind not in "iu":
            raise TypeError(f"gather: index must be an integer array, got {idx.dtype}")
        if idx.ndim != t.ndim:
            raise ValueError(
                f"gather: index has {idx.ndim} dims, the tensor {t.ndim} (shape {t.shape})"
            )
        axis = dim % t.ndim
        too_big = [d for d in range(t.ndim) if d != axis and idx.shape[d] > t.shape[d]]
        if too_big:
            raise ValueError(
                f"gather: index of shape {idx.shape} is larger than the tensor's {t.shape} "
                f"along dim {too_big[0]}"
            )
        grid: list[np.ndarray] = list(np.indices(idx.shape, sparse=True))
        grid[axis] = idx
        return t[tuple(grid)]


def _write_all(d: np.ndarray, v: Any) -> None:
    d[...] = v


def _drop(shape: tuple[int, ...], dim: int | tuple[int, ...], ndim: int) -> tuple[int, ...]:
    dims = {d % ndim for d in (dim if isinstance(dim, tuple) else (dim,))}
    return tuple(n for i, n in enumerate(shape) if i not in dims)
