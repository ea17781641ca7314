"""tracegrad ops as ONNX nodes: elementwise math, matmul, shapes, indexing and reductions.

Each converter takes the graph, the traced output tensor ``t`` (its op's attributes are on
``t._ctx``) and the `Value` of each parent, emits nodes and returns the output's `Value`
with its dynamic axes. `CONVERTERS` maps op names to converters; the layers (conv, pooling,
recurrent, embedding, pad) are in `autograd.export_layers`. A converter raises `ExportError`
(without the op's name: the exporter adds it and the scope) for what ONNX cannot express.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.export import ExportError
from autograd.export_graph import (
    INT64_MAX,
    INT64_MIN,
    Dyn,
    Graph,
    Sym,
    Value,
    axis_label,
    broadcast_dyn,
    reshape_dyn,
)
from autograd.tensor import Tensor

Converter = Callable[[Graph, Tensor, list[Value]], Value]


def attr(t: Tensor, name: str) -> Any:
    """An attribute the op of ``t`` kept on its node (``axes``, ``index``, ``geometry``...)."""
    return getattr(t._ctx, name)


def result(t: Tensor, name: str, dyn: Dyn | None = None, **extra: Any) -> Value:
    return Value(name, t.shape, t.dtype, dyn, **extra)


# --- elementwise ----------------------------------------------------------------------------


def _elementwise(op_type: str) -> Converter:
    def convert(g: Graph, t: Tensor, ins: list[Value]) -> Value:
        dyn = broadcast_dyn(t.shape, ins)
        return result(t, g.add(op_type, *[g.cast(v, t.dtype) for v in ins]), dyn)

    return convert


def _where(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    cond, a, b = ins
    dyn = broadcast_dyn(t.shape, ins)
    name = g.add("Where", g.cast(cond, np.dtype(bool)), g.cast(a, t.dtype), g.cast(b, t.dtype))
    return result(t, name, dyn)


def _cast(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    return result(t, g.cast(ins[0], t.dtype), ins[0].dyn)


def _leaky_relu(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    return result(t, g.add("LeakyRelu", ins[0].name, alpha=float(attr(t, "slope"))), ins[0].dyn)


def _gelu(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    """x·Φ(x) through Erf, or the tanh approximation (ONNX's Gelu needs opset 20)."""
    x, dt = ins[0].name, t.dtype

    def c(value: float) -> str:
        return g.const(value, dt)

    if attr(t, "approximate") == "tanh":
        cube = g.add("Mul", g.add("Mul", x, x), x)
        inner = g.add("Add", x, g.add("Mul", cube, c(0.044715)))
        core = g.add("Tanh", g.add("Mul", inner, c(math.sqrt(2 / math.pi))))
    else:
        core = g.add("Erf", g.add("Mul", x, c(math.sqrt(0.5))))
    half = g.add("Mul", g.add("Add", core, c(1.0)), c(0.5))
    return result(t, g.add("Mul", x, half), ins[0].dyn)


def _clamp(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    low, high = attr(t, "bounds")
    bounds = ["" if b is None else g.const(b, t.dtype) for b in (low, high)]
    return result(t, g.add("Clip", ins[0].name, *bounds), ins[0].dyn)


def _softmax(op_type: str) -> Converter:
    def convert(g: Graph, t: Tensor, ins: list[Value]) -> Value:
        return result(t, g.add(op_type, ins[0].name, axis=int(attr(t, "axis"))), ins[0].dyn)

    return convert


# --- matmul -----------------------------------------------------------------------------


def _matmul(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    """numpy's matmul: leading axes broadcast, a's rows and b's columns carry over, the
    contracted axis may be dynamic only in both operands alike."""
    a, b = ins
    lead_out = t.ndim - (a.ndim >= 2) - (b.ndim >= 2)
    dyn: Dyn = {}
    contracted: list[Sym] = []
    for v, is_a in ((a, True), (b, False)):
        lead = v.ndim - (1 if v.ndim == 1 else 2)
        summed = v.ndim - 1 if is_a or v.ndim == 1 else v.ndim - 2
        for axis, sym in v.dyn.items():
            if axis == summed:
                contracted.append(sym)
                continue
            # a leading axis broadcasts; a's rows and b's columns carry over
            j = axis + lead_out - lead if axis < lead else (lead_out if is_a else t.ndim - 1)
            if dyn.get(j, sym) != sym or t.shape[j] != v.shape[axis]:
                raise ExportError(
                    f"{axis_label(sym)} of shapes {a.shape} @ {b.shape} meets another size"
                )
            dyn[j] = sym
    if contracted and (len(contracted) != 2 or contracted[0] != contracted[1]):
        raise ExportError(
            f"the contracted axis of shapes {a.shape} @ {b.shape} is dynamic in one operand "
            "only: the other operand has a fixed size there"
        )
    for j, sym in dyn.items():
        for v in (a, b):
            lead = v.ndim - (1 if v.ndim == 1 else 2)
            k = j - (lead_out - lead)
            if j < lead_out and 0 <= k < lead and k not in v.dyn and v.shape[k] != 1:
                raise ExportError(
                    f"an operand of shape {v.shape} has the fixed size {v.shape[k]} on "
                    f"{axis_label(sym)}; pass it as an input or make the axis static"
                )
    name = g.add("MatMul", g.cast(a, t.dtype), g.cast(b, t.dtype))
    return result(t, name, dyn)


# --- shapes ---------------------------------------------------------------------------------


def _reshape(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    target, dyn = reshape_dyn(ins[0], t.shape)
    return result(t, g.add("Reshape", ins[0].name, g.ints(target)), dyn)


def _transpose(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    axes = [int(a) % max(t.ndim, 1) for a in attr(t, "axes")]
    if not axes:
        return result(t, g.add("Identity", ins[0].name))
    dyn = {j: ins[0].dyn[a] for j, a in enumerate(axes) if a in ins[0].dyn}
    return result(t, g.add("Transpose", ins[0].name, perm=axes), dyn)


def _same_dyn(values: list[Value], axis: int, what: str) -> Dyn:
    """The dynamic axes values joined along ``axis`` share; raises if they differ."""
    dyn = values[0].dyn
    for v in values[1:]:
        if v.dyn != dyn:
            raise ExportError(
                f"{what} joins tensors of shapes {values[0].shape} and {v.shape} whose dynamic "
                "axes differ (a fixed-size constant beside a dynamic input?)"
            )
    if axis in dyn:
        raise ExportError(f"{what} joins along {axis_label(dyn[axis])}")
    return dyn


def _concatenate(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    axis = int(attr(t, "axis")) % t.ndim
    dyn = _same_dyn(ins, axis, "concatenate")
    name = g.add("Concat", *[g.cast(v, t.dtype) for v in ins], axis=axis)
    return result(t, name, dyn)


def _stack(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    axis = int(attr(t, "axis")) % t.ndim
    dyn = _same_dyn(ins, -1, "stack")
    parts = [g.unsqueeze(g.cast(v, t.dtype), [axis]) for v in ins]
    out_dyn = {(a + 1 if a >= axis else a): s for a, s in dyn.items()}
    return result(t, g.add("Concat", *parts, axis=axis), out_dyn)


def _broadcast_to(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    v = ins[0]
    shift = t.ndim - v.ndim
    shape = list(t.shape)
    for axis in v.dyn:
        shape[axis + shift] = 1  # Expand keeps the input's size where the target says 1
    dyn = broadcast_dyn(t.shape, [v])
    return result(t, g.add("Expand", v.name, g.ints(shape)), dyn)


def _reduce(op_type: str) -> Converter:
    def convert(g: Graph, t: Tensor, ins: list[Value]) -> Value:
        v = ins[0]
        axes, keep = [int(a) for a in attr(t, "axes")], int(bool(attr(t, "keepdims")))
        if keep:
            dyn = {a: s for a, s in v.dyn.items() if a not in axes}
        else:
            kept = [a for a in range(v.ndim) if a not in axes]
            dyn = {kept.index(a): s for a, s in v.dyn.items() if a in kept}
        if not axes:  # a 0-d input: nothing to reduce
            return result(t, g.add("Identity", v.name), dyn)
        if op_type == "ReduceSum" or g.opset >= 18:
            name = g.add(op_type, v.name, g.ints(axes), keepdims=keep)
        else:
            name = g.add(op_type, v.name, axes=axes, keepdims=keep)
        return result(t, name, dyn)

    return convert


# --- indexing ---------------------------------------------------------------------------


def _plain(i: Any) -> Any:
    """An index item as `_getitem` reads it: a 1-D bool mask as the positions it keeps, a
    0-d integer array as an int."""
    if isinstance(i, np.ndarray):
        if i.dtype == bool:
            if i.ndim != 1:
                raise ExportError("indexing with a boolean mask of more than one axis")
            return np.nonzero(i)[0]
        if i.ndim == 0:
            return int(i)
    return i


def _items(index: Any, ndim: int) -> list[Any]:
    """The index as a list of items, one per input axis (or None, a new axis), with
    Ellipsis expanded and the trailing axes filled with whole slices."""
    items = [_plain(i) for i in (index if isinstance(index, tuple) else (index,))]
    used = sum(1 for i in items if i is not None and i is not Ellipsis)
    if any(i is Ellipsis for i in items):
        k = next(n for n, i in enumerate(items) if i is Ellipsis)
        items[k : k + 1] = [slice(None)] * (ndim - used)
        used = ndim
    return items + [slice(None)] * (ndim - used)


def _is_full(s: Any) -> bool:
    return isinstance(s, slice) and s.start in (None, 0) and s.stop is None and s.step in (None, 1)


def _rnn_part(v: Value, index: Any) -> Value | None:
    """The out / h_T / c_T part of a fused recurrent op's output, read without a Slice."""
    parts = v.rnn
    if parts is None:
        return None
    steps = parts["steps"]
    if isinstance(index, slice) and index in (slice(None, steps), slice(0, steps)):
        return Value(parts["seq"], (steps, *v.shape[1:]), v.dtype, parts["seq_dyn"])
    if isinstance(index, int | np.integer) and not isinstance(index, bool):
        which = {steps - 1: "h", steps: "c", -1: "c" if "c" in parts else "h"}.get(int(index))
        if which is not None and parts.get(which):
            return Value(parts[which], v.shape[1:], v.dtype, parts["state_dyn"])
    return None


def _getitem(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    v, index = ins[0], attr(t, "index")
    part = _rnn_part(v, index)
    if part is not None:
        return part
    items = _items(index, v.ndim)
    arrays = [k for k, i in enumerate(items) if isinstance(i, np.ndarray) and i.ndim > 0]
    if arrays:
        return _gather(g, t, v, items, arrays)
    starts, ends, axes, steps = [], [], [], []
    squeeze, unsqueeze, dyn = [], [], {}
    axis = out = 0
    for i in items:
        if i is None:
            unsqueeze.append(out)
            out += 1
            continue
        sym = v.dyn.get(axis)
        if isinstance(i, slice):
            bounds = _slice_bounds(i, v.shape[axis], sym)
            if bounds is not None:
                starts.append(bounds[0])
                ends.append(bounds[1])
                steps.append(bounds[2])
                axes.append(axis)
            if sym is not None:
                dyn[out] = sym
            out += 1
        else:
            k = int(i)
            if sym is not None and k > 0:
                raise ExportError(
                    f"index {k} on {axis_label(sym)} depends on the example's size; use a "
                    "negative index (from the end), or make the axis static"
                )
            k = k if sym is not None else k % v.shape[axis]
            starts.append(k)
            ends.append(k + 1 if k != -1 else INT64_MAX)
            steps.append(1)
            axes.append(axis)
            squeeze.append(axis)
        axis += 1
    name = v.name
    if axes:
        name = g.add("Slice", name, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    name = g.unsqueeze(g.squeeze(name, squeeze), unsqueeze)
    return result(t, name if name != v.name else g.add("Identity", name), dyn)


def _slice_bounds(s: slice, size: int, sym: Sym | None) -> tuple[int, int, int] | None:
    """(start, end, step) of Slice for ``s`` on an axis of ``size``, None for the whole
    axis. On a dynamic axis only the whole axis, forwards or backwards."""
    if sym is not None:
        if _is_full(s):
            return None
        if s.start is None and s.stop is None and s.step == -1:
            return -1, INT64_MIN, -1
        raise ExportError(
            f"the slice {s} of {axis_label(sym)} depends on the example's size; only the "
            "whole axis (:, ::-1) can follow it"
        )
    start, stop, step = s.indices(size)
    if (start, stop, step) == (0, size, 1):
        return None
    if step < 0 and stop < 0:
        stop = INT64_MIN  # numpy's "before the first element"
    return start, stop, step


def _gather(g: Graph, t: Tensor, v: Value, items: list[Any], arrays: list[int]) -> Value:
    """One integer array among slices (``x[::-1, idx]``): Slice, then Gather on its axis."""
    k = arrays[0]
    if len(arrays) > 1 or not all(isinstance(i, slice) for n, i in enumerate(items) if n != k):
        raise ExportError(
            "indexing with an integer array is exported beside slices only (x[:, idx]); this "
            "index mixes it with other arrays, ints or None"
        )
    bounds = [
        (axis, _slice_bounds(i, v.shape[axis], v.dyn.get(axis)))
        for axis, i in enumerate(items)
        if axis != k
    ]
    cut = [(axis, b) for axis, b in bounds if b is not None]
    name = v.name
    if cut:
        starts, ends, steps = ([b[n] for _, b in cut] for n in range(3))
        axes = [axis for axis, _ in cut]
        name = g.add("Slice", name, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    idx = np.asarray(items[k], dtype=np.int64)
    if k in v.dyn:
        if np.any(idx > 0):
            raise ExportError(
                f"indices {idx.tolist()} on {axis_label(v.dyn[k])} depend on the example's "
                "size; use 0 and negative indices, or make the axis static"
            )
    else:
        idx = idx % v.shape[k]
    dyn: Dyn = {}
    for a, s in v.dyn.items():
        if a < k:
            dyn[a] = s
        elif a > k:
            dyn[a - 1 + idx.ndim] = s
    return result(t, g.add("Gather", name, g.const(idx), axis=k), dyn)


def _scatter_add(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    """zeros(shape) with the values added at the index (a dilated kernel, say), for values
    of a fixed shape: ScatterND with reduction="add" into the flattened zeros."""
    v = ins[0]
    if v.dyn:
        raise ExportError("scatter_add is exported only for values of a fixed shape")
    positions = np.arange(t.size, dtype=np.int64).reshape(t.shape)[attr(t, "index")]
    flat = g.add(
        "ScatterND",
        g.const(np.zeros(t.size, dtype=t.dtype)),
        g.const(np.ascontiguousarray(positions)[..., None]),
        g.cast(v, t.dtype),
        reduction="add",
    )
    return result(t, g.add("Reshape", flat, g.ints(t.shape)))


def _identity(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    return result(t, g.add("Identity", ins[0].name), ins[0].dyn)


def _unary(op_type: str) -> Converter:
    def convert(g: Graph, t: Tensor, ins: list[Value]) -> Value:
        return result(t, g.add(op_type, g.cast(ins[0], t.dtype)), ins[0].dyn)

    return convert


CONVERTERS: dict[str, Converter] = {
    **{
        op: _elementwise(onnx_op)
        for op, onnx_op in {
            "add": "Add",
            "sub": "Sub",
            "mul": "Mul",
            "div": "Div",
            "pow": "Pow",
            "maximum": "Max",
            "minimum": "Min",
        }.items()
    },
    **{
        op: _unary(onnx_op)
        for op, onnx_op in {
            "neg": "Neg",
            "exp": "Exp",
            "log": "Log",
            "sin": "Sin",
            "cos": "Cos",
            "tanh": "Tanh",
            "sigmoid": "Sigmoid",
            "relu": "Relu",
            "sqrt": "Sqrt",
            "abs": "Abs",
            "erf": "Erf",
            "sign": "Sign",
        }.items()
    },
    "clone": _identity,
    "where": _where,
    "cast": _cast,
    "leaky_relu": _leaky_relu,
    "gelu": _gelu,
    "clamp": _clamp,
    "softmax": _softmax("Softmax"),
    "log_softmax": _softmax("LogSoftmax"),
    "matmul": _matmul,
    "reshape": _reshape,
    "transpose": _transpose,
    "getitem": _getitem,
    "concatenate": _concatenate,
    "stack": _stack,
    "broadcast_to": _broadcast_to,
    "scatter_add": _scatter_add,
    "sum": _reduce("ReduceSum"),
    "mean": _reduce("ReduceMean"),
    "max": _reduce("ReduceMax"),
    "min": _reduce("ReduceMin"),
    "prod": _reduce("ReduceProd"),
    "norm": _reduce("ReduceL2"),
}
