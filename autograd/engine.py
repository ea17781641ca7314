"""Reverse-mode backpropagation over the recorded graph, without recursion.

Both the topological sort and the backward sweep use explicit stacks and loops, so a graph of
any depth (a 1,000,000-step chain, an unrolled LSTM) never meets Python's recursion limit.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Container, Iterator, Sequence
from typing import Any

import numpy as np

from autograd.function import _has_nonfinite
from autograd.history import settle
from autograd.state import STATE
from autograd.tensor import Tensor, wrap
from autograd.versions import VersionCounter


def topological_order(root: Tensor, *, only_requires_grad: bool = False) -> list[Tensor]:
    """Every tensor in ``root``'s graph, each after all of its parents (inputs first).

    Depth-first with an explicit stack. With ``only_requires_grad=True`` it keeps to the
    tensors a backward pass visits.
    """
    return _parents_first([root], only_requires_grad)


def _parents_first(roots: Sequence[Tensor], only_requires_grad: bool) -> list[Tensor]:
    """`topological_order` of several roots at once: each tensor listed once."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            parents = settle(ctx) if VersionCounter.rewrites else ctx.parents
            # reversed, so that the first argument is popped (and listed) first
            for p in reversed(parents):
                if id(p) not in visited and (p._requires_grad or not only_requires_grad):
                    stack.append((p, False))
    return order


def _seed(root: Tensor, grad: Any, copy: bool = True) -> np.ndarray:
    if not root._requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad, so no graph was recorded for it; "
            "create the inputs with requires_grad=True (and not under no_grad())"
        )
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implied only for a one-element output, this one has "
                f"shape {root.shape}; pass backward(grad=...) with an array of that shape, "
                f"or reduce first, e.g. y.sum().backward()"
            )
        return np.ones(root.shape, dtype=root.dtype)
    # a copy: the seed may end up as a leaf's .grad, which must not alias the caller's array
    # (autograd.grad makes its results fresh instead, see _fresh_results)
    given = grad.data if isinstance(grad, Tensor) else grad
    g = np.array(given, dtype=root.dtype) if copy else np.asarray(given, dtype=root.dtype)
    if g.shape != root.shape:
        raise ValueError(
            f"backward: grad has shape {g.shape} but the output has shape {root.shape}"
        )
    return g


def _run_hooks(node: Tensor, g: np.ndarray) -> np.ndarray:
    for hook in list(node._hooks or ()):
        result = hook(g)
        if result is not None:
            result = np.array(result.data if isinstance(result, Tensor) else result)
            if result.shape != g.shape:
                raise RuntimeError(
                    f"hook on tensor {node.name or node.op!r} returned a gradient of shape "
                    f"{result.shape}, expected {g.shape}"
                )
            g = result.astype(node.dtype, copy=False)
    return g


def _leaf_grad(g: np.ndarray, given_to_leaves: set[int]) -> np.ndarray:
    """The array a leaf keeps as ``.grad``: ``g`` itself where that is safe, else a copy.

    Two leaves must never share gradient memory (``a + b`` sends the same array to both, and
    an in-place change to ``a.grad`` would then change ``b.grad``), and a read-only broadcast
    view cannot serve as a gradient someone may scale in place. Copying only then, instead of
    always, keeps big weight gradients from being copied on every step. A leaf's gradient may
    still share memory with the gradient recorded on the intermediate tensor next to it
    (``w.T``): those are a record of the last backward, read by viz.
    """
    memory = id(g if g.base is None else g.base)
    if not g.flags.writeable or memory in given_to_leaves:
        return np.array(g)
    given_to_leaves.add(memory)
    return g


def _accumulate(old: np.ndarray | None, g: np.ndarray, given_to_leaves: set[int]) -> np.ndarray:
    """A leaf's new ``.grad``: ``g`` on the first backward, else ``old + g`` as a fresh array.

    Always an ndarray (numpy turns the sum of two 0-d arrays into a scalar, which could not be
    zeroed or clipped in place), never written in place (``old`` may be shared with a view
    the user holds, or with the record on an intermediate tensor).
    """
    if old is None:
        return _leaf_grad(g, given_to_leaves)
    total = old + g
    return total if type(total) is np.ndarray else np.asarray(total)


def check_backward(ctx: Any, grads: tuple[Any, ...]) -> None:
    """Under detect_anomaly: raise if a gradient from ``ctx``'s backward holds NaN or inf."""
    for i, g in enumerate(grads):
        g = g.data if isinstance(g, Tensor) else g
        if g is not None and _has_nonfinite(g):
            raise RuntimeError(
                f"detect_anomaly: backward of {ctx.name!r} produced NaN or inf in the gradient "
                f"for its input {i} (shape {g.shape}). Forward op created at:\n"
                f"{ctx.creation_trace()}"
            )


def pruned_counts(
    roots: Sequence[Tensor], targets: dict[Tensor, Any]
) -> tuple[set[Tensor], dict[Tensor, int], set[Tensor]]:
    """For `grad`: the tensors on some path from a root down to a target (targets included),
    how many of them consume each one, and the targets where the sweep stops (none of their
    parents leads to another target). What lies beyond (the graph that produced the targets,
    branches that lead to none) is never backpropagated through, and its hooks do not run.
    One walk over the graph, parents first."""
    needed: set[Tensor] = set()
    waiting: dict[Tensor, int] = {}
    stops: set[Tensor] = set()
    for node in _parents_first(roots, only_requires_grad=True):
        ctx = node._ctx
        on_path = [p for p in ctx.parents if p in needed] if ctx is not None else []
        if on_path or node in targets:
            needed.add(node)
            for p in on_path:
                waiting[p] = waiting.get(p, 0) + 1
            if not on_path:
                stops.add(node)
    return needed, waiting, stops


def count_consumers(roots: Sequence[Tensor], reset_grads: bool) -> dict[Tensor, int]:
    """For each tensor a backward from ``roots`` reaches, how many recorded consumers will
    send it a gradient (the first pass of Kahn's algorithm). ``reset_grads`` clears the
    ``.grad`` of every intermediate tensor on the way (it will hold this backward's)."""
    waiting: dict[Tensor, int] = {}
    stack = list(dict.fromkeys(roots))
    # a root inside another root's graph is expanded once, from the stack's start
    roots_expanded = set(stack) if len(stack) > 1 else ()
    while stack:
        node = stack.pop()
        ctx = node._ctx
        if ctx is None:
            continue
        if reset_grads:
            node._grad = None
        for p in settle(ctx) if VersionCounter.rewrites else ctx.parents:
            if p._requires_grad:
                n = waiting.get(p)
                if n is None:
                    waiting[p] = 1
                    if p not in roots_expanded:
                        stack.append(p)
                else:
                    waiting[p] = n + 1
    return waiting


def plan(
    roots: Sequence[Tensor], seeds: Sequence[Any], capture: dict[Tensor, Any] | None
) -> tuple[dict[Tensor, int], dict[Tensor, Any], list[Tensor], Container[Tensor]]:
    """Everything a sweep starts from: the consumer counts, the gradients waiting at the
    roots, the roots ready at once (a root inside another root's graph waits for its
    consumers like any tensor), and the tensors whose backward must not run.

    With ``capture`` (autograd.grad) the sweep keeps to the tensors between the roots and the
    captured ones (see `pruned_counts`). Without, it resets intermediate grads and stops
    only at leaves.
    """
    needed: set[Tensor] | None
    stops: Container[Tensor]
    if capture is None:
        needed, stops = None, ()
        waiting = count_consumers(roots, True)
    else:
        needed, waiting, stops = pruned_counts(roots, capture)
    pending: dict[Tensor, Any] = {}
    for r, s in zip(roots, seeds):
        pending[r] = s if r not in pending else pending[r] + s
    ready = [r for r in pending if r not in waiting and (needed is None or r in needed)]
    return waiting, pending, ready, stops


def _sweep(roots: Sequence[Tensor], seeds: Sequence[np.ndarray], capture: dict | None) -> None:
    """Send gradients from the roots to every node that requires grad, children first.

    Kahn's algorithm: first count how many recorded consumers will send each tensor a
    gradient, then process a tensor once all of them have (its gradient is complete).
    With ``capture=None`` leaves accumulate into ``.grad`` and intermediate tensors hold this
    backward's gradient; otherwise no ``.grad`` is touched, the gradients of the tensors
    that are keys of ``capture`` are stored there, and the sweep keeps to the graph between
    the roots and them (see `plan`).

    Dicts are keyed by the tensors themselves: their hash is identity-based and distinct live
    objects never share one, so Tensor's elementwise ``__eq__`` is never consulted.
    """
    write = capture is None
    waiting, pending, ready, stops = plan(roots, seeds, capture)
    anomaly = STATE.anomaly
    ndarray = np.ndarray
    given_to_leaves: set[int] = set()
    # the tensors whose pending gradient is a sum this sweep made: no one else holds that
    # array, so their next gradient is added to it in place instead of into a new array
    summed: set[Tensor] = set()
    while ready:
        node = ready.pop()
        g = upstream = pending.pop(node, None)
        ctx = node._ctx
        if g is not None:
            if type(g) is not ndarray:  # 0-d ops give numpy scalars
                g = np.asarray(g)
            if node._hooks:
                g = upstream = _run_hooks(node, g)
            if capture is not None:
                if node in capture:
                    capture[node] = g
            elif ctx is None:
                node._grad = _accumulate(node._grad, g, given_to_leaves)
            else:
                node._grad = g
        if ctx is None or node in stops:
            continue
        parents = ctx.parents
        if g is None:
            grads = (None,) * len(parents)
        elif not write:  # autograd.grad: only the gradients of the parents the sweep goes on to
            ctx._needs = tuple([q in waiting for q in parents])
            try:
                grads = ctx.raw_backward(g, node)
            finally:
                del ctx._needs
        else:
            # a scalar_math op takes the upstream gradient as the numpy scalar it arrived as
            grads = ctx.raw_backward(upstream if ctx.scalar_math else g, node)
        if anomaly:
            check_backward(ctx, grads)
        for p, pg in zip(parents, grads):
            n = waiting.get(p)  # None: p does not require grad, or is beyond the sweep
            if n is None:
                continue
            if pg is not None:
                d = p.data
                if pg.shape != d.shape or pg.dtype != d.dtype:
                    pg = ctx.as_input_grad(pg, d)
                prev = pending.get(p)
                if prev is None:
                    pending[p] = pg
                elif p in summed:
                    np.add(prev, pg, out=prev)
                else:
                    pending[p] = total = prev + pg
                    if type(total) is ndarray:  # not a numpy scalar (sums of 0-d gradients)
                        summed.add(p)
            n -= 1
            if n:
                waiting[p] = n
            else:
                ready.append(p)


@contextlib.contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the sweep runs.

    The sweep allocates many short-lived containers and no reference cycles (the graph has
    none by design), yet each burst of allocations would trigger collections that walk the
    whole graph again. Reference counting frees everything as usual; collection resumes after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def backward(root: Tensor, grad: Any = None, *, create_graph: bool = False) -> None:
    """Backpropagate from ``root``; see `Tensor.backward`."""
    seed = _seed(root, grad)
    with _cyclic_gc_paused():
        if create_graph:
            from autograd.higher_order import recorded_sweep

            recorded_sweep([root], [_seed_tensor(grad, seed)], None)
        else:
            _sweep([root], [seed], None)


def _seed_tensor(given: Any, seed: np.ndarray) -> Tensor:
    """The seed of a recorded backward: the caller's Tensor itself when it is one of the
    root's shape and dtype (its graph is kept, as PyTorch keeps grad_outputs'), else a
    constant."""
    if isinstance(given, Tensor) and given.shape == seed.shape and given.dtype == seed.dtype:
        return given
    return wrap(seed)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """Gradients of ``outputs`` with respect to each of ``inputs``, without touching ``.grad``.

    ``outputs``: a Tensor or a sequence of them, with ``grad_outputs`` (one per output; None
    seeds a one-element output with 1); the result is the sum of their vector-Jacobian
    products. Returns a tuple, one gradient per input in the input's shape: ndarrays, or
    with ``create_graph=True`` Tensors recorded in the graph, differentiable again to any
    order. An input the outputs do not depend on raises ValueError, or gives None with
    ``allow_unused=True``. ``retain_graph`` is accepted for PyTorch's signature (graphs are
    never freed by a backward).
    """
    roots = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    if not roots:
        raise ValueError("grad: outputs is empty")
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray | int | float):
        given = [grad_outputs] * len(roots) if len(roots) == 1 or grad_outputs is None else None
    else:
        given = list(grad_outputs)
    if given is None or len(given) != len(roots):
        raise ValueError(
            f"grad: {len(roots)} outputs need one grad_output each (a sequence of {len(roots)})"
        )
    for i, o in enumerate(roots):
        if not isinstance(o, Tensor):
            raise TypeError(f"grad: output {i} is a {type(o).__name__}, not a Tensor")
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise ValueError(f"grad: input {i} is not a Tensor that requires grad")
    capture: dict[Tensor, Any] = dict.fromkeys(inputs)
    seeds = [_seed(o, g, copy=False) for o, g in zip(roots, given)]
    with _cyclic_gc_paused():
        if create_graph:
            from autograd.higher_order import recorded_sweep

            recorded_sweep(roots, [_seed_tensor(g, s) for g, s in zip(given, seeds)], capture)
        else:
            _sweep(roots, seeds, capture)
    for i, t in enumerate(inputs):
        if capture[t] is None and not allow_unused:
            raise ValueError(
                f"grad: input {i} ({t.name or 'unnamed'}, shape {t.shape}) was not used to "
                "compute the outputs; pass allow_unused=True to get None for it"
            )
    found = [capture[t] for t in inputs]
    return tuple(found) if create_graph else _fresh_results(found, seeds)


def _fresh_results(found: list[Any], seeds: list[np.ndarray]) -> tuple[Any, ...]:
    """`grad`'s arrays, each one the caller may change in place without touching anything
    else: copied when read-only (a broadcast view), when it shares memory with a seed (the
    caller's grad_outputs, passed through by an add) or with another result."""
    handed: list[np.ndarray] = list(seeds)
    out = []
    for g in found:
        if g is not None:
            if not g.flags.writeable or any(np.may_share_memory(g, h) for h in handed):
                g = np.array(g)
            handed.append(g)
        out.append(g)
    return tuple(out)
