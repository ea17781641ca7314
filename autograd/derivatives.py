"""Derivatives of whole functions, as ``torch.autograd.functional``: `jacobian`, `hessian`,
`vjp`, `jvp`, `hvp`, `vhp`.

Each takes ``func`` (Tensors in; a Tensor or a tuple of Tensors out) and ``inputs`` (a Tensor
or a tuple of Tensors) and returns Tensors in PyTorch's structure: a single Tensor where the
inputs (outputs) were a single Tensor, a tuple where they were a tuple; `jacobian` and
`hessian` nest outputs then inputs. ``func`` runs (with grad mode on) on copies of the inputs:
``detach()``-ed (same memory, their own ``requires_grad=True``), so the caller's tensors keep
their ``requires_grad``; with ``create_graph=True`` an input that requires grad goes through a
recorded reshape instead, so gradients of the results flow back to it, as PyTorch's view.
Results are constants, or with ``create_graph=True`` Tensors recorded in the graph and
differentiable again.

Everything is reverse mode (`autograd.grad`). A Jacobian-vector product (`jvp`, `hvp`,
``strategy="forward-mode"``) uses the double-vjp trick: ``u ↦ vjp(u) = Jᵀu`` is linear in
``u``, so ``J v = d/du [vjp(u) · v]``: two reverse passes, the first with create_graph=True.

Errors: an input, ``v`` or output of ``func`` that is not a Tensor raises TypeError; a ``v`` of
the wrong shape (or a missing one), or a ``func`` that must be scalar and is not, ValueError
naming the function, the index and both shapes; ``strict=True`` violations RuntimeError.
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
STRATEGIES = ("reverse-mode", "forward-mode")

# strict=True: what is independent of what, per stage (PyTorch's cases)
_STRICT = {
    "back": "the output of func is independent of input {i}",
    "back_trick": "the gradient of func is independent of entry {i} of grad_outputs "
    "(double-vjp trick)",
    "double_back": "the jacobian of func is independent of input {i}",
    "double_back_trick": "the hessian of func is independent of entry {i} of the "
    "grad_jacobian (double-vjp trick)",
    "outputs": "output {i} of func does not require grad (it is not computed from the inputs)",
    "grad_inputs": "the gradient with respect to input {i} is independent of the inputs",
    "jacobian": "the jacobian with respect to input {i} is independent of the input "
    "(func is linear in it)",
}


def _strict_error(fn: str, stage: str, i: int, suffix: str = "") -> RuntimeError:
    what = _STRICT[stage].format(i=i)
    return RuntimeError(f"{fn}: {what}; strict=True does not allow this{suffix}")


def _as_tuple(value: Any, what: str, fn: str) -> tuple[bool, Tensors]:
    """(whether ``value`` was a tuple, ``value`` as a tuple); TypeError if not Tensors."""
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f" (entry {i} is a {type(t).__name__})" if is_tuple else ""
            got = "" if is_tuple else f", got a {type(t).__name__}"
            raise TypeError(f"{fn}: {what} must be a Tensor or a tuple of Tensors{where}{got}")
    return is_tuple, items


def _prepare(tensors: Tensors, create_graph: bool, need_graph: bool) -> Tensors:
    """New Tensor objects for ``tensors``: with ``create_graph`` a tensor that requires grad
    goes through a recorded reshape (gradients reach it); any other is detached and requires
    grad if ``need_graph``. Call with grad mode on."""
    out = []
    for t in tensors:
        if create_graph and t.requires_grad:
            out.append(reshape(t, t.shape))
        else:
            d = t.detach()
            if need_graph:
                d.requires_grad = True
            out.append(d)
    return tuple(out)


def _call(func: Func, inputs: Tensors, fn: str, strict: bool) -> tuple[bool, Tensors]:
    """Run ``func`` with grad mode on; (whether it returned a tuple, its outputs)."""
    with enable_grad():
        result = func(*inputs)
    is_tuple, outputs = _as_tuple(result, "the output of func", fn)
    _require_grad(outputs, "outputs", strict, fn)
    return is_tuple, outputs


def _require_grad(tensors: Sequence[Tensor | None], stage: str, strict: bool, fn: str) -> None:
    if strict:
        for i, t in enumerate(tensors):
            if t is None:
                raise _strict_error(fn, "back", i)
            if not t.requires_grad:
                raise _strict_error(fn, stage, i)


def _check_v(v: Tensors, refs: Tensors, is_tuple: bool, fn: str, what: str) -> None:
    """``v`` must hold one tensor per ``what`` (output or input), each of its shape."""
    if len(v) != len(refs):
        raise ValueError(
            f"{fn}: v has {len(v)} tensor(s) but func has {len(refs)} {what}(s); "
            f"pass {'a tuple of ' + str(len(refs)) if is_tuple else 'a single Tensor'}"
        )
    for i, (a, r) in enumerate(zip(v, refs)):
        if a.shape != r.shape:
            raise ValueError(
                f"{fn}: v for {what} {i} has shape {a.shape}, but {what} {i} has shape {r.shape}"
            )


def _v_tuple(v: Any, refs: Tensors, is_tuple: bool, create_graph: bool, fn: str, what: str):
    """``v`` checked and prepared (None only where ``refs`` is one one-element tensor)."""
    if v is None:
        if len(refs) != 1 or refs[0].size != 1:
            shapes = ", ".join(str(r.shape) for r in refs)
            raise ValueError(
                f"{fn}: v can be omitted only when func has a single one-element {what}; "
                f"its {what}s have shapes {shapes}"
            )
        return None
    _, v = _as_tuple(v, "v", fn)
    with enable_grad():
        v = _prepare(v, create_graph, need_graph=False)
    _check_v(v, refs, is_tuple, fn, what)
    return v


def _scalar_output(outputs: Tensors, is_tuple: bool, fn: str) -> None:
    if is_tuple or outputs[0].size != 1:
        got = f"a tuple of {len(outputs)}" if is_tuple else f"shape {outputs[0].shape}"
        raise ValueError(f"{fn}: func must return a single one-element Tensor, got {got}")


def _zeros_leaf(t: Tensor) -> Tensor:
    """A zero tensor of ``t``'s shape (and float dtype) that requires grad: the ``u`` of the
    double-vjp trick (its value never matters, the vjp is linear in it)."""
    dtype = t.dtype if t.dtype.kind == "f" else np.float64
    return Tensor(np.zeros(t.shape, dtype), requires_grad=True)


def _grad(outputs: Sequence[Tensor | None], inputs: Tensors, grad_outputs: Any, create_graph: bool):
    """`autograd.grad` over the outputs that require grad (None where an input is unused):
    Tensors, recorded with ``create_graph``, else constants."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    outs, seeds = [], []
    for o, g in zip(outputs, grad_outputs):
        if o is not None and o.requires_grad:
            if create_graph and isinstance(g, Tensor) and g.dtype != o.dtype:
                with enable_grad():
                    g = cast(g, o.dtype)  # keeps g's graph: the engine would copy its values
            outs.append(o)
            seeds.append(g)
    if not outs:
        return (None,) * len(inputs)
    res = autograd_grad(outs, inputs, seeds, create_graph=create_graph, allow_unused=True)
    return tuple(r if r is None or create_graph else wrap(r) for r in res)


def _filled(
    grads: Sequence[Any], refs: Tensors, strict: bool, create_graph: bool, fn: str, stage: str
) -> Tensors:
    """``grads`` with None replaced by zeros of the ref's shape (strict: an error instead)."""
    res = []
    for i, (g, r) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise _strict_error(fn, stage, i)
            g = wrap(np.zeros(r.shape, r.dtype))
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"{fn}: the {what} of func is independent of input {i}; strict=True does not "
                "allow this with create_graph=True"
            )
        res.append(g)
    return tuple(res)


def _finish(tensors: Any, create_graph: bool) -> Any:
    """Nested tuples of Tensors, detached unless ``create_graph``."""
    if isinstance(tensors, Tensor):
        return tensors if create_graph else tensors.detach()
    return tuple(_finish(t, create_graph) for t in tensors)


def _unpack(res: Any, to_unpack: bool | tuple[bool, bool]) -> Any:
    """Undo `_as_tuple`: drop the tuple levels the caller did not give as tuples."""
    if isinstance(to_unpack, tuple):
        outer, inner = to_unpack
        if not inner:
            res = tuple(r[0] for r in res)
        return res if outer else res[0]
    return res if to_unpack else res[0]


def _stacked(
    parts: list, part_shape: tuple, dtype: Any, shape: tuple, last: bool, create_graph: bool
) -> Tensor:
    """``parts`` (Tensors of ``part_shape``, None for zeros) stacked along a new first axis
    (rows of a Jacobian) or, with ``last``, a new last axis (columns), reshaped to ``shape``."""
    axis = len(part_shape) if last else 0
    if len(parts) == 1 and parts[0] is not None:
        p = parts[0]
        return p if p.shape == shape else reshape(p, shape)
    if not create_graph or all(p is None for p in parts):
        if not parts:
            return wrap(np.zeros(shape, dtype))
        arrays = [np.zeros(part_shape, dtype) if p is None else p.data for p in parts]
        return wrap(np.stack(arrays, axis=axis).reshape(shape))
    zero = wrap(np.zeros(part_shape, dtype))
    with enable_grad():
        return reshape(stack([zero if p is None else p for p in parts], axis=axis), shape)


def _one_hot(shape: tuple, dtype: Any, k: int) -> Tensor:
    e = np.zeros(shape, dtype)
    e.reshape(-1)[k] = 1
    return wrap(e)


def _check_strategy(strategy: str, fn: str) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(
            f"{fn}: strategy must be 'reverse-mode' or 'forward-mode', got {strategy!r}"
        )


def _jacobian_reverse(
    outputs: Tensors, inputs: Tensors, create_graph: bool, strict: bool, fn: str
) -> tuple[Tensors, ...]:
    """One reverse pass per output element, seeded with a one-hot vector: rows of J."""
    jac = []
    for i, out in enumerate(outputs):
        rows: list[list] = [[] for _ in inputs]
        for k in range(out.size if out.requires_grad else 0):
            seed = _one_hot(out.shape, out.dtype, k)
            for j, g in enumerate(_grad((out,), inputs, (seed,), create_graph)):
                rows[j].append(_checked_entry(g, i, j, strict, create_graph, fn))
        if not out.requires_grad:
            rows = [[None] * out.size for _ in inputs]
        jac.append(
            tuple(
                _stacked(r, x.shape, x.dtype, out.shape + x.shape, False, create_graph)
                for r, x in zip(rows, inputs)
            )
        )
    return tuple(jac)


def _jacobian_forward(
    outputs: Tensors, inputs: Tensors, create_graph: bool, strict: bool, fn: str
) -> tuple[Tensors, ...]:
    """Columns of J by the double-vjp trick: ``g(u) = Jᵀu`` once (recorded), then one
    reverse pass of ``g`` per input element, seeded with a one-hot vector: ``J e_k``."""
    u = tuple(_zeros_leaf(o) for o in outputs)
    g = _grad(outputs, inputs, u, create_graph=True)
    cols: list[list[list]] = [[[] for _ in inputs] for _ in outputs]
    for j, x in enumerate(inputs):
        for k in range(x.size):
            jv = (
                (None,) * len(u)
                if g[j] is None
                else _grad((g[j],), u, (_one_hot(x.shape, x.dtype, k),), create_graph)
            )
            for i, c in enumerate(jv):
                cols[i][j].append(_checked_entry(c, i, j, strict, create_graph, fn))
    return tuple(
        tuple(
            _stacked(cols[i][j], out.shape, out.dtype, out.shape + x.shape, True, create_graph)
            for j, x in enumerate(inputs)
        )
        for i, out in enumerate(outputs)
    )


def _checked_entry(
    g: Tensor | None, i: int, j: int, strict: bool, create_graph: bool, fn: str
) -> Tensor | None:
    if strict and g is None:
        raise RuntimeError(
            f"{fn}: output {i} of func is independent of input {j}; strict=True does not allow this"
        )
    if strict and create_graph and not g.requires_grad:
        raise RuntimeError(
            f"{fn}: the jacobian of output {i} is independent of input {j}; strict=True "
            "does not allow this with create_graph=True"
        )
    return g


def _jacobian(
    fn: str, func: Func, inputs: Any, create_graph: bool, strict: bool, strategy: str
) -> Any:
    _check_strategy(strategy, fn)
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    with enable_grad():
        inputs = _prepare(inputs, create_graph, need_graph=True)
    is_out_tuple, outputs = _call(func, inputs, fn, strict)
    compute = _jacobian_forward if strategy == "forward-mode" else _jacobian_reverse
    jac = compute(outputs, inputs, create_graph, strict, fn)
    return _unpack(_finish(jac, create_graph), (is_out_tuple, is_in_tuple))


# --- public functions ----------------------------------------------------------------------


def jacobian(
    func: Func,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: entry ``[i][j]`` has shape
    ``outputs[i].shape + inputs[j].shape`` (d output i / d input j).

    Nesting as PyTorch: a single Tensor for one input and one output; a tuple over inputs for
    one output; a tuple over outputs for one input; else a tuple (outputs) of tuples (inputs).
    ``strategy="reverse-mode"``: one reverse pass per output element (rows).
    ``strategy="forward-mode"`` is supported (PyTorch's needs functorch-style forward AD)
    through the double-vjp trick: one recorded pass for ``u ↦ Jᵀu``, then one reverse pass per
    input element (columns); it works with ``create_graph`` and ``strict`` too. Prefer it when
    the inputs have fewer elements than the outputs. ``vectorize`` is accepted for PyTorch's
    signature and computed the same way (one pass per row or column, no batching).
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
    """The Hessian of the scalar ``func`` (one-element output) at ``inputs``: entry ``[i][j]``
    has shape ``inputs[i].shape + inputs[j].shape`` (d² f / d input i d input j).

    A single Tensor for a single input, else a tuple of tuples (inputs × inputs). Computed as
    PyTorch does: the `jacobian` of the recorded gradient (one recorded reverse pass), with
    ``outer_jacobian_strategy`` ("reverse-mode": one reverse pass of the gradient per input
    element; "forward-mode": the double-vjp trick, see `jacobian`). ``vectorize`` is accepted
    and computed the same way. ``strict=True`` raises RuntimeError when func is independent of
    an input or linear in it.
    """
    fn = "hessian"
    _check_strategy(outer_jacobian_strategy, fn)
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)

    def scalar_func(*xs: Tensor) -> Tensor:
        is_tuple, outs = _call(func, xs, fn, strict)
        _scalar_output(outs, is_tuple, fn)
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

    ``v`` has one tensor per output, of its shape (omit it for a single one-element output:
    1). The product has one tensor per input, of its shape; each part a Tensor or a tuple as
    the outputs / inputs were given. ``strict=True`` raises RuntimeError when the outputs are
    independent of an input (else its product is zeros).
    """
    fn = "vjp"
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    with enable_grad():
        inputs = _prepare(inputs, create_graph, need_graph=True)
    is_out_tuple, outputs = _call(func, inputs, fn, strict)
    v = _v_tuple(v, outputs, is_out_tuple, create_graph, fn, "output")
    res = _filled(_grad(outputs, inputs, v, create_graph), inputs, strict, create_graph, fn, "back")
    return (
        _unpack(_finish(outputs, create_graph), is_out_tuple),
        _unpack(_finish(res, create_graph), is_in_tuple),
    )


def jvp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product (forward mode in effect).

    ``v`` has one tensor per input, of its shape (omit it for a single one-element input: 1).
    The product has one tensor per output, of its shape. Computed, as PyTorch's, by the
    double-vjp trick: ``u ↦ vjp(u) = Jᵀu`` is linear in ``u``, so ``J v = d/du [vjp(u) · v]``
    (at any ``u``; zeros here): two reverse passes, the first with ``create_graph=True``.
    ``strict=True`` raises RuntimeError when an output does not depend on the inputs.
    """
    fn = "jvp"
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    with enable_grad():
        inputs = _prepare(inputs, create_graph, need_graph=True)
    v = _v_tuple(v, inputs, is_in_tuple, create_graph, fn, "input")
    is_out_tuple, outputs = _call(func, inputs, fn, strict)
    u = tuple(_zeros_leaf(o) for o in outputs)
    grad_inputs = _grad(outputs, inputs, u, create_graph=True)
    _require_grad(grad_inputs, "grad_inputs", strict, fn)
    res = _filled(
        _grad(grad_inputs, u, v, create_graph), outputs, strict, create_graph, fn, "back_trick"
    )
    return (
        _unpack(_finish(outputs, create_graph), is_out_tuple),
        _unpack(_finish(res, create_graph), is_out_tuple),
    )


def _scalar_and_gradient(
    fn: str, func: Func, inputs: Any, v: Any, create_graph: bool, strict: bool
) -> tuple:
    """The shared start of `hvp` and `vhp`: prepared inputs and v, the output, and its
    recorded gradient (one tensor or None per input)."""
    is_in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    with enable_grad():
        inputs = _prepare(inputs, create_graph, need_graph=True)
    v = _v_tuple(v, inputs, is_in_tuple, create_graph, fn, "input")
    is_out_tuple, outputs = _call(func, inputs, fn, strict)
    _scalar_output(outputs, is_out_tuple, fn)
    jac = _grad(outputs, inputs, None, create_graph=True)
    _require_grad(jac, "jacobian", strict, fn)
    return is_in_tuple, inputs, v, is_out_tuple, outputs, jac


def vhp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), vᵀH)``: the vector-Hessian product of the scalar ``func``.

    ``func`` returns one one-element Tensor; ``v`` has one tensor per input, of its shape
    (omit it for a single one-element input). The product has one tensor per input, of its
    shape. Two reverse passes: the recorded gradient, then the vjp of the gradient with ``v``.
    ``strict=True`` raises RuntimeError when func is independent of an input or linear in it.
    """
    fn = "vhp"
    is_in_tuple, inputs, v, is_out_tuple, outputs, jac = _scalar_and_gradient(
        fn, func, inputs, v, create_graph, strict
    )
    res = _filled(
        _grad(jac, inputs, v, create_graph), inputs, strict, create_graph, fn, "double_back"
    )
    return (
        _unpack(_finish(outputs, create_graph), is_out_tuple),
        _unpack(_finish(res, create_graph), is_in_tuple),
    )


def hvp(
    func: Func, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple[Any, Any]:
    """``(func(inputs), H v)``: the Hessian-vector product of the scalar ``func``.

    Shapes as `vhp`. Computed as PyTorch's: the recorded gradient ``g``, then ``u ↦ (∂g/∂x)ᵀu``
    recorded (the double-vjp trick, ``u`` zeros), then its vjp with ``v``, which is ``H v``:
    three reverse passes. For a twice continuously differentiable func ``H`` is symmetric and
    `vhp` gives the same values with two.
    """
    fn = "hvp"
    is_in_tuple, inputs, v, is_out_tuple, outputs, jac = _scalar_and_gradient(
        fn, func, inputs, v, create_graph, strict
    )
    u = tuple(_zeros_leaf(x) for x in inputs)
    double_back = _grad(jac, inputs, u, create_graph=True)
    res = _filled(
        _grad(double_back, u, v, create_graph),
        inputs,
        strict,
        create_graph,
        fn,
        "double_back_trick",
    )
    return (
        _unpack(_finish(outputs, create_graph), is_out_tuple),
        _unpack(_finish(res, create_graph), is_in_tuple),
    )
