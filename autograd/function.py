"""The `Function` base class: one differentiable op with its forward and backward side by side.

An op is a subclass with two static methods on numpy arrays::

    class Cube(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            # d/da: 3a²
            return grad * 3 * a**2

        @staticmethod
        def sample_inputs(rng):
            yield (rng.standard_normal((2, 3)),), {}

``Cube.apply(x)`` runs it on Tensors and records the node.

For gradients of gradients (``create_graph=True``) an op also writes its backward once more
from recorded ops, on Tensors, so the engine can record the backward pass as a graph::

        @staticmethod
        def differentiable_backward(ctx, grad, out):
            (a,) = ctx.parents
            return grad * 3 * a * a

``grad`` is the output's gradient (a Tensor that may have a graph of its own), ``out`` the
output Tensor, ``ctx.parents`` the input Tensors. An op without it refuses ``create_graph``
with an error naming it, never a silent zero. Every subclass registers itself
in `Function.registry` under its op name; the generic tests gradcheck every registered op
from its ``sample_inputs``, so nothing ships without a gradient check.

The instance is the node of the graph (PyTorch's ``ctx``). It points to its input Tensors and
saved arrays; nothing points back, so the graph has no reference cycles and is freed by
reference counting as soon as its root is dropped.
"""

from __future__ import annotations

import operator
import os
import re
import traceback
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np

from autograd.history import check_current, next_seq
from autograd.state import STATE, _State
from autograd.versions import (
    VersionCounter,
    ViewCounter,
    is_saved,
    live_buffer,
    modified_error,
    versions_at_save,
)

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def builtin_error(e: Exception) -> type[Exception]:
    """The builtin class to re-raise ``e`` as with a clearer message (numpy's own error
    classes take constructor arguments of their own)."""
    for cls in (ValueError, IndexError, TypeError):
        if isinstance(e, cls):
            return cls
    return RuntimeError


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of numpy broadcasting."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


class Function:
    """Base class of differentiable ops; see the module docstring for how to write one."""

    #: op name shown in the graph (``t.op``); defaults to the class name in snake_case
    name: ClassVar[str] = ""
    #: op name -> Function subclass, filled in by ``__init_subclass__``
    registry: ClassVar[dict[str, type[Function]]] = {}
    #: False for ops kept out of the registry (``class Op(Function, register=False)``)
    registered: ClassVar[bool] = False
    #: True if forward may return a view of its first input (reshape, transpose, slicing)
    returns_view: ClassVar[bool] = False
    #: True for elementwise ops whose forward and backward also work on numpy scalars: when
    #: every input is 0-d, `apply` passes numpy scalars instead of 0-d arrays (numpy's scalar
    #: arithmetic is several times faster than a ufunc on 0-d arrays) and backward gets its
    #: gradient as a scalar too. What such a node saves for backward is then an immutable
    #: copy, which no in-place change of the tensor it came from can make stale.
    scalar_math: ClassVar[bool] = False

    parents: tuple[Tensor, ...]
    #: arrays kept by forward for backward (see save_for_backward)
    saved_tensors: tuple[np.ndarray, ...] = ()
    #: versions of the inputs and output when arrays were saved; None means all 0
    _versions: tuple[tuple[int, ...], int] | None = None
    #: needs_input_grad while an autograd.grad sweep, which keeps to the graph between its
    #: outputs and inputs, runs this node's backward (set and removed by the sweep)
    _needs: tuple[bool, ...] | None = None
    #: for each input, the inputs whose gradients backward reads its saved value for (e.g.
    #: mul reads ``a`` only for ``b``'s gradient); None: every gradient reads every saved
    #: input. A saved input changed in place raises only if a gradient needs it, as PyTorch.
    reads_input_for: ClassVar[tuple[tuple[int, ...], ...] | None] = None
    #: when the node was recorded, and for an in-place op the number its rewrite took effect
    #: at; both 0 until the process records an in-place op (see `autograd.history`)
    seq: int = 0
    rewrite: int = 0
    #: for a node recorded by a ``create_graph=True`` backward: (the forward tensor it helps
    #: differentiate, "vjp" or "sum"), as `Tensor.backward_of` and `Tensor.backward_role`
    #: report them; set by `_watch` (or the fused ops' recorded backward), else None
    backward_of: tuple[Tensor, str] | None = None
    #: the stack where the node was recorded, kept only under ``detect_anomaly()``
    _trace: list[traceback.FrameSummary] | None = None

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        """Name the op and add it to the registry (``class Op(Function, register=False)``
        keeps an experimental op out of it)."""
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = _snake_case(cls.__name__)
        cls.registered = register
        if not register:
            return
        if cls.name in Function.registry:
            raise ValueError(f"Function: op name {cls.name!r} is registered twice")
        Function.registry[cls.name] = cls

    # --- the three methods an op defines --------------------------------------------------

    @staticmethod
    def forward(ctx: Function, *arrays: Any, **attrs: Any) -> Any:
        """Compute the output array from input arrays; save what backward needs on ``ctx``.

        Each op declares its own inputs and keyword attributes (``forward(ctx, a, b)``,
        ``forward(ctx, x, *, axis)``): typed ``Any`` here so that any such signature
        overrides this one. The inputs are ndarrays (numpy scalars for a `scalar_math` op on
        0-d inputs), and so is the output.
        """
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: np.ndarray) -> Any:
        """Return one gradient per input (an array, or None), given the output's gradient.

        Gradients may have the broadcast shape; the engine sums them back to each input's
        shape and casts them to its dtype.
        """
        raise NotImplementedError

    #: the backward on Tensors, from recorded ops (see the module docstring); None: the op
    #: is differentiable once only and ``create_graph=True`` through it raises
    differentiable_backward: ClassVar[Any] = None

    @staticmethod
    def sample_inputs(rng: np.random.Generator) -> Iterator[tuple[tuple[Any, ...], dict]]:
        """Yield ``(arrays, attrs)`` examples for the generic gradcheck (float64 arrays)."""
        raise NotImplementedError

    @classmethod
    def second_order_samples(cls, rng: np.random.Generator) -> Iterator[tuple[tuple, dict]]:
        """Samples for the generic second-order check: ``sample_inputs`` without the points
        where the first derivative jumps (ties, |x| at 0), where no second derivative
        exists for finite differences to measure."""
        return cls.sample_inputs(rng)

    # --- what the engine calls ------------------------------------------------------------

    def save_for_backward(self, *arrays: np.ndarray) -> None:
        """Keep arrays for backward. Inputs and the output saved here are version-checked."""
        self.saved_tensors = arrays

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input, whether backward must compute its gradient: it requires grad
        and (in an `autograd.grad`, which keeps to the graph between outputs and inputs) the
        sweep goes on through it."""
        if self._needs is not None:
            return self._needs
        return tuple([p._requires_grad for p in self.parents])

    @classmethod
    def apply(cls, *inputs: Tensor, **attrs: Any) -> Tensor:
        """Run the op on Tensors; record the node when grad mode is on and an input needs grad."""
        ctx = _new_object(cls)
        arrays = tuple(map(_data_of, inputs))
        operands = _scalars_if_0d(arrays) if cls.scalar_math else arrays
        try:
            data = cls.forward(ctx, *operands, **attrs) if attrs else cls.forward(ctx, *operands)
        except (ValueError, IndexError) as e:
            shapes = " and ".join(str(a.shape) for a in arrays)
            raise builtin_error(e)(f"{cls.name}: inputs of shapes {shapes}: {e}") from e
        if type(data) is not np.ndarray:
            data = np.asarray(data)
        state = STATE
        out = _fill(_new_tensor(Tensor), data, None)  # tensor_of, one call fewer per op
        if cls.returns_view and np.may_share_memory(data, arrays[0]):
            out._version = ViewCounter(inputs[0]._counter())
        if state.grad_enabled:
            for t in inputs:
                if t._requires_grad:
                    ctx.parents = inputs
                    out._requires_grad = True
                    out._ctx = ctx
                    if VersionCounter.in_use:
                        if ctx.saved_tensors:
                            versions = versions_at_save(inputs, out)
                            if versions is not None:
                                ctx._versions = versions
                        if VersionCounter.rewrites:
                            check_current(inputs, cls.name)
                            ctx.seq = next_seq()
                    break
        if state.watching:
            _watch(cls.name, inputs, data, ctx, state)
        return out

    def _check_versions(self, output: Tensor | None) -> None:
        """Raise if a saved input (or the output) was modified in place since forward."""
        recorded = self._versions
        readers = self.reads_input_for
        for i, p in enumerate(self.parents):
            counter = p._version
            if counter is None:
                continue
            if readers is not None and not any(self.needs_input_grad[j] for j in readers[i]):
                continue
            expected = 0 if recorded is None else recorded[0][i]
            if is_saved(self, live_buffer(p)) and counter.value != expected:
                label = f" {p.name!r}" if p.name else ""
                raise modified_error(
                    self.name, f"input {i}{label} of shape {p.shape}", counter.value, expected
                )
        if output is not None and output._version is not None:
            expected = 0 if recorded is None else recorded[1]
            if is_saved(self, live_buffer(output)) and output._version.value != expected:
                raise modified_error(
                    self.name,
                    f"its output of shape {output.shape}",
                    output._version.value,
                    expected,
                )

    def vjp(self, grad: np.ndarray, output: Tensor | None = None) -> list[Any]:
        """Gradients sent to each parent for output gradient ``grad``, in the parents' shapes.

        None for parents that do not require grad. ``output`` (the tensor this node produced)
        lets the in-place check cover a saved output too.
        """
        grads = self.raw_backward(grad, output)
        return [
            None if g is None or not p._requires_grad else self.as_input_grad(g, p.data)
            for p, g in zip(self.parents, grads)
        ]

    def raw_backward(self, grad: np.ndarray, output: Tensor | None) -> tuple[Any, ...]:
        """Run the op's backward after the in-place check; one entry per parent, unfitted."""
        if VersionCounter.in_use and self.saved_tensors:
            self._check_versions(output)
        if self.scalar_math and type(grad) is np.ndarray and not grad.ndim:
            # a 0-d output of an elementwise op: its forward ran on scalars (see scalar_math)
            grad = grad[()]
        grads = type(self).backward(self, grad)
        if type(grads) is tuple and len(grads) == len(self.parents):
            return grads  # the common case, without a call (this runs once per node)
        return self._one_per_parent(grads)

    def recorded_backward(self, grad: Tensor, output: Tensor) -> tuple[Any, ...]:
        """The op's backward built from recorded ops (for ``create_graph=True``): one Tensor
        (or None) per parent, unfitted. Raises, naming the op, if it has none."""
        backward = type(self).differentiable_backward
        if backward is None:
            raise RuntimeError(
                f"backward of {self.name!r} is differentiable only once: create_graph=True "
                f"(gradients of gradients) is not supported through {type(self).__name__}"
            )
        if VersionCounter.in_use and self.saved_tensors:
            self._check_versions(output)
        return self._one_per_parent(backward(self, grad, output))

    def _one_per_parent(self, grads: Any) -> tuple[Any, ...]:
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(self.parents):
            raise RuntimeError(
                f"backward of {self.name!r} returned {len(grads)} gradients "
                f"for {len(self.parents)} inputs"
            )
        return grads

    def as_input_grad(self, g: Any, target: np.ndarray) -> np.ndarray:
        """A gradient from backward as its input's gradient: summed over broadcast axes to the
        input's shape (``target.shape``) and cast to its dtype, an ndarray."""
        if type(g) is not np.ndarray:
            g = np.asarray(g)
        if g.shape != target.shape:
            g = unbroadcast(g, target.shape)
            if g.shape != target.shape:
                raise RuntimeError(
                    f"backward of {self.name!r}: gradient of shape {g.shape} "
                    f"does not fit input of shape {target.shape}"
                )
        if g.dtype != target.dtype:
            g = g.astype(target.dtype)
        return g

    def creation_trace(self) -> str:
        """The user code that created the op (recorded only under ``detect_anomaly()``)."""
        trace = getattr(self, "_trace", None)
        if not trace:
            return ""
        user = [f for f in trace if not f.filename.startswith(_PACKAGE_DIR)]
        return "".join(traceback.format_list(user[-2:]))


_new_object = object.__new__
_data_of = operator.attrgetter("data")


def _scalars_if_0d(arrays: tuple[np.ndarray, ...]) -> tuple[Any, ...]:
    """The operands of a `scalar_math` op: numpy scalars when every array is 0-d."""
    if len(arrays) == 2:  # most ops: spelled out, as this runs for every op on scalars
        a, b = arrays
        return arrays if a.ndim or b.ndim else (a[()], b[()])
    for a in arrays:
        if a.ndim:
            return arrays
    return tuple([a[()] for a in arrays])


def _has_nonfinite(a: np.ndarray) -> bool:
    return a.dtype.kind == "f" and not np.isfinite(a).all()


def _watch(
    name: str, inputs: tuple[Tensor, ...], data: np.ndarray, ctx: Function, state: _State
) -> None:
    """The slow path of `Function.apply`, taken only while something watches the ops:
    ``detect_anomaly()`` and the tagging of nodes recorded by a ``create_graph`` backward."""
    if state.backward_of is not None:
        ctx.backward_of = state.backward_of
    if state.anomaly:
        ctx._trace = traceback.extract_stack()[:-3]
        _check_forward(name, inputs, data, ctx)


def _check_forward(name: str, inputs: tuple[Tensor, ...], data: np.ndarray, ctx: Function) -> None:
    if not _has_nonfinite(data):
        return
    bad_inputs = [i for i, t in enumerate(inputs) if _has_nonfinite(t.data)]
    note = f" (input {bad_inputs[0]} already held NaN/inf)" if bad_inputs else ""
    scope = f" in scope {STATE.scope!r}" if STATE.scope else ""
    tag = getattr(ctx, "backward_of", None)
    if tag is not None:
        scope += f" in the recorded backward of {tag[0].op or 'a leaf'!r}"
    raise RuntimeError(
        f"detect_anomaly: forward of {name!r}{scope} produced NaN or inf in its output of "
        f"shape {data.shape}{note}. Created at:\n{ctx.creation_trace()}"
    )


# Imported last: Tensor's operators call Function.apply, and apply builds Tensors.
from autograd.tensor import Tensor, _fill, _new_tensor  # noqa: E402
