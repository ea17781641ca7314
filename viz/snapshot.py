"""Read a recorded graph through the public graph API into plain data.

viz never writes to the graph: it reads ``op``, ``parents``, ``scope``, ``name``, ``data``,
``grad``, ``requires_grad``, ``vjp``, ``backward_of``/``backward_role`` and
``autograd.topological_order``, and copies what it needs, so a picture stays the same when
training goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from autograd import Tensor, topological_order
from viz.passes import marks

SMALL = 64  # tensors up to this many elements keep their full values in a snapshot


@dataclass(frozen=True)
class Summary:
    """Norm, min and max of one array, and whether it holds NaN or inf."""

    norm: float
    min: float
    max: float
    nonfinite: bool

    @classmethod
    def of(cls, a: np.ndarray) -> Summary:
        """Summarise ``a`` (any shape; empty arrays summarise to zeros)."""
        if a.size == 0:
            return cls(0.0, 0.0, 0.0, False)
        x = np.asarray(a, dtype=np.float64)
        finite = np.isfinite(x)
        bad = not bool(finite.all())
        good = x[finite] if bad else x
        if good.size == 0:
            return cls(float("nan"), float("nan"), float("nan"), True)
        return cls(_norm(good), float(good.min()), float(good.max()), bad)


def _norm(x: np.ndarray) -> float:
    """The 2-norm of finite ``x``, scaled by its largest magnitude so that squaring values
    near the float limit neither overflows nor warns (‖[1e308, 1e308]‖ is 1.41e308)."""
    scale = float(np.abs(x).max())
    if scale == 0.0:
        return 0.0
    with np.errstate(over="ignore"):  # a norm beyond the float range is inf, as it should be
        return float(scale * np.linalg.norm(x / scale))


@dataclass
class Node:
    """One tensor of the graph. ``index`` is its position in topological order."""

    index: int
    name: str
    op: str
    shape: tuple[int, ...]
    dtype: str
    requires_grad: bool
    scope: str
    calls: tuple[int, ...]
    parents: tuple[int, ...]
    value: np.ndarray | None  # full copy when small
    value_summary: Summary
    grad: np.ndarray | None = None  # full copy when small
    grad_summary: Summary | None = None
    # which pass recorded it (viz.passes): 0 forward, 1 its backward, 2 the backward of that
    level: int = 0
    role: str = ""  # backward_role: "vjp", "sum" or ""
    served: int | None = None  # index of backward_of, when it is drawn too
    mark: str = ""  # "∂ of mul (f)", "Σ grads into x"; "#2" on a forward op a backward serves

    @property
    def is_leaf(self) -> bool:
        """True for tensors no recorded op produced."""
        return not self.op

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64))


@dataclass
class Edge:
    """The wire from ``src`` (a parent) into argument ``slot`` of ``dst``."""

    src: int
    dst: int
    slot: int
    differentiable: bool  # the parent requires grad, so a gradient flows back here
    local: np.ndarray | None = None  # ∂dst/∂src, scalar graphs only
    sent: np.ndarray | None = None  # gradient sent to src in the last backward (when small)
    sent_norm: float | None = None
    sent_nonfinite: bool = False


@dataclass
class Snapshot:
    """Nodes in topological order (inputs first), edges, and which nodes are roots."""

    nodes: list[Node]
    edges: list[Edge]
    roots: list[int]
    backward_ran: bool

    @property
    def scalar(self) -> bool:
        """True when every tensor holds one element (the slides' circuits)."""
        return all(n.size == 1 for n in self.nodes)


def graph_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Topological order of the union of the roots' graphs, inputs first."""
    seen: set[int] = set()
    order: list[Tensor] = []
    for root in roots:
        for t in topological_order(root):
            if id(t) not in seen:
                seen.add(id(t))
                order.append(t)
    return order


def sweep_gradients(order: Sequence[Tensor], roots: Sequence[Tensor]) -> dict[int, np.ndarray]:
    """Backpropagate ones from each root using only ``vjp``; gradients keyed by ``id``.

    This is what ``backward()`` computes, without writing ``.grad`` anywhere: viz uses it
    to step through backprop on a graph whose backward has not run.
    """
    grads: dict[int, np.ndarray] = {}
    for r in roots:
        if r.requires_grad:
            grads[id(r)] = np.ones(r.shape, dtype=r.dtype)
    for t in reversed(order):
        g = grads.get(id(t))
        if g is None or not t.parents:
            continue
        with np.errstate(all="ignore"):
            sent = t.vjp(g)
        for p, s in zip(t.parents, sent):
            if s is not None:
                grads[id(p)] = grads[id(p)] + s if id(p) in grads else np.array(s)
    return grads


def _copy_if_small(a: np.ndarray) -> np.ndarray | None:
    return np.array(a, copy=True) if a.size <= SMALL else None


def snapshot(roots: Sequence[Tensor], *, grads: dict[int, np.ndarray] | None = None) -> Snapshot:
    """Copy the graph below ``roots``. Gradients come from ``.grad`` (after backward) or
    from ``grads`` (an id-keyed dict from :func:`sweep_gradients`)."""
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"viz: expected a Tensor to draw, got {type(r).__name__}")
    order = graph_order(roots)
    index = {id(t): i for i, t in enumerate(order)}
    ran = grads is not None or any(r.grad is not None for r in roots)

    def grad_of(t: Tensor) -> np.ndarray | None:
        if not ran or not t.requires_grad:
            return None
        g = grads.get(id(t)) if grads is not None else t.grad
        return None if g is None else np.asarray(g)

    nodes: list[Node] = []
    edges: list[Edge] = []
    passes = marks(order, index)
    for i, t in enumerate(order):
        g = grad_of(t)
        nodes.append(
            Node(
                index=i,
                name=t.name or "",
                op=t.op,
                shape=tuple(t.shape),
                dtype=str(t.dtype),
                requires_grad=t.requires_grad,
                scope=str(t.scope),
                calls=tuple(getattr(t.scope, "calls", ())),
                parents=tuple(index[id(p)] for p in t.parents),
                value=_copy_if_small(t.data),
                value_summary=Summary.of(t.data),
                grad=None if g is None else _copy_if_small(g),
                grad_summary=None if g is None else Summary.of(g),
                **passes[i],
            )
        )
        if not t.parents:
            continue
        none = (None,) * len(t.parents)
        with np.errstate(all="ignore"):  # NaN/inf were reported by backward; drawn in red
            local = t.vjp(np.ones(t.shape, dtype=t.dtype)) if t.size == 1 else none
            sent = t.vjp(g) if g is not None else none
        for slot, (p, loc, s) in enumerate(zip(t.parents, local, sent)):
            edge = Edge(src=index[id(p)], dst=i, slot=slot, differentiable=p.requires_grad)
            if loc is not None and p.size == 1:
                edge.local = np.array(loc, copy=True)
            if s is not None:
                summary = Summary.of(s)
                edge.sent, edge.sent_norm = _copy_if_small(s), summary.norm
                edge.sent_nonfinite = summary.nonfinite
            edges.append(edge)
    return Snapshot(nodes, edges, [index[id(r)] for r in roots], ran)


def outline(order: Sequence[Tensor]) -> Snapshot:
    """The structure of a graph only (ops, shapes, scopes; no values, no edges, no ``vjp``).

    Cheap enough to run on a huge graph, to count what a picture would draw before the
    full :func:`snapshot` copies anything.
    """
    empty = Summary(0.0, 0.0, 0.0, False)
    nodes = [
        Node(
            index=i,
            name="",
            op=t.op,
            shape=tuple(t.shape),
            dtype="",
            requires_grad=t.requires_grad,
            scope=str(t.scope),
            calls=tuple(getattr(t.scope, "calls", ())),
            parents=(),
            value=None,
            value_summary=empty,
        )
        for i, t in enumerate(order)
    ]
    return Snapshot(nodes, [], [], False)
