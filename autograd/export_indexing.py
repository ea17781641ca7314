"""tracegrad's indexing ops as ONNX nodes: ``getitem`` (basic slicing and integer-array
indexing: Slice, Squeeze, Unsqueeze, Gather) and ``scatter_add`` (ScatterND with add).
Converters as in `autograd.export_ops`, which registers them."""

from __future__ import annotations

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
)
from autograd.export_ops import attr, result
from autograd.tensor import Tensor


def _plain(i: Any) -> Any:
    """An index item as `getitem` reads it: a 1-D bool mask as the positions it keeps, a
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


def getitem(g: Graph, t: Tensor, ins: list[Value]) -> Value:
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


def scatter_add(g: Graph, t: Tensor, ins: list[Value]) -> Value:
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
