"""tracegrad ops as ONNX nodes: elementwise math, matmul, shapes and reductions.

Each converter takes the graph, the traced output tensor ``t`` (its op's attributes are on
``t._ctx``) and the `Value` of each parent, emits nodes and returns the output's `Value`
with its dynamic axes. `CONVERTERS` maps op names to converters; the layers (conv, pooling,
recurrent, embedding, pad) are in `autograd.export_layers`, indexing (getitem, scatter_add) in
`autograd.export_indexing`. A converter raises `ExportError`
(without the op's name: the exporter adds it and the scope) for what ONNX cannot express.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.export import ExportError
from autograd.export_graph import (
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


def _identity(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    return result(t, g.add("Identity", ins[0].name), ins[0].dyn)


def _unary(op_type: str) -> Converter:
    def convert(g: Graph, t: Tensor, ins: list[Value]) -> Value:
        return result(t, g.add(op_type, g.cast(ins[0], t.dtype)), ins[0].dyn)

    return convert


# below attr and result, which the indexing converters import from here
from autograd.export_indexing import getitem, scatter_add  # noqa: E402

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
    "getitem": getitem,
    "concatenate": _concatenate,
    "stack": _stack,
    "broadcast_to": _broadcast_to,
    "scatter_add": scatter_add,
    "sum": _reduce("ReduceSum"),
    "mean": _reduce("ReduceMean"),
    "max": _reduce("ReduceMax"),
    "min": _reduce("ReduceMin"),
    "prod": _reduce("ReduceProd"),
    "norm": _reduce("ReduceL2"),
}
