"""Explode one small tensor op into its scalar graph, element by element.

``explode_op(y)`` rebuilds the op that produced ``y`` from one-element tensors (one leaf
per input element, named ``W[0,1]``), so the slides' drawing applies: a 2×3 @ 3×2 matmul
becomes 12 products and 4 sums, and each ``W[i,j]`` visibly collects ``x[k,i]·dY[k,j]``
from every output it feeds — that is ``dW = xᵀ·dY``. A broadcast add shows one bias
element fanning out to a whole column, its gradient the sum of theirs.

The rebuilt graph is new; the user's graph is only read. When ``y`` has a gradient,
the rebuilt outputs are backpropagated with it so every element carries its share.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

import autograd
from autograd import Tensor

MAX_ELEMENTS = 400  # input and output elements an exploded op may have in all
MAX_NODES = 1000  # scalar nodes its rebuilt graph may hold (a 10×10 @ 10×10 needs 2,100)

_UNARY: dict[str, Callable[[Tensor], Tensor]] = {
    "exp": Tensor.exp,
    "log": Tensor.log,
    "tanh": Tensor.tanh,
    "sigmoid": Tensor.sigmoid,
    "relu": Tensor.relu,
    "sqrt": Tensor.sqrt,
    "abs": Tensor.abs,
    "neg": lambda a: -a,
}
_BINARY: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}
SUPPORTED = (*_UNARY, *_BINARY, "matmul", "softmax", "sum", "mean")


def _index_text(idx: tuple[int, ...]) -> str:
    return "[" + ",".join(map(str, idx)) + "]" if idx else ""


def _leaves(t: Tensor, default: str) -> np.ndarray:
    """An object array of one-element leaf tensors mirroring ``t``'s elements."""
    name = t.name or default
    out = np.empty(t.shape, dtype=object)
    for idx in np.ndindex(*t.shape):
        value = np.asarray(t.data[idx], dtype=t.dtype)
        out[idx] = Tensor(value, requires_grad=t.requires_grad, name=name + _index_text(idx))
    return out


def _broadcast_source(
    idx: tuple[int, ...], shape: tuple[int, ...], out_ndim: int
) -> tuple[int, ...]:
    """The element of an input of ``shape`` that output element ``idx`` reads."""
    offset = out_ndim - len(shape)
    return tuple(0 if size == 1 else idx[offset + k] for k, size in enumerate(shape))


def _sum(items: list[Tensor]) -> Tensor:
    total = items[0]
    for x in items[1:]:
        total = total + x
    return total


def _build(op: str, ins: list[np.ndarray], out_shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(out_shape, dtype=object)
    if op in _UNARY:
        for idx in np.ndindex(*out_shape):
            out[idx] = _UNARY[op](ins[0][idx])
    elif op in _BINARY:
        for idx in np.ndindex(*out_shape):
            a = ins[0][_broadcast_source(idx, ins[0].shape, len(out_shape))]
            b = ins[1][_broadcast_source(idx, ins[1].shape, len(out_shape))]
            out[idx] = _BINARY[op](a, b)
    elif op == "matmul":
        a, b = ins
        if a.ndim != 2 or b.ndim != 2:
            raise ValueError(
                f"viz explode: matmul is exploded for 2-D operands only, got {a.shape} @ {b.shape}"
            )
        for i, k in itertools.product(range(a.shape[0]), range(b.shape[1])):
            out[i, k] = _sum([a[i, j] * b[j, k] for j in range(a.shape[1])])
    elif op == "softmax":
        rows = ins[0].reshape(-1, ins[0].shape[-1])
        flat = out.reshape(-1, out_shape[-1])
        for r, row in enumerate(rows):
            e = [x.exp() for x in row]
            total = _sum(e)
            for j, ej in enumerate(e):
                flat[r, j] = ej / total
    elif op in ("sum", "mean"):
        if out_shape not in ((), (1,)):
            raise ValueError(f"viz explode: {op} is exploded only when it reduces every element")
        total = _sum(list(ins[0].reshape(-1)))
        # item assignment stores the Tensor itself; out[...] = would convert it to an array
        out.reshape(-1)[0] = total / ins[0].size if op == "mean" else total
    return out


def _node_count(op: str, shapes: list[tuple[int, ...]], out_shape: tuple[int, ...]) -> int:
    """Nodes of the scalar graph ``_build`` makes: one leaf per input element, plus ops."""
    leaves = sum(int(np.prod(s, dtype=np.int64)) for s in shapes)
    size = int(np.prod(out_shape, dtype=np.int64))
    if op == "matmul" and all(len(s) == 2 for s in shapes):
        inner = shapes[0][1]
        return leaves + size * (2 * inner - 1)  # inner products and inner - 1 sums each
    if op == "softmax" and out_shape:
        return leaves + 3 * size  # an exp, a share of the row sum and a division each
    if op in ("sum", "mean"):
        return leaves + leaves  # a chain of sums, and the division for a mean
    return leaves + size


def explode_op(y: Tensor) -> list[Tensor]:
    """Rebuild the op producing ``y`` element by element; returns the output elements.

    Supports elementwise unary and binary ops (with broadcasting), 2-D matmul, softmax
    over the last axis and full sum/mean. Raises ValueError for other ops, for leaves,
    for ops with more than ``MAX_ELEMENTS`` elements in all and for ops whose scalar graph
    would hold more than ``MAX_NODES`` nodes.
    """
    if not isinstance(y, Tensor):
        raise TypeError(f"viz explode: expected a Tensor, got {type(y).__name__}")
    if not y.op:
        raise ValueError("viz explode: this tensor is a leaf; explode the op that produced it")
    if y.op not in SUPPORTED:
        raise ValueError(f"viz explode: op {y.op!r} is not supported; supported: {SUPPORTED}")
    if y.size == 0 or any(p.size == 0 for p in y.parents):
        raise ValueError(f"viz explode: {y.op} has an empty input or output; nothing to explode")
    shapes = [p.shape for p in y.parents]
    total = y.size + sum(p.size for p in y.parents)
    if total > MAX_ELEMENTS:
        raise ValueError(
            f"viz explode: {y.op} with inputs {shapes} has {total} elements; "
            f"explode ops with at most {MAX_ELEMENTS} (it is a picture for small examples)"
        )
    nodes = _node_count(y.op, shapes, tuple(y.shape))
    if nodes > MAX_NODES:
        raise ValueError(
            f"viz explode: {y.op} with inputs {shapes} becomes a scalar graph of {nodes:,} "
            f"nodes, more than {MAX_NODES:,}; explode a smaller example of the same op (the "
            "picture is for seeing the pattern, which a few rows and columns show)"
        )
    defaults = ["x", "w"] if y.op == "matmul" else ["a", "b"]
    with autograd.enable_grad():
        ins = [_leaves(p, defaults[k] if k < 2 else f"in{k}") for k, p in enumerate(y.parents)]
        out = _build(y.op, ins, tuple(y.shape))
        rebuilt = np.array([t.data.reshape(()) for t in out.reshape(-1)]).reshape(y.shape)
        if not np.allclose(rebuilt, y.data, rtol=1e-4, atol=1e-6):
            raise ValueError(
                f"viz explode: could not reproduce {y.op!r} with inputs {shapes} element by "
                "element (only the default axis and options are supported)"
            )
        name = y.name or "y"
        elements = list(out.reshape(-1))
        for idx, t in zip(np.ndindex(*y.shape), elements):
            t.name = name + _index_text(idx)
        if y.grad is not None and any(t.requires_grad for t in elements):
            # One backward for all outputs; the stack is below the drawn roots, not shown.
            autograd.stack([t.reshape(()) for t in elements]).backward(
                np.asarray(y.grad, dtype=y.dtype).reshape(-1)
            )
    return elements
