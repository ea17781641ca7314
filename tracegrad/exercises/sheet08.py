"""Checkers for notebook 08, backprop through backprop: the derivatives of x⁴ down to the
fifth, tanh'' on the neuron, Newton's method where it works and where it fails, the largest
Hessian eigenvalue by power iteration, and a gradient penalty."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np

import autograd
import autograd.functional as F
import nn
from autograd import Tensor
from tracegrad.exercises.checking import (
    Sheet,
    StudentError,
    array,
    call,
    close,
    exercise,
    number,
    wrong_number,
)

X1, S = 2.0, 1.0  # exercise 1: x⁴ at x = 2; exercise 2: the neuron's s
NEWTON_START, LN2, ROOT_START = 5.0, math.log(2), 1.5  # exercise 3: eˣ − 2x, √(1 + x²)


@contextlib.contextmanager
def _float64() -> Iterator[None]:
    """Numbers and new layers in float64 while the judge computes (as the notebook does)."""
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(np.float64)
    try:
        yield
    finally:
        autograd.set_default_dtype(previous)


def _derivatives(x0: float, n: int) -> list[float]:
    """d/dx … dⁿ/dxⁿ of x⁴ at x0, by the engine."""
    x = Tensor(np.float64(x0), requires_grad=True)
    d, out = x**4, []
    for _ in range(n):
        (d,) = autograd.grad(d, x, create_graph=True)
        out.append(float(d))
    return out


@exercise(
    "8.1",
    praise="the power rule records 4x³, 12x², 24x, then 24·x⁰: still a pow node with x as its "
    "parent, worth 24 at every x, so its derivative is a well-defined 0.",
)
def _fifth_derivative(derivatives: Sequence[float], still_has_x: bool) -> str | None:
    """d/dx … d⁵/dx⁵ of x⁴ at x = 2, and whether the fourth's graph still holds x (True/False)."""
    got = array(derivatives, "derivatives (the first five, in order)", (5,))
    if not isinstance(still_has_x, (bool, np.bool_)):
        raise StudentError(f"still_has_x should be True or False; got {still_has_x!r}.")
    expected = _derivatives(X1, 5)
    if close(got, [X1**4, *expected[:4]]):
        return "start with the first derivative: your list begins with x⁴ itself."
    if close(got, _derivatives(1.5, 5)):
        return "those are at the notebook's x = 1.5; take x = 2."
    for k, (g, e) in enumerate(zip(got, expected), start=1):
        if hint := wrong_number(g, e, f"your derivative number {k}"):
            return hint
    if not still_has_x:
        return (
            "look again: record the fourth derivative with create_graph=True and list "
            "autograd.topological_order of it. Is x among its nodes?"
        )
    return None


@exercise(
    "8.2",
    praise="tanh'' = −2 tanh (1 − tanh²): negative for s > 0, where tanh bends down, as σ'' is "
    "past σ's inflection point at 0.",
)
def _tanh_second_derivative(second: float, finite_diff: float) -> str | None:
    """tanh'' at the neuron's s = 1 from the engine, and a central difference of tanh'."""
    second = number(second, "second")
    finite_diff = number(finite_diff, "finite_diff")
    t = math.tanh(S)
    expected = -2 * t * (1 - t * t)
    sigma = 1 / (1 + math.exp(-S))
    if close(second, sigma * (1 - sigma) * (1 - 2 * sigma), rtol=1e-4):
        return "that is σ'', the sigmoid neuron's: end the neuron in .tanh()."
    if close(second, 1 - t * t, rtol=1e-4):
        return "that is tanh' itself: differentiate df/ds once more (recorded with create_graph)."
    if close(second, -expected, rtol=1e-4):
        return "second has the wrong sign: at s = 1 tanh bends down."
    if close(second, expected / 2, rtol=1e-4):
        return "second is off by a factor of two: (1 − tanh²)' is −2 tanh · tanh'."
    if not close(second, expected, rtol=1e-4, atol=1e-8):
        return "second is not right yet: grad of the recorded df/ds with respect to s."
    if close(finite_diff, 1 - t * t, rtol=1e-3):
        return "finite_diff differences tanh itself, which gives tanh'; difference tanh' instead."
    if not close(finite_diff, expected, rtol=1e-4, atol=1e-8):
        return "finite_diff is not right yet: (tanh'(1 + h) − tanh'(1 − h)) / 2h with h = 1e-5."
    return None


def _first_and_second(f: Callable[[Tensor], Tensor], x0: float) -> tuple[float, float]:
    x = Tensor(np.float64(x0), requires_grad=True)
    (d1,) = autograd.grad(f(x), x, create_graph=True)
    (d2,) = autograd.grad(d1, x)
    return float(d1), float(d2)


def _newton_iterations(x0: float) -> int:
    x, n = x0, 0
    while abs(x - LN2) >= 1e-10 and n < 500:
        d1, d2 = _first_and_second(lambda t: t.exp() - 2 * t, x)
        x, n = x - d1 / d2, n + 1
    return n


def _iterates(step: Callable[[float, float, float], float]) -> list[float]:
    xs = [ROOT_START]
    for _ in range(3):
        xs.append(step(xs[-1], *_first_and_second(lambda t: (1 + t * t).sqrt(), xs[-1])))
    return xs[1:]


@exercise(
    "8.3",
    praise="on √(1 + x²) Newton's step is x − f'/f'' = −x³: f'' = (1 + x²)^(−3/2) is tiny away "
    "from 0, so the parabola it fits is almost flat and its bottom far off. It diverges from "
    "any |x| > 1 (and converges from |x| < 1).",
)
def _newton(iterations: int, iterates: Sequence[float]) -> str | None:
    """Newton's iterations on eˣ − 2x from x = 5, and its first three iterates on √(1 + x²)."""
    n = number(iterations, "iterations")
    got = array(iterates, "iterates (x1, x2, x3)", (3,))
    with _float64():
        expected_n = _newton_iterations(NEWTON_START)
        if n == _newton_iterations(2.0) and expected_n != n:
            return "that is the count from the notebook's start, x = 2; start at x = 5."
        if n == expected_n + 1:
            return "count the iterations, not the points: the path includes the start."
        if n != expected_n:
            return "iterations is not right yet: Newton on eˣ − 2x from x = 5, to 1e-10 of ln 2."
        expected = _iterates(lambda x, d1, d2: x - d1 / d2)
        wrong = [
            ([ROOT_START, *expected[:2]], "begin with x1, the first iterate, not the start x0."),
            (_iterates(lambda x, d1, d2: x + d1 / d2), "you stepped uphill: x − f'/f''."),
            (_iterates(lambda x, d1, d2: x - d2 / d1), "you divided f'' by f'; step by f'/f''."),
        ]
    for values, hint in wrong:
        if close(got, values, rtol=1e-6):
            return hint
    if close(got, [-1 / ROOT_START, ROOT_START, -1 / ROOT_START], rtol=1e-6):
        return "that is Newton's root-finding on f itself (x − f/f'); to minimise, use f' and f''."
    if not close(got, expected, rtol=1e-6, atol=1e-9):
        return "iterates is not right yet: x1, x2, x3 of Newton on √(1 + x²) from x = 1.5."
    return None


def _xor_loss(theta: Tensor) -> Tensor:
    """The notebook's loss_at: the XOR MLP's loss with its 27 parameters read from theta."""
    rng = np.random.default_rng(0)
    corner = rng.integers(0, 4, size=80)
    points = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)[corner]
    x = Tensor(points + 0.8 * rng.standard_normal((80, 2)))
    y = Tensor((corner >= 2).astype(np.int64))
    w1, b1 = theta[0:10].reshape(5, 2), theta[10:15]
    w2, b2 = theta[15:25].reshape(2, 5), theta[25:27]
    return F.cross_entropy((x @ w1.T + b1).tanh() @ w2.T + b2, y)


@exercise(
    "8.4",
    praise="each step costs one hvp, a few backward passes, and never the 27 × 27 matrix: that "
    "is how the curvature of networks with millions of weights is measured. 2 / λ_max is the "
    "largest learning rate gradient descent is stable with near there.",
)
def _power_iteration(lam_max: float, theta: Sequence[float]) -> str | None:
    """The largest Hessian eigenvalue of the XOR MLP's loss, and the theta (27) it is at."""
    lam_max = number(lam_max, "lam_max")
    point = array(theta, "theta (the 27 parameters, flat_params())", (27,))
    with _float64():
        lam = np.linalg.eigvalsh(autograd.hessian(_xor_loss, Tensor(point)).numpy())
    if close(lam_max, lam[0], rtol=1e-3) and not close(lam[0], lam[-1], rtol=1e-3):
        return "that is the smallest eigenvalue (eigvalsh sorts them in ascending order)."
    if close(lam_max, lam[-1], rtol=0.1) and not close(lam_max, lam[-1], rtol=1e-3):
        return "close, but not converged yet: run more iterations of v ← Hv/‖Hv‖."
    if not close(lam_max, lam[-1], rtol=1e-3, atol=1e-6):
        return (
            "lam_max is not right yet at this theta: with ‖v‖ = 1 after each step, λ is vᵀHv "
            "(or ‖Hv‖) once v stops changing."
        )
    return None


def _penalty_case() -> tuple[nn.Module, Tensor, Tensor]:
    """A small model and batch of the checker's own (float64; the global seed left alone)."""
    model, rng = nn.MLP([4, 6, 3], activation="tanh"), np.random.default_rng(8)
    for p in model.parameters():
        nn.init.normal_(p, 0.0, 0.7, generator=rng)
    return model, Tensor(rng.standard_normal((5, 4))), Tensor(rng.integers(0, 3, size=5))


def _penalty_reference(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    x = Tensor(x.numpy(), requires_grad=True)
    (gx,) = autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x, create_graph=True)
    return (gx * gx).sum() / x.shape[0]


@exercise(
    "8.5",
    praise="the penalty is built from a backward pass, recorded, so the weights' gradient runs "
    "backprop through backprop: double backpropagation.",
)
def _penalty(penalty: Callable[..., Tensor]) -> str | None:
    """penalty(model, x, y): the batch mean of ‖∇ₓℓᵢ‖², recorded (a Tensor to train through)."""
    with _float64():
        model, x, y = _penalty_case()
        params = list(model.parameters())
        expected = _penalty_reference(model, x, y)
        expected_grads = autograd.grad(expected, params)
        got = call(penalty, model, x, y, what="penalty(model, x, y)")
        value = number(got, "penalty(model, x, y)")
        n, target = x.shape[0], float(expected)
        if close(value, target / n**2, rtol=1e-6):
            return (
                "your per-example gradients are N times too small: with the mean loss each row of "
                "the input gradient is ∇ℓᵢ / N. Sum the losses (reduction='sum')."
            )
        if close(value, target * n, rtol=1e-6):
            return "you summed over the examples: the penalty is their mean."
        if close(value, target + float(F.cross_entropy(model(x), y)), rtol=1e-6):
            return "return the penalty alone, without the cross-entropy."
        if not close(value, target, rtol=1e-6, atol=1e-12):
            return "penalty is not right yet: the squared norm of each row of ∇ₓ, then the mean."
        if not isinstance(got, Tensor) or not got.requires_grad:
            return (
                "the value is right but nothing is recorded: training needs its gradient with "
                "respect to the weights. Take the input gradient with create_graph=True."
            )
        grads = autograd.grad(got, params, allow_unused=True)
    for g, e in zip(grads, expected_grads):
        if g is None or not close(np.asarray(g), np.asarray(e), rtol=1e-6, atol=1e-12):
            return (
                "the value is right but its gradient with respect to the weights is not: "
                "is part of it detached (.numpy(), .item(), Tensor(...) of a result)?"
            )
    return None


SHEET = Sheet(
    "08", [_fifth_derivative, _tanh_second_derivative, _newton, _power_iteration, _penalty]
)
