"""Derivatives of whole functions, as ``torch.autograd.functional``: `jacobian`, `hessian`,
`vjp`, `jvp`, `hvp`, `vhp`.

``func`` takes Tensors and returns a Tensor or a tuple of Tensors; ``inputs`` is a Tensor or a
tuple of Tensors. Results are nested as PyTorch's (a Tensor where a Tensor was given, a tuple
where a tuple was). ``func`` runs with grad mode on, on new Tensor objects: the inputs
``detach()``-ed (same memory) with ``requires_grad=True``, so the caller's tensors are left as
they were; with ``create_graph=True`` an input that requires grad goes through a recorded
reshape (PyTorch's view), so gradients of the results reach it. Results are constants, or with
``create_graph=True`` Tensors recorded in the graph, differentiable again.

All reverse mode (`autograd.grad`): Jacobian-vector products (`jvp`, `hvp`, forward-mode
`jacobian`) use the double-vjp trick, ``J v = d/du [vjp(u) · v]`` (``vjp`` is linear in ``u``).
Errors: TypeError for a non-Tensor input, ``v`` or output; ValueError for a ``v`` of the wrong
shape or count (naming the function, the index and both shapes), a non-scalar func where one
is needed, an unknown strategy; RuntimeError for ``strict=True`` violations, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.engine import grad as autograd_grad
from autograd.ops.shape import reshape, stack
from autograd.ops.unary import cast
from autograd.state import enable_grad
from autograd.tensor import Tensor, wrap

Tensors = tuple[Tensor, ...]
Func = Callable[..., Any]

# strict=True: what is independent of what, per check (PyTorch's cases)
_STRICT = {
    "vjp": "the output of func is independent of input {i}",
    "jvp": "the gradient is independent of entry {i} of grad_outputs (double-vjp trick)",
    "vhp": "the jacobian of func is independent of input {i}",
    "hvp": "the hessian is independent of entry {i} of the grad_jacobian (double-vjp trick)",
    "graph": "result {i} does not depend on the inputs",
    "outputs": "output {i} of func does not require grad (it is not computed from the inputs)",
    "grad_inputs": "the gradient with respect to input {i} is independent of the inputs",
    "jacobian": "the jacobian w.r.t. input {i} is independent of the input (func is linear)",
    "entry": "output {i} of func is independent of input {j}",
}


def _strict_error(fn: str, check: str, i: int, j: int = 0, graph: bool = False) -> RuntimeError:
    what = _STRICT[check].format(i=i, j=j)
    return RuntimeError(
        f"{fn}: {what}; strict=True does not allow this{' with create_graph=True' * graph}"
    )


def _as_tuple(value: Any, what: str, fn: str) -> tuple[bool, Tensors]:
    """(whether ``value`` was a tuple, ``value`` as a tuple); TypeError if not Tensors."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"entry {i} is" if is_tuple else "got"
            raise TypeError(
                f"{fn}: {what} must be a Tensor or a tuple of Tensors; {where} a {type(t).__name__}"
            )
    return is_tuple, items


def _prepare(tensors: Tensors, graph: bool, need_graph: bool) -> Tensors:
    """New Tensor objects for ``tensors``: with ``create_graph`` one that requires grad goes
    through a recorded reshape (gradients reach it); any other is detached, and requires grad
    if ``need_graph``."""
    out = []
    with enable_grad():
        for t in tensors:
            if graph and t.requires_grad:
                out.append(reshape(t, t.shape))
            else:
                out.append(t.detach().requires_grad_(True) if need_graph else t.detach())
    return tuple(out)


def _call(func: Func, inputs: Tensors, fn: str, strict: bool) -> tuple[bool, Tensors]:
    """Run ``func`` with grad mode on; (whether it returned a tuple, its outputs)."""
    with enable_grad():
        result = func(*inputs)
    is_tuple, outputs = _as_tuple(result, "the output of func", fn)
    _require_grad(outputs, "outputs", strict, fn)
    return is_tuple, outputs


def _require_grad(tensors: Sequence[Tensor | None], check: str, strict: bool, fn: str) -> None:
    for i, t in enumerate(tensors if strict else ()):
        if t is None:
            raise _strict_error(fn, "vjp", i)
        if not t.requires_grad:
            raise _strict_error(fn, check, i)


def _v_tuple(
    v: Any, refs: Tensors, is_tuple: bool, graph: bool, fn: str, what: str
) -> Tensors | None:
    """``v`` as a tuple of one tensor per ``what`` (output or input) of its shape, prepared;
    None (seeds of 1) only where ``refs`` is a single one-element tensor."""
    if v is None:
        if len(refs) != 1 or refs[0].size != 1:
            shapes = ", ".join(str(r.shape) for r in refs)
            raise ValueError(
                f"{fn}: v can be omitted only when func has a single one-element {what}; "
                f"its {what}s have shapes {shapes}"
            )
        return None
    _, v = _as_tuple(v, "v", fn)
    if len(v) != len(refs):
        given = f"a tuple of {len(refs)}" if is_tuple else "a single Tensor"
        raise ValueError(f"{fn}: v has {len(v)} tensors for {len(refs)} {what}s; pass {given}")
    for i, (a, r) in enumerate(zip(v, refs)):
        if a.shape != r.shape:
            raise ValueError(
                f"{fn}: v for {what} {i} has shape {a.shape}, but {what} {i} has shape {r.shape}"
            )
    return _prepare(v, graph, need_graph=False)


def _start(
    fn: str, func: Func, inputs: Any, v: Any, graph: bool, strict: bool, scalar: bool = False
) -> tuple:
    """The start of `vjp`, `jvp`, `hvp`, `vhp`: ``((is_out_tuple, is_in_tuple), inputs, v,
    outputs, gradient)`` (prepared; v per output for vjp, else per input; the gradient with
    ``scalar``)."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _prepare(inputs, graph, need_graph=True)
    if fn != "vjp":
        v = _v_tuple(v, inputs, is_in_tuple, graph, fn, "input")
    is_out_tuple, outputs = _call(func, inputs, fn, strict)
    if fn == "vjp":
        v = _v_tuple(v, outputs, is_out_tuple, graph, fn, "output")
    jac = None
    if scalar:  # hvp, vhp: a scalar func and its recorded gradient
        if is_out_tuple or outputs[0].size != 1:
            got = f"a tuple of {len(outputs)}" if is_out_tuple else f"shape {outputs[0].shape}"
            raise ValueError(f"{fn}: func must return a single one-element Tensor, got {got}")
        jac = _grad(outputs, inputs, None, graph=True)
        _require_grad(jac, "jacobian", strict, fn)
    return (is_out_tuple, is_in_tuple), inputs, v, outputs, jac


def _zeros_leaf(t: Tensor) -> Tensor:
    """A zero tensor of ``t``'s shape (and float dtype) that requires grad: the ``u`` of the
    double-vjp trick (its value never matters: the vjp is linear in it)."""
    dtype = t.dtype if t.dtype.kind == "f" else np.float64
    return wrap(np.zeros(t.shape, dtype)).requires_grad_(True)


def _grad(
    outputs: Sequence[Tensor | None], inputs: Tensors, grad_outputs: Any, graph: bool
) -> tuple:
    """`autograd.grad` of the outputs that require grad (None per input they do not use):
    recorded Tensors with ``create_graph``, else constants."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    outs, seeds = [], []
    for o, g in zip(outputs, grad_outputs):
        if o is not None and o.requires_grad:
            if graph and isinstance(g, Tensor) and g.dtype != o.dtype:
                with enable_grad():
                    g = cast(g, o.dtype)  # the engine would keep only the values of g
            outs.append(o)
            seeds.append(g)
    if not outs:
        return (None,) * len(inputs)
    res = autograd_grad(outs, inputs, seeds, create_graph=graph, allow_unused=True)
    return tuple(r if r is None or graph else wrap(r) for r in res)


def _result(
    fn: str, outs: Tensors, grads: Any, refs: Tensors, tuples: Any, strict: bool, graph: bool
) -> tuple[Any, Any]:
    """``(func_output, product)`` in the caller's structure ``tuples`` (outputs, product); a
    None in ``grads`` becomes zeros of its ref's shape (strict: an error instead)."""
    res = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if strict and (g is None or (graph and not g.requires_grad)):
            raise _strict_error(fn, fn if g is None else "graph", i, graph=g is not None)
        res.append(wrap(np.zeros(r.shape, r.dtype)) if g is None else g)
    outs = outs if graph else tuple(o.detach() for o in outs)  # res holds constants already
    return _unpack(outs, tuples[0]), _unpack(tuple(res), tuples[1])


def _unpack(res: Any, to_unpack: bool | tuple[bool, bool]) -> Any:
    """Undo `_as_tuple`: drop the tuple levels the caller did not give as tuples."""
    if isinstance(to_unpack, tuple):
        outer, inner = to_unpack
        res = res if inner else tuple(r[0] for r in res)
        return res if outer else res[0]
    return res if to_unpack else res[0]


def _stacked(parts: list, like: Tensor, shape: tuple, last: bool) -> Tensor:
    """``parts`` (Tensors of ``like``'s shape, None for zeros) stacked on a new first axis (the
    rows of a Jacobian block) or, with ``last``, a new last axis (columns), in ``shape``."""
    if len(parts) == 1 and parts[0] is not None:
        return parts[0] if parts[0].shape == shape else reshape(parts[0], shape)
    axis = like.ndim if last else 0
    if all(p is None or not p.requires_grad for p in parts):
        arrays = [np.zeros(like.shape, like.dtype) if p is None else p.data for p in parts]
        empty = np.zeros(shape, like.dtype)
        return wrap(np.stack(arrays, axis).reshape(shape) if arrays else empty)
    zero = wrap(np.zeros(like.shape, like.dtype))
    return reshape(stack([zero if p is None else p for p in parts], axis=axis), shape)


def _one_hot(like: Tensor, k: int) -> Tensor:
    e = np.zeros(like.shape, like.dtype)
    e.reshape(-1)[k] = 1
    return wrap(e)


def _rows(outputs: Tensors, inputs: Tensors, graph: bool) -> list:
    """``parts[i][j]``: the rows of Jacobian block (i, j), one reverse pass per element of
    output i, seeded with a one-hot vector."""
    parts: list = [[[] for _ in inputs] for _ in outputs]
    for i, out in enumerate(outputs):
        for k in range(out.size):
            row = _grad((out,), inputs, (_one_hot(out, k),), graph) if out.requires_grad else ()
            for j in range(len(inputs)):
                parts[i][j].append(row[j] if row else None)
    return parts


def _columns(outputs: Tensors, inputs: Tensors, graph: bool) -> list:
    """``parts[i][j]``: the columns of Jacobian block (i, j) by the double-vjp trick: ``g(u) =
    Jᵀu`` recorded once, then one reverse pass of ``g`` per input element, seeded with a
    one-hot ``e``: ``J e``."""
    u = tuple(_zeros_leaf(o) for o in outputs)
    g = _grad(outputs, inputs, u, graph=True)
    parts: list = [[[] for _ in inputs] for _ in outputs]
    for j, x in enumerate(inputs):
        for k in range(x.size):
            col = (None,) * len(u) if g[j] is None else _grad((g[j],), u, (_one_hot(x, k),), graph)
            for i, c in enumerate(col):
                parts[i][j].append(c)
    return parts


def _jacobian(fn: str, func: Func, inputs: Any, graph: bool, strict: bool, strategy: str) -> Any:
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(
            f"{fn}: strategy must be 'reverse-mode' or 'forward-mode', not {strategy!r}"
        )
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _prepare(inputs, graph, need_graph=True)
    is_out_tuple, outputs = _call(func, inputs, fn, strict)
    forward = strategy == "forward-mode"
    jac = []
    with enable_grad():
        parts = (_columns if forward else _rows)(outputs, inputs, graph)
        for i, out in enumerate(outputs):
            for j in range(len(inputs)):
                for p in parts[i][j] if strict else ():
                    if p is None or (graph and not p.requires_grad):
                        raise _strict_error(fn, "entry", i, j, graph=p is not None)
            # each row has an input's shape and dtype, each column an output's
            shapes = [(out if forward else x, out.shape + x.shape) for x in inputs]
            jac.append(tuple(_stacked(parts[i][j], *sj, forward) for j, sj in enumerate(shapes)))
    return _unpack(tuple(jac), (is_out_tuple, is_in_tuple))  # constants unless graph


# --- public functions ----------------------------------------------------------------------


def jacobian(
    func: Func,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: block ``[i][j]`` has shape
    ``outputs[i].shape + inputs[j].shape`` (d output i / d input j).

    Nested as PyTorch's: one Tensor for one input and one output; a tuple over the inputs for
    one output; over the outputs for one input; else a tuple (outputs) of tuples (inputs).
    ``strategy="reverse-mode"``: one reverse pass per output element (the rows).
    ``strategy="forward-mode"`` is supported through the double-vjp trick: one recorded pass
    for ``u ↦ Jᵀu``, then one reverse pass per input element (the columns), also with
    ``create_graph`` and ``strict`` (which PyTorch's forward mode refuses); prefer it when
    the inputs have fewer elements than the outputs. ``vectorize=True`` is accepted for
    PyTorch's signature and computed the same way (one pass per row or column, no batching).
    ``strict=True`` raises RuntimeError when an output is independent of an input.
    """
    return _jacobian("jacobian", func, inputs, create_graph, strict, strategy)


def hessian(
    func: Func,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of the scalar ``func`` (one-element output) at ``inputs``: block ``[i][j]``
    has shape ``inputs[i].shape + inputs[j].shape`` (d² func / d input i d input j).

    One Tensor for a single input, else a tuple of tuples (inputs × inputs). As PyTorch: the
    `jacobian` of the recorded gradient (one ``create_graph=True`` reverse pass), by
    ``outer_jacobian_strategy`` ("reverse-mode": one reverse pass of the gradient per input
    element; "forward-mode": the double-vjp trick, see `jacobian`). ``vectorize`` is accepted
    and computed the same way. ``strict=True`` raises RuntimeError when func is independent of
    an input or linear in it.
    """
    fn = "hessian"
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)

    def scalar_func(*xs: Tensor) -> Tensor:
        is_tuple, outs = _call(func, xs, fn, strict)
        if is_tuple or outs[0].size != 1:
            got = f"a tuple of {len(outs)}" if is_tuple else f"shape {outs[0].shape}"
            raise ValueError(f"{fn}: func must return a single one-element Tensor, got {got}")
        return reshape(outs[0], ())

    def jac_func(*xs: Tensor) -> Tensors:
        jac = _jacobian(fn, scalar_func, xs, True, False, "reverse-mode")
        _require_grad(jac, "jacobian", strict, fn)
        return jac

    res = _jacobian(fn, jac_func, inputs, create_graph, strict, outer_jacobian_strategy)
    return _unpack(res, (is_in_tuple, is_in_tuple))


def vjp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), vᵀJ)``: the vector-Jacobian product, one reverse pass.

    ``v``: one tensor per output, of its shape (may be omitted for a single one-element
    output: 1). The product: one tensor per input, of its shape. Each half is a Tensor or a
    tuple as the outputs / inputs were. ``strict=True`` raises RuntimeError when the outputs
    are independent of an input (else its product is zeros).
    """
    tuples, inputs, v, outputs, _ = _start("vjp", func, inputs, v, create_graph, strict)
    res = _grad(outputs, inputs, v, create_graph)
    return _result("vjp", outputs, res, inputs, tuples, strict, create_graph)


def jvp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product (forward mode in effect).

    ``v``: one tensor per input, of its shape (may be omitted for a single one-element input:
    1). The product: one tensor per output, of its shape. Computed, as PyTorch's, by the
    double-vjp trick: ``u ↦ vjp(u) = Jᵀu`` is linear in ``u``, so ``J v = d/du [vjp(u) · v]``
    (at any ``u``; zeros here): two reverse passes, the first with ``create_graph=True``.
    ``strict=True`` raises RuntimeError when an output does not depend on the inputs.
    """
    fn = "jvp"
    tuples, inputs, v, outputs, _ = _start(fn, func, inputs, v, create_graph, strict)
    u = tuple(_zeros_leaf(o) for o in outputs)
    grad_inputs = _grad(outputs, inputs, u, graph=True)
    _require_grad(grad_inputs, "grad_inputs", strict, fn)
    res = _grad(grad_inputs, u, v, create_graph)
    tuples = (tuples[0], tuples[0])
    return _result(fn, outputs, res, outputs, tuples, strict, create_graph)


def vhp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), vᵀH)``: the vector-Hessian product of the scalar ``func``.

    ``func`` returns one one-element Tensor; ``v``: one tensor per input, of its shape (may be
    omitted for a single one-element input). The product: one tensor per input, of its shape.
    Two reverse passes: the recorded gradient, then its vjp with ``v``. ``strict=True`` raises
    RuntimeError when func is independent of an input or linear in it.
    """
    fn = "vhp"
    tuples, inputs, v, outputs, jac = _start(fn, func, inputs, v, create_graph, strict, True)
    res = _grad(jac, inputs, v, create_graph)
    return _result(fn, outputs, res, inputs, tuples, strict, create_graph)


def hvp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), H v)``: the Hessian-vector product of the scalar ``func``.

    Shapes as `vhp`. Computed as PyTorch's: the recorded gradient ``g``, then ``u ↦ (∂g/∂x)ᵀu``
    recorded (the double-vjp trick, ``u`` zeros), then its vjp with ``v``, which is ``H v``:
    three reverse passes. For a twice continuously differentiable func ``H`` is symmetric and
    `vhp` gives the same values with two passes.
    """
    fn = "hvp"
    tuples, inputs, v, outputs, jac = _start(fn, func, inputs, v, create_graph, strict, True)
    u = tuple(_zeros_leaf(x) for x in inputs)
    double_back = _grad(jac, inputs, u, graph=True)
    res = _grad(double_back, u, v, create_graph)
    return _result(fn, outputs, res, inputs, tuples, strict, create_graph)
