"""The recorded backward pass (``create_graph=True``): gradients of gradients, to any order.

The plain backward (`autograd.engine`) runs each op's ``backward`` on ndarrays: fast, and
the result has no history. This sweep visits the same nodes in the same order but calls
each op's ``differentiable_backward``, which builds the gradient from recorded ops on
Tensors. The gradients it returns are Tensors with a graph of their own, made of the same
local derivatives as the forward pass, so they can be differentiated again.

Every op recorded here is tagged with the forward tensor it serves (`Tensor.backward_of`,
`Tensor.backward_role`): that is how viz draws the backward pass beside the forward one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd.engine import check_backward, plan
from autograd.function import Function
from autograd.ops.reduce import sum_to
from autograd.ops.unary import cast
from autograd.state import STATE
from autograd.tensor import Tensor, wrap


def recorded_sweep(
    roots: Sequence[Tensor], seeds: Sequence[Tensor], capture: dict[Tensor, Any] | None
) -> None:
    """Send recorded gradients (Tensors) from the roots to every tensor that requires grad.

    As `autograd.engine._sweep`: with ``capture=None`` leaves accumulate (``.grad`` gets the
    values, `Tensor.grad_tensor` the recorded gradient) and intermediate tensors hold this
    backward's values in ``.grad``; otherwise the gradients of the keys of ``capture`` are
    stored there, as Tensors. Grad mode is on throughout, and every op recorded is tagged
    (``STATE.backward_of``) with the forward tensor it serves.
    """
    state = STATE
    saved = state.grad_enabled, state.backward_of
    state.grad_enabled = True
    try:
        _run(roots, seeds, capture, state)
    finally:
        state.grad_enabled, state.backward_of = saved
        state.refresh()


def _run(roots: Sequence[Tensor], seeds: Sequence[Tensor], capture: Any, state: Any) -> None:
    write = capture is None
    waiting, pending, ready, stops = plan(roots, seeds, capture)
    anomaly = state.anomaly
    state.watching = True  # every op is tagged: Function.apply's slow path
    while ready:
        node = ready.pop()
        g = pending.pop(node, None)
        ctx = node._ctx
        if g is not None:
            if node._hooks:
                g = _run_hooks(node, g)
            if not write:
                if node in capture:
                    capture[node] = g
            elif ctx is None:
                _accumulate(node, g)
            else:
                node._grad = np.array(g.data)
        if ctx is None or node in stops:
            continue
        parents = ctx.parents
        grads: Sequence[Any] = (None,) * len(parents)
        if g is not None:
            state.backward_of = (node, "vjp")
            if write:
                grads = ctx.recorded_backward(g, node)
            else:  # autograd.grad: only the gradients of the parents the sweep goes on to
                ctx._needs = tuple([q in waiting for q in parents])
                try:
                    grads = ctx.recorded_backward(g, node)
                finally:
                    del ctx._needs
            grads = _fitted(ctx, grads)
            if anomaly:
                check_backward(ctx, tuple(grads))
        for p, pg in zip(parents, grads):
            n = waiting.get(p)  # None: p does not require grad, or is beyond the sweep
            if n is None:
                continue
            if pg is not None:
                prev = pending.get(p)
                if prev is None:
                    pending[p] = pg
                else:
                    state.backward_of = (p, "sum")
                    pending[p] = prev + pg
            n -= 1
            if n:
                waiting[p] = n
            else:
                ready.append(p)


def _fitted(ctx: Function, grads: Sequence[Any]) -> list[Tensor | None]:
    """Each recorded gradient summed to its input's shape and cast to its dtype, by ops."""
    out: list[Tensor | None] = []
    for i, (p, g) in enumerate(zip(ctx.parents, grads)):
        if g is None or not p._requires_grad:
            out.append(None)
            continue
        if type(g) is not Tensor and not isinstance(g, Tensor):
            raise RuntimeError(
                f"differentiable_backward of {ctx.name!r} returned a {type(g).__name__} for "
                f"input {i}; it must build Tensors from recorded ops"
            )
        if g.shape != p.shape:
            fitted = sum_to(g, p.shape)
            if fitted.shape != p.shape:
                raise RuntimeError(
                    f"backward of {ctx.name!r}: gradient of shape {g.shape} does not fit "
                    f"input {i} of shape {p.shape}"
                )
            g = fitted
        if g.dtype != p.dtype:
            g = cast(g, p.dtype)
        out.append(g)
    return out


def _run_hooks(node: Tensor, g: Tensor) -> Tensor:
    """Tensor hooks in a recorded backward: each gets the gradient's values (an ndarray);
    it may return None, or a Tensor of the same shape that replaces the gradient (and
    carries its own graph). An array would cut the graph silently, so it is refused."""
    for hook in list(node._hooks or ()):
        result = hook(g.data)
        if result is None:
            continue
        if not isinstance(result, Tensor):
            raise RuntimeError(
                f"hook on tensor {node.name or node.op!r} returned a {type(result).__name__} "
                "during a create_graph=True backward; return a Tensor (built from recorded "
                "ops) so the gradient stays differentiable, or None"
            )
        if result.shape != g.shape:
            raise RuntimeError(
                f"hook on tensor {node.name or node.op!r} returned a gradient of shape "
                f"{result.shape}, expected {g.shape}"
            )
        g = result
    return g


def _accumulate(leaf: Tensor, g: Tensor) -> None:
    """Add ``g`` to a leaf's recorded gradient; ``.grad`` gets a copy of the values."""
    old = leaf._grad
    total = g
    if old is not None:
        recorded = leaf._grad_tensor
        if recorded is None:  # from a plain backward: values only, no graph
            recorded = wrap(np.array(old))
        elif not np.array_equal(recorded.data, old, equal_nan=True):
            raise RuntimeError(
                f"backward(create_graph=True): the .grad of {leaf.name or 'a leaf'!r} (shape "
                f"{leaf.shape}) was changed in place since its grad_tensor was recorded; "
                "assign it (t.grad = None, or zero_grad()) before backward"
            )
        STATE.backward_of = (leaf, "sum")
        total = recorded + g
    leaf._grad = np.array(total.data)
    leaf._grad_tensor = total
