"""Histories moved by recorded in-place ops, and the nodes that still point at the old one.

``c += x`` on a tensor in the graph is recorded as PyTorch records it (`autograd.inplace`):
``c`` keeps its identity and its data buffer, but its history moves to a new node whose
first input is a *shell*, a tensor that stands for ``c`` as it was before. A node recorded
earlier still lists ``c`` among its parents, since nothing points from a tensor to its
consumers; it must send its gradient to the shell instead.

Nodes carry a sequence number ``seq`` and the node of an in-place op its own number as
``rewrite`` (both 0 by default). `settle` replaces each parent that was rewritten after a
node was recorded by the shell that was current when it was, following the chain of
rewrites. Every traversal of the graph settles the nodes it visits, so the engine, `grad`
and viz see the history as it was recorded.

Numbers are stamped only once some in-place op has been recorded in the process
(`VersionCounter.rewrites`): until then none is needed, because every node comes before
every rewrite, and recording costs nothing extra.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from autograd.versions import ViewCounter

if TYPE_CHECKING:
    from autograd.function import Function
    from autograd.tensor import Tensor

_CLOCK = itertools.count(1)


def next_seq() -> int:
    """A sequence number later than every number handed out before."""
    return next(_CLOCK)


def as_of(t: Tensor, seq: int) -> Tensor:
    """The tensor that stood for ``t`` when the node numbered ``seq`` was recorded."""
    while t._ctx is not None and t._ctx.rewrite > seq:
        t = t._ctx.parents[0]
    return t


def settle(ctx: Function) -> tuple[Tensor, ...]:
    """``ctx.parents`` with every parent rewritten since ``ctx`` was recorded replaced by
    its shell from then (stored back, so each node is settled once)."""
    parents = ctx.parents
    seq = ctx.seq
    for p in parents:
        if p._ctx is not None and p._ctx.rewrite > seq:
            break
    else:
        return parents
    settled = tuple([as_of(p, seq) for p in parents])
    ctx.parents = settled
    return settled


def check_current(inputs: tuple[Tensor, ...], op: str) -> None:
    """Refuse to record ``op`` on a view taken of a tensor before an in-place op rewrote it:
    its values are the new ones but its history (or, for a view of a constant, its lack of
    one) computes the old, so a gradient through it would be wrong. (PyTorch regenerates
    such views; tracegrad asks to take them again.)"""
    for t in inputs:
        counter = t._version
        if type(counter) is ViewCounter and counter.stale:
            who = f" {t.name!r}" if t.name else ""
            raise RuntimeError(
                f"{op}: its input{who} of shape {t.shape} is a view of a tensor that an "
                "in-place op changed after the view was taken, so its values and its recorded "
                "history disagree; take the view again after the in-place op"
            )
