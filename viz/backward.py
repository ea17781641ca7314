"""``draw_backward``: a forward graph and its recorded backward pass in one picture."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, topological_order
from viz.graph import Graph, build_graph
from viz.style import printable


def _label(t: Tensor, k: int) -> str:
    return printable(t.name, 40) if t.name else f"input {k}"


def default_wrt(f: Tensor) -> list[Tensor]:
    """What ``draw_backward`` differentiates by default: every tensor of f's graph that
    requires grad and is a leaf or has a name (x, y, z and q in ``(x+y)·z``), inputs first."""
    return [
        t for t in topological_order(f) if t is not f and t.requires_grad and (t.name or not t.op)
    ]


def _check(f: Any, wrt: Any) -> list[Tensor]:
    if not isinstance(f, Tensor):
        raise TypeError(f"viz.draw_backward: expected a Tensor, got {type(f).__name__}")
    if f.size != 1:
        raise ValueError(
            f"viz.draw_backward: f must hold one element (a loss, a circuit's output), got "
            f"shape {tuple(f.shape)}; reduce it first, e.g. f.sum()"
        )
    if not f.requires_grad:
        raise ValueError("viz.draw_backward: f does not require grad: it has no backward pass")
    if wrt is None:
        return default_wrt(f)
    tensors = [wrt] if isinstance(wrt, Tensor) else list(wrt)
    for t in tensors:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise ValueError(
                "viz.draw_backward: wrt must be Tensors of f's graph that require grad"
            )
    return tensors


def draw_backward(
    f: Tensor,
    wrt: Tensor | Sequence[Tensor] | None = None,
    *,
    show: str = "forward",
    **draw_kwargs: Any,
) -> Graph:
    """Draw ``f`` together with the recorded computation of its gradients.

    Computes ``autograd.grad(f, wrt, create_graph=True)`` (``wrt`` defaults to every leaf
    and every named tensor of f's graph that requires grad) and draws f and the gradients
    as one picture: the forward pass left to right; below it the backward pass, right to
    left, each backward node labelled with the forward op it is the backward of ("∂ of
    mul (f)") or the gradients it adds up ("Σ grads into x"), the forward values it reuses
    wired in from above, and each gradient ending in its name (∂f/∂x).
    The graph is not changed: ``.grad`` stays as it was.

    The picture shows values (``show="forward"``): the backward nodes' values are the
    gradients. ``draw_kwargs`` go to ``viz.draw_graph`` (``fmt``, ``rankdir``,
    ``renderer``, ``max_nodes``, ``timeout``, …).
    """
    if "explode" in draw_kwargs:
        raise TypeError("viz.draw_backward: explode= is not available here; use draw_graph")
    targets = _check(f, wrt)
    if not targets:
        raise ValueError("viz.draw_backward: f's graph has no tensor that requires grad")
    fname = printable(f.name, 40) if f.name else "f"
    seed = Tensor(np.ones(f.shape, dtype=f.dtype), name=f"∂{fname}/∂{fname}")
    try:
        grads = autograd.grad(f, targets, grad_outputs=seed, create_graph=True, allow_unused=True)
    except ValueError as err:
        raise ValueError(f"viz.draw_backward: {err}") from None
    outputs = [
        (g, f"∂{fname}/∂{_label(t, k)}")
        for k, (t, g) in enumerate(zip(targets, grads))
        if isinstance(g, Tensor)
    ]
    if not outputs:
        raise ValueError("viz.draw_backward: f depends on none of wrt")
    roots = [f, *{id(g): g for g, _ in outputs}.values()]
    outputs = [(f, fname), *outputs]
    return build_graph(roots, show=show, outputs=outputs, **draw_kwargs)
