"""What `autograd.export` builds an ONNX graph from: values, dynamic axes and the builder.

- `Value`: one traced tensor as the ONNX graph sees it: its value name, shape and dtype (as
  traced), its dynamic axes, and for a constant leaf its data.
- `Sym`: a dynamic axis (``"batch"``): at export its size was ``outer · size · inner`` (1, the
  example's size, 1 unless a reshape merged it with fixed axes), and that size may change.
- `Graph`: collects nodes and initializers under unique names (``scope/op``), with the helpers
  the converters (`autograd.export_ops`, `autograd.export_layers`) share.
- `broadcast_dyn`, `reshape_dyn`: how dynamic axes move through broadcasting and reshapes;
  anything that would freeze a dynamic size into the graph raises `ExportError`.

Imported by `autograd.export` only once ``onnx`` is known to be importable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from autograd.export import ExportError

#: ONNX's bounds for an open slice end (Slice clamps them to the axis)
INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Sym:
    """A dynamic axis named ``name``, of size ``outer · size · inner`` when traced (``size``:
    the example's size along the input axis that was declared dynamic)."""

    name: str
    size: int
    outer: int = 1
    inner: int = 1

    @property
    def exact(self) -> bool:
        """True if the axis is the dynamic size itself, not merged with fixed axes."""
        return self.outer == 1 and self.inner == 1


#: dynamic axes of a value: axis -> its symbol
Dyn = dict[int, Sym]


class Value:
    """A traced tensor in the graph. ``name`` is made on first use when ``make`` is given
    (the packed output of a fused LSTM is read only through its parts, see ``rnn``)."""

    def __init__(
        self,
        name: str,
        shape: tuple[int, ...],
        dtype: np.dtype,
        dyn: Dyn | None = None,
        const: np.ndarray | None = None,
        make: Callable[[], str] | None = None,
        rnn: dict[str, Any] | None = None,
    ) -> None:
        self._name, self.shape, self.dtype = name, shape, np.dtype(dtype)
        self.dyn: Dyn = dict(dyn or {})
        self.const, self._make, self.rnn = const, make, rnn

    @property
    def name(self) -> str:
        if not self._name and self._make is not None:
            self._name = self._make()
        return self._name

    @property
    def ndim(self) -> int:
        return len(self.shape)


class Graph:
    """Nodes and initializers under unique names; ``scope`` prefixes the names of what the
    current op emits (set by the exporter before each op)."""

    def __init__(self, opset: int) -> None:
        self.opset = opset
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.scope = ""
        #: the Value of each traced tensor, by id (filled by the exporter)
        self.values: dict[int, Value] = {}
        self._taken: set[str] = set()
        self._consts: dict[tuple[str, tuple[int, ...], bytes], str] = {}

    def fresh(self, hint: str) -> str:
        """A name not used yet: ``hint``, else ``hint_1``, ``hint_2``, ..."""
        name, k = hint, 0
        while name in self._taken:
            k += 1
            name = f"{hint}_{k}"
        self._taken.add(name)
        return name

    def _prefixed(self, what: str) -> str:
        return f"{self.scope}/{what}" if self.scope else what

    def node(self, op_type: str, inputs: list[str], outputs: int = 1, **attrs: Any) -> list[str]:
        """Append an ``op_type`` node; returns its ``outputs`` fresh output names."""
        stem = self._prefixed(op_type)
        names = [self.fresh(stem if k == 0 else f"{stem}:{k}") for k in range(outputs)]
        node = helper.make_node(op_type, inputs, names, name=self.fresh(f"{stem}#node"), **attrs)
        self.nodes.append(node)
        return names

    def add(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        """Append a one-output node; returns the output's name."""
        return self.node(op_type, list(inputs), 1, **attrs)[0]

    def initializer(self, array: np.ndarray, hint: str) -> str:
        """``array`` as an initializer named ``hint`` (made unique)."""
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def const(self, array: Any, dtype: Any = None) -> str:
        """A constant initializer, shared by every use of the same values (axes lists,
        scalars, gate orders)."""
        a = np.asarray(array, dtype=dtype)
        key = (a.dtype.str, a.shape, a.tobytes())
        if key not in self._consts:
            self._consts[key] = self.initializer(
                a, "const" if a.size <= 16 else self._prefixed("const")
            )
        return self._consts[key]

    def ints(self, values: Any) -> str:
        """A 1-D int64 constant (shapes, axes, indices)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1))

    def cast(self, v: Value, dtype: np.dtype) -> str:
        """``v``'s name, through a Cast node if its dtype is not ``dtype``."""
        if v.dtype == dtype:
            return v.name
        return self.add("Cast", v.name, to=helper.np_dtype_to_tensor_dtype(np.dtype(dtype)))

    def squeeze(self, name: str, axes: list[int]) -> str:
        return self.add("Squeeze", name, self.ints(axes)) if axes else name

    def unsqueeze(self, name: str, axes: list[int]) -> str:
        return self.add("Unsqueeze", name, self.ints(axes)) if axes else name


def axis_label(sym: Sym) -> str:
    return f"the dynamic axis {sym.name!r}"


def broadcast_dyn(out_shape: tuple[int, ...], values: list[Value]) -> Dyn:
    """The dynamic axes of an elementwise result of ``out_shape`` (numpy broadcasting);
    raises where a fixed size would meet a dynamic axis (a constant made with the example's
    batch size, say), or two different dynamic axes meet."""
    rank = len(out_shape)
    dyn: Dyn = {}
    for v in values:
        shift = rank - v.ndim
        for axis, sym in v.dyn.items():
            j = axis + shift
            if dyn.get(j, sym) != sym:
                raise ExportError(
                    f"operands with different dynamic axes meet on axis {j} "
                    f"({dyn[j].name!r} and {sym.name!r})"
                )
            if out_shape[j] != v.shape[axis]:
                raise ExportError(
                    f"{axis_label(sym)} (size {v.shape[axis]} in the example) is broadcast to "
                    f"{out_shape[j]}; give the example a size other than 1 there, or make the "
                    "axis static"
                )
            dyn[j] = sym
    for j, sym in dyn.items():
        for v in values:
            k = j - (rank - v.ndim)
            if k >= 0 and k not in v.dyn and v.shape[k] != 1:
                raise ExportError(
                    f"an operand of shape {v.shape} has the fixed size {v.shape[k]} on "
                    f"{axis_label(sym)} (axis {j} of the result): it was made with the "
                    f"example's size (e.g. a zeros state); pass it as an input, or export "
                    f"that axis static (dynamic_axes={{}})"
                )
    return dyn


def _suffix_axis(
    in_shape: tuple[int, ...], axis: int, sym: Sym, out_shape: tuple[int, ...]
) -> tuple[int, Sym] | None:
    """Where a reshape from ``in_shape`` to ``out_shape`` (row-major) puts the elements of
    the dynamic ``axis``: the output axis that holds all of them, with its new factors."""
    below = sym.inner * prod(in_shape[axis + 1 :])  # elements per step along the symbol
    span = below * sym.size
    found = []
    for j in range(len(out_shape)):
        stride = prod(out_shape[j + 1 :])
        covers = stride <= below and stride * out_shape[j] >= span
        if covers and below % stride == 0 and (stride * out_shape[j]) % span == 0:
            new = Sym(sym.name, sym.size, stride * out_shape[j] // span, below // stride)
            found.append((j, new))
    exact = [f for f in found if f[1].exact]
    return (exact or found)[0] if found else None


def reshape_dyn(v: Value, out_shape: tuple[int, ...]) -> tuple[list[int], Dyn]:
    """The Reshape target for ``v`` -> ``out_shape`` and the result's dynamic axes: leading
    axes that do not change are copied (0), one dynamic axis further on becomes -1."""
    if not v.dyn:
        return list(out_shape), {}
    keep = 0
    while keep < min(v.ndim, len(out_shape)) and v.shape[keep] == out_shape[keep]:
        keep += 1
    target = list(out_shape)
    dyn: Dyn = {}
    for axis in range(keep):
        if axis in v.dyn:
            target[axis], dyn[axis] = 0, v.dyn[axis]
    rest = sorted(a for a in v.dyn if a >= keep)
    if len(rest) > 1:
        names = ", ".join(repr(v.dyn[a].name) for a in rest)
        raise ExportError(
            f"a reshape from {v.shape} to {out_shape} merges the dynamic axes {names}; "
            "make all but one of them static"
        )
    if rest:
        axis, sym = rest[0], v.dyn[rest[0]]
        found = _suffix_axis(v.shape[keep:], axis - keep, sym, out_shape[keep:])
        if found is None:
            raise ExportError(
                f"a reshape from {v.shape} to {out_shape} splits {axis_label(sym)} (axis "
                f"{axis}); it cannot follow another size"
            )
        j, new = found
        target[keep + j], dyn[keep + j] = -1, new
    return target, dyn
