"""The trace behind `autograd.export.to_onnx`: one recorded call, checked by a second one.

`trace` calls the function on fresh leaves made from the example inputs (float ones with
``requires_grad=True``, so every op on them is recorded) under grad mode, and lists the
recorded graph from the outputs, inputs first (`autograd.topological_order`).

A recorded graph holds what a forward pass did with Tensor ops. A value computed another
way (a comparison such as ``x > 0``, which records nothing; ``x.data`` or ``x.numpy()``; an
op on an integer input, which cannot require grad; a random draw) enters it as a constant
holding the example's numbers, and an exported model would keep them. So, unless told not
to, `trace` calls the function a second time on perturbed inputs (values in reverse order, float
ones also scaled by up to ±10 %) and compares the two graphs: the same ops in the
same order with the same shapes, the same indices, and every constant the same, except the
constants that are an integer input itself (a copy made before a lookup), which become
that input. Anything else raises `ExportError` naming the op and its scope.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograd.engine import _parents_first
from autograd.export import ExportError
from autograd.state import enable_grad
from autograd.tensor import Tensor

#: ops whose ``index`` attribute decides what they read or write
_INDEXED = ("getitem", "scatter_add", "setitem")


@dataclass
class Trace:
    """The example inputs as traced (fresh leaves), the outputs, every tensor of the graph
    inputs first, and the constants that stand for an integer input (id -> input number)."""

    inputs: list[Tensor]
    outputs: list[Tensor]
    order: list[Tensor]
    aliases: dict[int, int] = field(default_factory=dict)


def flatten(out: Any) -> list[Tensor]:
    """The Tensors of a function's result: a Tensor, or tuples and lists of them, nested."""
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, tuple | list):
        return [t for item in out for t in flatten(item)]
    raise TypeError(
        f"to_onnx: the function returned a {type(out).__name__}; return Tensors (or tuples "
        "and lists of them)"
    )


def _call(fn: Callable[..., Any], arrays: list[np.ndarray]) -> Trace:
    inputs = [Tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    with enable_grad():
        outputs = flatten(fn(*inputs))
    if not outputs:
        raise ExportError("to_onnx: the function returned no Tensor")
    return Trace(inputs, outputs, _parents_first(outputs, False))


def _perturbed(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The values of ``a`` in reverse order (what a comparison with a number reads moves),
    float ones each scaled by a factor in [0.9, 1.1] (sums change, signs stay): inputs that
    were valid stay valid (indices in range, positive values positive)."""
    moved = np.ascontiguousarray(a.reshape(-1)[::-1].reshape(a.shape))
    if a.dtype.kind == "f":
        return (moved * (1 + 0.1 * rng.uniform(-1, 1, a.shape))).astype(a.dtype)
    return moved


def trace(fn: Callable[..., Any], examples: list[np.ndarray], retrace: bool = True) -> Trace:
    """Trace ``fn(*examples)``; with ``retrace``, check it against a call on perturbed
    inputs (see the module docstring)."""
    first = _call(fn, [np.array(a, copy=True) for a in examples])
    if not retrace:
        first.aliases = {
            id(t): k
            for t in first.order
            if t._ctx is None
            for k, x in enumerate(first.inputs)
            if x.dtype.kind != "f" and t is not x and _same_values(t, x)
        }
        return first
    rng = np.random.default_rng(0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        second = _call(fn, [_perturbed(a, rng) for a in examples])
    first.aliases = _compare(first, second)
    return first


def _same_values(t: Tensor, x: Tensor) -> bool:
    return t.shape == x.shape and t.dtype == x.dtype and np.array_equal(t.data, x.data)


def _where(t: Tensor) -> str:
    what = f"op {t.op!r}" if t.op else f"a constant of shape {t.shape}"
    return f"{what} ({'scope ' + repr(t.scope) if t.scope else 'outside any module'})"


def _compare(first: Trace, second: Trace) -> dict[int, int]:
    """Check that the two traces record the same graph (see the module docstring); return
    the constants of the first that stand for an integer input."""
    changed = (
        "the recorded graph changes with the input values (Python control flow on values?); "
        "only a function that runs the same ops whatever the values can be exported"
    )
    if len(first.outputs) != len(second.outputs) or len(first.order) != len(second.order):
        raise ExportError(f"to_onnx: {changed}")
    position = {id(x): k for k, x in enumerate(first.inputs)}
    aliases: dict[int, int] = {}
    for a, b in zip(first.order, second.order):
        if a.op != b.op or a.shape != b.shape or a.dtype != b.dtype:
            raise ExportError(f"to_onnx: at {_where(a)}: {changed}")
        if id(a) in position:
            if b is not second.inputs[position[id(a)]]:
                raise ExportError(f"to_onnx: {changed}")
        elif a._ctx is not None:
            if a.op in _INDEXED and not _same_index(
                getattr(a._ctx, "index", None), getattr(b._ctx, "index", None)
            ):
                raise ExportError(
                    f"to_onnx: {_where(a)}: its index changes with the input values (computed "
                    "from them outside the graph); a traced model would keep the example's"
                )
        elif a is not b:
            k = next(
                (
                    k
                    for k, x in enumerate(first.inputs)
                    if x.dtype.kind != "f"
                    and _same_values(a, x)
                    and _same_values(b, second.inputs[k])
                ),
                None,
            )
            if k is not None:
                aliases[id(a)] = k
            elif not np.array_equal(a.data, b.data, equal_nan=a.dtype.kind == "f"):
                raise ExportError(
                    f"to_onnx: {_where(a)} changes with the input values: it was computed "
                    "outside the recorded graph (a comparison such as x > 0, .data or "
                    ".numpy(), an op on an integer input, or a random draw: is the module in "
                    "eval() mode?), so the exported model would keep the example's values"
                )
    return aliases


def _same_index(i: Any, j: Any) -> bool:
    if isinstance(i, tuple) and isinstance(j, tuple):
        return len(i) == len(j) and all(_same_index(p, q) for p, q in zip(i, j))
    if isinstance(i, np.ndarray) or isinstance(j, np.ndarray):
        return bool(np.array_equal(i, j))
    return bool(i == j)
