"""`Tensor`: an ndarray that records the operations applied to it, for reverse-mode autodiff."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from autograd.dtypes import as_array, get_default_dtype, is_floating
from autograd.function import Function, builtin_error
from autograd.history import settle
from autograd.state import STATE
from autograd.torch_extras import TorchExtras
from autograd.torch_inplace import TorchInPlace
from autograd.torch_methods import Axis, TorchMethods, axis_args
from autograd.versions import SharedArrayCounter, VersionCounter

if TYPE_CHECKING:
    from autograd.ops.shape import Index

#: a gradient hook: gets the gradient, may return a replacement (in a ``create_graph=True``
#: backward a Tensor, which carries its own graph) or None
Hook = Callable[[np.ndarray], "np.ndarray | Tensor | None"]


class HookHandle:
    """Returned by `Tensor.register_hook`; ``remove()`` unregisters the hook."""

    __slots__ = ("_hook", "_hooks")

    def __init__(self, hooks: list[Hook], hook: Hook) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor(TorchMethods, TorchExtras, TorchInPlace):
    """An n-dimensional array that records operations for backpropagation.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)``: ``data`` is a Python number,
    a nested list (both become the default float dtype, float32) or a numpy array (keeps its
    dtype and is copied, as ``torch.tensor`` does; `from_numpy` shares memory instead; only
    float tensors can require grad). Every op on tensors that require grad adds a
    node to the graph: ``t.op`` names it, ``t.parents`` are its inputs, ``t.backward()`` fills
    ``.grad`` of every tensor in the graph.
    """

    __slots__ = (
        "__weakref__",
        "_ctx",
        "_grad",
        "_grad_tensor",
        "_hooks",
        "_requires_grad",
        "_version",
        "data",
        "name",
        "scope",
    )
    # make numpy defer to Tensor's reflected operators (ndarray * Tensor -> Tensor.__rmul__)
    __array_ufunc__ = None

    data: np.ndarray
    name: str | None
    scope: str
    # the private slots, all set by `_fill`
    _ctx: Function | None  # the node that produced this tensor; None for a leaf
    _grad: np.ndarray | None
    _grad_tensor: Tensor | None
    _hooks: list[Hook] | None
    _requires_grad: bool
    _version: VersionCounter | None  # made on the first in-place change or view

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        if isinstance(data, Tensor):
            data = data.data
        _fill(self, as_array(data, dtype), name)
        if requires_grad:
            self.requires_grad = True

    # --- attributes -----------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether backward computes a gradient for this tensor."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and not is_floating(self.data.dtype):
            raise TypeError(
                f"Tensor: only floating-point tensors can require grad, this one is "
                f"{self.data.dtype}; convert it first, e.g. Tensor(a.astype('float32'))"
            )
        if not value and self._ctx is not None:
            raise RuntimeError(
                "Tensor: requires_grad can only be switched off on leaf tensors; "
                "use .detach() to get a tensor outside the graph"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, value: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = value
        return self

    @property
    def grad(self) -> np.ndarray | None:
        """The gradient from the last backward: None, or an ndarray of ``data``'s shape and dtype.

        Leaves accumulate it across backward calls; intermediate tensors hold the gradient of
        the last backward only.
        """
        return self._grad

    @grad.setter
    def grad(self, value: Any) -> None:
        self._grad = None if value is None else self._checked_grad(value)
        self._grad_tensor = None

    @property
    def grad_tensor(self) -> Tensor | None:
        """A leaf's gradient as a recorded Tensor, after ``backward(create_graph=True)``.

        ``.grad`` stays an ndarray (its values); this is the same gradient with the graph of
        its computation, to differentiate again: ``x.grad_tensor.backward()``. None after a
        plain backward, and cleared with ``.grad``. Like PyTorch's, it closes a reference
        cycle (the gradient's graph points back at the leaf), so such graphs are freed by
        Python's cyclic collector; `autograd.grad` with ``create_graph=True`` has no cycle.
        """
        return self._grad_tensor

    @property
    def backward_of(self) -> Tensor | None:
        """For a tensor recorded by a ``create_graph=True`` backward: the forward tensor
        whose gradient it helps compute (None for every other tensor).

        See `backward_role` for how: the backward of the op that produced that tensor
        (``"vjp"``), or the sum of the gradients its several consumers sent it (``"sum"``).
        """
        tag = None if self._ctx is None else getattr(self._ctx, "backward_of", None)
        return None if tag is None else tag[0]

    @property
    def backward_role(self) -> str:
        """``"vjp"``, ``"sum"`` (see `backward_of`) or ``""`` for a tensor of a forward pass."""
        tag = None if self._ctx is None else getattr(self._ctx, "backward_of", None)
        return "" if tag is None else tag[1]

    def _checked_grad(self, value: Any) -> np.ndarray:
        """``value`` as a gradient of this tensor: a writable ndarray of its shape and dtype."""
        g = value.data if isinstance(value, Tensor) else value
        g = np.asarray(g)
        if g.dtype.kind not in "biuf":
            raise TypeError(f"Tensor.grad: expected a numeric array, got dtype {g.dtype}")
        if g.shape != self.shape:
            raise ValueError(
                f"Tensor.grad: assigned gradient has shape {g.shape}, but the tensor has shape "
                f"{self.shape}"
            )
        if g.dtype != self.dtype or not g.flags.writeable:
            g = g.astype(self.dtype)
        return g

    @property
    def is_leaf(self) -> bool:
        """True if the tensor was not produced by a recorded op."""
        return self._ctx is None

    @property
    def op(self) -> str:
        """Name of the op that produced this tensor ("" for leaves)."""
        return "" if self._ctx is None else self._ctx.name

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The op's input tensors, in argument order (empty for leaves).

        After an in-place op on a tensor in the graph, a node recorded before it lists the
        tensor's old history (see `autograd.inplace`) rather than the tensor itself.
        """
        if self._ctx is None:
            return ()
        return settle(self._ctx) if VersionCounter.rewrites else self._ctx.parents

    @property
    def grad_fn(self) -> Function | None:
        """The recorded node (a `Function` instance) that produced this tensor, or None."""
        return self._ctx

    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each axis."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the data."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed."""
        return self.transpose()

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape}"
            )
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied; outside the graph)."""
        return self.data

    def detach(self) -> Tensor:
        """A tensor sharing this one's data but no graph history."""
        out = tensor_of(self.data, self.name)
        out.scope = self.scope
        out._version = self._counter()
        return out

    def _counter(self) -> VersionCounter:
        if self._version is None:
            self._version = VersionCounter()
        return self._version

    # --- backward -------------------------------------------------------------------------

    def backward(
        self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Backpropagate from this tensor, filling ``.grad`` of every tensor in its graph.

        A one-element tensor is seeded with 1; any other needs ``grad`` of its shape. Leaves
        accumulate across calls; intermediate tensors hold this backward's gradient.
        ``create_graph=True`` records the backward pass too: ``.grad`` still holds the values
        and each leaf's `grad_tensor` the recorded gradient, differentiable again.
        ``retain_graph`` is accepted for PyTorch's signature: graphs are never freed by
        backward, so any graph can be run again.
        """
        from autograd.engine import backward

        backward(self, grad, create_graph=create_graph)

    def vjp(self, upstream: Any) -> tuple[np.ndarray | None, ...]:
        """The gradient each parent receives from this node for output gradient ``upstream``.

        One entry per parent (None where the parent does not require grad). For a scalar op,
        ``t.vjp(1.0)`` is the local gradient of each edge; ``t.vjp(t.grad)`` is what flowed
        along each edge in the last backward. Leaves have no parents: ``()``.
        """
        if self._ctx is None:
            return ()
        g = np.asarray(upstream.data if isinstance(upstream, Tensor) else upstream)
        if g.shape != self.shape:
            try:
                g = np.broadcast_to(g, self.shape)
            except ValueError as e:
                raise ValueError(
                    f"vjp: upstream gradient of shape {g.shape} does not fit output of "
                    f"shape {self.shape}"
                ) from e
        return tuple(self._ctx.vjp(g.astype(self.dtype, copy=False), self))

    def register_hook(self, hook: Hook) -> HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return
        value replaces the gradient (same shape). Returns a handle with ``remove()``."""
        if not self._requires_grad:
            raise RuntimeError(
                "register_hook: cannot register a hook on a tensor that does not require grad"
            )
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return HookHandle(self._hooks, hook)

    # --- representation -------------------------------------------------------------------

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != get_default_dtype():
            extras.append(f"dtype={self.data.dtype}")
        if self.name:
            extras.append(f"name={self.name!r}")
        if self._ctx is not None:
            extras.append(f"op={self.op!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({', '.join([body, *extras])})"

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """The data for numpy (``np.asarray(t)``), outside the graph.

        As in PyTorch, refused for a tensor that requires grad: numpy would silently drop its
        history. Use ``t.detach()`` (or ``t.numpy()``) to say that is what you mean.
        """
        if self._requires_grad:
            raise RuntimeError(
                "Tensor.__array__: cannot convert a tensor that requires grad to a numpy array "
                "(its gradient would be lost); use t.detach() or t.numpy() for its values"
            )
        data = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return np.array(data) if copy else data

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    # --- arithmetic -----------------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        if type(other) is Tensor:
            return _Add(self, other)
        return add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        if type(other) is Tensor:
            return _Sub(self, other)
        return sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        if type(other) is Tensor:
            return _Mul(self, other)
        return mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        if type(other) is Tensor:
            return _Div(self, other)
        return div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return power(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return matmul(other, self)

    def __neg__(self) -> Tensor:
        return neg(self)

    def __pos__(self) -> Tensor:
        return self

    # comparisons are not differentiable: they return bool tensors outside the graph
    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    # --- in-place updates -----------------------------------------------------------------

    def __setitem__(self, index: Index, value: Any) -> None:
        index = plain_index(index)
        self._inplace(
            "setitem",
            lambda d, v: d.__setitem__(index, v),
            value,
            lambda a, v: SetItem.apply(a, lift(v, a), index=index),
        )

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace("add", lambda d, v: np.add(d, v, out=d), other, add)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace("sub", lambda d, v: np.subtract(d, v, out=d), other, sub)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace("mul", lambda d, v: np.multiply(d, v, out=d), other, mul)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace("div", lambda d, v: np.divide(d, v, out=d), other, div)

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """In place: ``self += alpha · other`` (PyTorch's ``add_``), recorded where ``+=`` is.

        ``other`` broadcasts to this tensor's shape; ``alpha`` is rounded to its dtype first,
        as numpy rounds a Python number. When both are contiguous float arrays of one shape
        and dtype it is one fused pass (`autograd.kernels.axpy`), the optimizers' update.
        """
        return self._inplace(
            "add_",
            lambda d, v: _add_scaled(d, v, alpha),
            other,
            lambda a, v: add(a, v if alpha == 1 else lift(v, a) * alpha),
        )

    def _inplace(
        self,
        op: str,
        update: Callable[[np.ndarray, Any], Any],
        value: Any,
        recorded: Callable[[Tensor, Any], Tensor],
    ) -> Tensor:
        """Change data in place and bump the version; recorded if grad mode is on and this
        tensor or the value requires grad.

        Recorded as PyTorch records it (`autograd.inplace`): the tensor keeps its identity and
        its buffer, its history moves to the new node, and a node that saved the old values
        raises at backward. Refused on a leaf that requires grad, as in PyTorch: do it under
        ``no_grad()`` (an optimizer update) or on a copy. ``recorded(before, value)`` is the
        op's out-of-place form.
        """
        if STATE.grad_enabled:
            if self._requires_grad and self._ctx is None:
                who = f" {self.name!r}" if self.name else ""
                raise RuntimeError(
                    f"in-place {op} on{who}: a leaf tensor that requires grad is being used in "
                    "an in-place operation; do it under autograd.no_grad() (as an optimizer "
                    "does) or on a copy"
                )
            if self._requires_grad or (isinstance(value, Tensor) and value._requires_grad):
                from autograd.inplace import record_inplace  # imports ops, which import this module

                return record_inplace(self, op, recorded, value)
        if isinstance(value, Tensor):
            value = value.data
        try:
            update(self.data, value)
        except (ValueError, TypeError, IndexError) as e:
            vshape = np.shape(value)
            raise builtin_error(e)(
                f"in-place {op} on a tensor of shape {self.shape} and dtype {self.dtype} "
                f"with a value of shape {vshape}: {e}"
            ) from e
        self._counter().value += 1
        return self

    # --- methods that record ops ----------------------------------------------------------

    def exp(self) -> Tensor:
        """Elementwise e^x."""
        return exp(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return log(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return tanh(self)

    def sin(self) -> Tensor:
        """Elementwise sine (radians)."""
        return sin(self)

    def cos(self) -> Tensor:
        """Elementwise cosine (radians)."""
        return cos(self)

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e^-x), stable for large |x|."""
        return sigmoid(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0)."""
        return relu(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return sqrt(self)

    def abs(self) -> Tensor:
        """Elementwise |x|."""
        return absolute(self)

    def sum(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Sum over ``axis`` (all axes when None). ``dim``/``keepdim`` are PyTorch's names."""
        axis, keepdims = axis_args("sum", axis, keepdims, dim, keepdim)
        return reduce_sum(self, axis=axis, keepdims=keepdims)

    def mean(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Mean over ``axis`` (all axes when None). ``dim``/``keepdim`` are PyTorch's names."""
        axis, keepdims = axis_args("mean", axis, keepdims, dim, keepdim)
        return reduce_mean(self, axis=axis, keepdims=keepdims)

    def max(
        self,
        axis: Axis = None,
        keepdims: bool = False,
        *,
        dim: Axis = None,
        keepdim: bool | None = None,
    ) -> Tensor:
        """Maximum over ``axis``; the gradient is shared equally among tied maxima.
        ``dim``/``keepdim`` are PyTorch's names."""
        axis, keepdims = axis_args("max", axis, keepdims, dim, keepdim)
        return reduce_max(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        """The same data in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, -1))``."""
        return reshape(self, _sizes(shape))

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permute axes (reverse them when none are given)."""
        return transpose(self, _sizes(axes) or None)

    def __getitem__(self, index: Index) -> Tensor:
        return getitem(self, index)


def _sizes(args: tuple[int | Sequence[int], ...]) -> tuple[int, ...]:
    """The sizes given as ``f(2, 3)`` or as one tuple or list ``f((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], tuple | list):
        return tuple(args[0])
    # otherwise each argument is one size (the op converts each with int())
    return cast("tuple[int, ...]", args)


def from_numpy(array: np.ndarray, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A Tensor that shares memory with ``array`` (as ``torch.from_numpy``): no copy.

    Changes to either show in the other. A change made through numpy after an op saved the
    array for backward makes that backward raise, like an in-place change of the tensor: the
    tensor's version counter checksums the array whenever a version is recorded or checked
    (one pass over the array each time; ``Tensor(array)`` copies instead and needs none).
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy array, got {type(array).__name__}")
    out = tensor_of(as_array(array, copy=False), name)
    out._version = SharedArrayCounter(array)
    out.requires_grad = requires_grad
    return out


def wrap(array: np.ndarray) -> Tensor:
    """A constant Tensor around a fresh array nobody else holds (no copy, no version check).

    For library code that has just computed ``array``; user data goes through ``Tensor``.
    """
    return tensor_of(array if type(array) is np.ndarray else np.asarray(array))


def tensor_of(data: np.ndarray, name: str | None = None) -> Tensor:
    """A new Tensor holding the ndarray ``data`` itself: no conversion, no copy, no history.

    The one constructor behind every Tensor (user-made, op results, views, detached copies).
    """
    return _fill(_new_tensor(Tensor), data, name)


def _fill(t: Tensor, data: np.ndarray, name: str | None) -> Tensor:
    """Set every slot of a fresh Tensor: a constant leaf in the current scope."""
    t.data = data
    t._grad = None
    t._grad_tensor = None
    t.name = name
    t.scope = STATE.scope
    t._ctx = None
    t._hooks = None
    t._version = None
    t._requires_grad = False
    return t


_new_tensor = object.__new__


def lift(value: Any, like: Tensor | None = None) -> Tensor:
    """Turn an operand into a Tensor; Python numbers take the float dtype of ``like``.

    Arrays are copied (an op may save the operand for backward, and the caller may change
    the array afterwards); Python numbers make a fresh array without a copy.
    """
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, int | float) and not isinstance(value, bool):
        dtype = like.data.dtype
        if dtype.kind != "f" and isinstance(value, float):
            dtype = get_default_dtype()
        return wrap(np.asarray(value, dtype=dtype))
    return Tensor(value)


#: arrays from this many elements up (1 MB of float32) take the fused kernel; below, numpy's
#: two passes stay in cache and cost little, and a program that updates only small tensors
#: (an MLP's optimizer) never loads a Numba kernel, whose first load brings in LLVM: about
#: 60 MB of resident memory
FUSED_ADD_MIN_SIZE = 2**18


def _add_scaled(d: np.ndarray, v: Any, alpha: float) -> None:
    """``d += alpha · v`` in place: the fused kernel where it applies, numpy otherwise (which
    also handles broadcasting and a ``v`` overlapping ``d``)."""
    if (
        d.size >= FUSED_ADD_MIN_SIZE
        and type(v) is np.ndarray
        and v.dtype == d.dtype
        and v.shape == d.shape
        and d.dtype.char in "fd"  # float32, float64: the types kernels compile for
        and d.flags.c_contiguous
        and v.flags.c_contiguous
        and d.flags.writeable
        and not np.may_share_memory(d, v)
    ):
        from autograd.kernels.axpy import axpy  # imported on first use, see FUSED_ADD_MIN_SIZE

        axpy(d.dtype.type(alpha), v.reshape(-1), d.reshape(-1))
    elif alpha == 1:
        np.add(d, v, out=d)
    else:
        np.add(d, np.multiply(alpha, v), out=d)


def _compare(ufunc: np.ufunc, a: Tensor, b: Any) -> Tensor:
    b = lift(b, a)
    try:
        return wrap(ufunc(a.data, b.data))
    except ValueError as e:
        raise ValueError(f"{ufunc.__name__}: shapes {a.shape} and {b.shape}: {e}") from e


# The op functions are imported last: they build Tensors, so they import this module.
from autograd.ops.elementwise import (  # noqa: E402
    Add,
    Div,
    Mul,
    Sub,
    add,
    div,
    mul,
    power,
    sub,
)
from autograd.ops.matmul import matmul  # noqa: E402
from autograd.ops.reduce import reduce_max, reduce_mean, reduce_sum  # noqa: E402
from autograd.ops.shape import SetItem, getitem, plain_index, reshape, transpose  # noqa: E402
from autograd.ops.unary import (  # noqa: E402
    absolute,
    cos,
    exp,
    log,
    neg,
    relu,
    sigmoid,
    sin,
    sqrt,
    tanh,
)

# Tensor-Tensor arithmetic skips operand lifting: the hot path of scalar graphs
_Add, _Sub, _Mul, _Div = Add.apply, Sub.apply, Mul.apply, Div.apply
