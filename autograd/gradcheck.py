"""Check backward (and the backward of backward) against central finite differences, in
float64."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.engine import grad as autograd_grad
from autograd.state import enable_grad, no_grad
from autograd.tensor import Tensor


def _as_outputs(result: Any) -> tuple[Tensor, ...]:
    outputs = result if isinstance(result, tuple | list) else (result,)
    if not all(isinstance(o, Tensor) for o in outputs):
        raise TypeError("gradcheck: fn must return a Tensor or a tuple of Tensors")
    return tuple(outputs)


def _float64_copies(inputs: tuple[Any, ...]) -> list[Any]:
    """The inputs (one tuple or list of them is unpacked, as PyTorch's), float Tensors
    copied to float64 with their requires_grad and name; anything else as given."""
    if len(inputs) == 1 and isinstance(inputs[0], tuple | list):
        inputs = tuple(inputs[0])
    xs = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            xs.append(Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad, name=x.name))
        else:
            xs.append(x)
    return xs


def gradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Compare backward with central differences for every input that requires grad.

    ``gradcheck(fn, x, y)``, or in PyTorch's style ``gradcheck(fn, (x, y))``: a single tuple
    or list of inputs is unpacked. Inputs are copied to float64. A non-scalar output is
    projected on a fixed random direction ``v`` (checking the vector-Jacobian product vᵀJ,
    what backward computes).
    Returns True, or raises AssertionError naming the input, index, expected and got.
    """
    xs = _float64_copies(inputs)
    wrt = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        kinds = ", ".join(type(x).__name__ for x in xs) or "none"
        raise ValueError(
            f"gradcheck: no input requires grad (inputs: {kinds}); pass Tensors created with "
            "requires_grad=True, as gradcheck(fn, x, y) or gradcheck(fn, (x, y))"
        )

    rng = np.random.default_rng(seed)
    outputs = _as_outputs(fn(*xs))
    directions = [rng.uniform(0.5, 1.5, o.shape) * rng.choice([-1, 1], o.shape) for o in outputs]

    def projected(outs: tuple[Tensor, ...]) -> Any:
        total = None
        for o, v in zip(outs, directions):
            term = (o * Tensor(v)).sum()
            total = term if total is None else total + term
        return total

    analytic = autograd_grad(projected(outputs), [xs[i] for i in wrt], allow_unused=True)
    for i, got_all in zip(wrt, analytic):
        x = xs[i]
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs x
        expected_all = np.zeros(flat.shape)
        for k in range(flat.size):
            orig = flat[k]
            with no_grad():
                flat[k] = orig + eps
                plus = projected(_as_outputs(fn(*xs))).item()
                flat[k] = orig - eps
                minus = projected(_as_outputs(fn(*xs))).item()
            flat[k] = orig
            expected_all[k] = (plus - minus) / (2 * eps)
        got = np.zeros(flat.shape) if got_all is None else got_all.reshape(-1)
        bad = np.abs(got - expected_all) > atol + rtol * np.abs(expected_all)
        if bad.any():
            k = int(np.argmax(bad))
            index = np.unravel_index(k, x.shape) if x.ndim else ()
            label = f" ({x.name!r})" if x.name else ""
            raise AssertionError(
                f"gradcheck: input {i}{label} of shape {x.shape}, index {tuple(map(int, index))}: "
                f"expected {expected_all[k]:.8g} (finite differences), got {got[k]:.8g} "
                f"(backward){'' if got_all is not None else ' — backward gave no gradient'}"
            )
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    *inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check second derivatives: `gradcheck` of the recorded first-order gradient.

    The first-order gradient is ``autograd.grad(fn(*inputs), inputs, grad_outputs,
    create_graph=True)`` with ``grad_outputs`` fixed random directions (one per output)
    unless given. It is checked as a function of the inputs *and* of ``grad_outputs`` (a
    backward must be linear in them), against central differences in float64. Returns True,
    or raises AssertionError naming the input, index, expected and got.
    """
    xs = _float64_copies(inputs)
    wrt = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x.requires_grad]
    if not wrt:
        raise ValueError("gradgradcheck: no input requires grad")
    with enable_grad():
        outputs = _as_outputs(fn(*xs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        vs = [Tensor(rng.standard_normal(o.shape), requires_grad=True) for o in outputs]
    else:
        given = grad_outputs if isinstance(grad_outputs, tuple | list) else (grad_outputs,)
        vs = _float64_copies(tuple(given))
        for v in vs:
            v.requires_grad = True
    n = len(xs)

    def first_order(*args: Any) -> tuple[Tensor, ...]:
        with enable_grad():
            outs = _as_outputs(fn(*args[:n]))
            grads = autograd_grad(
                outs, [args[i] for i in wrt], list(args[n:]), create_graph=True, allow_unused=True
            )
        return tuple(
            Tensor(np.zeros(args[i].shape)) if g is None else g for i, g in zip(wrt, grads)
        )

    return gradcheck(first_order, *xs, *vs, eps=eps, atol=atol, rtol=rtol, seed=seed)
