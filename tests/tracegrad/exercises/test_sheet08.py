"""Notebook 08's checkers accept what the engine computes and reject typical mistakes with
a hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
import autograd.functional as F
import nn
from autograd import Tensor
from nn.optim import SGD
from tracegrad.exercises import notebook08 as check


@pytest.fixture(autouse=True)
def _float64(float64):
    """The notebook computes in float64."""


def _nth_derivative(f, x0, n):
    x = Tensor(x0, requires_grad=True)
    d = f(x)
    for k in range(n):
        (d,) = autograd.grad(d, x, create_graph=k < n - 1)
    return float(d)


def _fifth():
    derivatives = [_nth_derivative(lambda t: t**4, 2.0, n) for n in range(1, 6)]
    x = Tensor(2.0, requires_grad=True)
    d = x**4
    for _ in range(4):
        (d,) = autograd.grad(d, x, create_graph=True)
    return derivatives, any(t is x for t in autograd.topological_order(d))


def test_exercise1_right_and_wrong():
    derivatives, still_has_x = _fifth()
    assert still_has_x
    assert check.exercise1(derivatives, still_has_x)
    for answer, hint in [
        (([16.0, *derivatives[:4]], True), "begins with x⁴ itself"),
        (([13.5, 27.0, 36.0, 24.0, 0.0], True), "the notebook's x = 1.5"),
        (([*derivatives[:4], 24.0], True), "your derivative number 5 is not right yet"),
        (([-derivatives[0], *derivatives[1:]], True), "number 1 has the wrong sign"),
        ((derivatives, False), "Is x among its nodes?"),
        ((derivatives[:4], True), "shape (5,)"),
        ((derivatives, "yes"), "True or False"),
    ]:
        verdict = check.exercise1(*answer)
        assert not verdict, hint
        assert hint in verdict.message


def _tanh_neuron():
    w0, x0, w1, x1, w2 = (Tensor(v, requires_grad=True) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    s = w0 * x0 + w1 * x1 + w2
    (df_ds,) = autograd.grad(s.tanh(), s, create_graph=True)
    (second,) = autograd.grad(df_ds, s)

    def tanh_prime(v):
        return 1 - np.tanh(v) ** 2

    h = 1e-5
    return float(second), (tanh_prime(1 + h) - tanh_prime(1 - h)) / (2 * h)


def test_exercise2_right_and_wrong():
    second, finite_diff = _tanh_neuron()
    assert check.exercise2(second, finite_diff)
    t = math.tanh(1.0)
    one_sided = (math.tanh(1 + 1e-5) - math.tanh(1 - 1e-5)) / 2e-5
    for answer, hint in [
        ((-0.0908577, finite_diff), "that is σ''"),
        ((1 - t * t, finite_diff), "that is tanh' itself"),
        ((-second, finite_diff), "second has the wrong sign"),
        ((second / 2, finite_diff), "off by a factor of two"),
        ((second + 0.1, finite_diff), "second is not right yet"),
        ((second, one_sided), "differences tanh itself"),
        ((second, finite_diff + 1e-3), "finite_diff is not right yet"),
        ((second, "small"), "finite_diff should be one number"),
    ]:
        verdict = check.exercise2(*answer)
        assert not verdict, hint
        assert hint in verdict.message
        assert "0.64" not in verdict.message


def _first_and_second(f, x0):
    x = Tensor(x0, requires_grad=True)
    (d1,) = autograd.grad(f(x), x, create_graph=True)
    (d2,) = autograd.grad(d1, x)
    return d1.item(), float(d2)


def _newton(f, x0, steps=None, tol=None):
    path = [x0]
    while len(path) <= 100:
        if steps is not None and len(path) > steps:
            break
        if tol is not None and abs(path[-1] - math.log(2)) < tol:
            break
        d1, d2 = _first_and_second(f, path[-1])
        path.append(path[-1] - d1 / d2)
    return path


def test_exercise3_right_and_wrong():
    iterations = len(_newton(lambda t: t.exp() - 2 * t, 5.0, tol=1e-10)) - 1
    iterates = _newton(lambda t: (1 + t * t).sqrt(), 1.5, steps=3)[1:]
    assert check.exercise3(iterations, iterates)
    assert np.allclose(iterates, [-(1.5**3), 1.5**9, -(1.5**27)])
    for answer, hint in [
        ((6, iterates), "the notebook's start, x = 2"),
        ((iterations + 1, iterates), "not the points"),
        ((iterations + 3, iterates), "iterations is not right yet"),
        ((iterations, [1.5, *iterates[:2]]), "begin with x1"),
        ((iterations, [6.375, 6.375 * 2 + 6.375**3, 0.0]), "iterates is not right yet"),
        ((iterations, [-1 / 1.5, 1.5, -1 / 1.5]), "root-finding on f itself"),
        ((iterations, iterates[:2]), "shape (3,)"),
    ]:
        verdict = check.exercise3(*answer)
        assert not verdict, hint
        assert hint in verdict.message
        assert "-3.375" not in verdict.message


def test_exercise3_knows_the_usual_wrong_steps():
    def path(step):
        xs = [1.5]
        for _ in range(3):
            xs.append(step(xs[-1], *_first_and_second(lambda t: (1 + t * t).sqrt(), xs[-1])))
        return xs[1:]

    iterations = len(_newton(lambda t: t.exp() - 2 * t, 5.0, tol=1e-10)) - 1
    for step, hint in [
        (lambda x, d1, d2: x + d1 / d2, "you stepped uphill"),
        (lambda x, d1, d2: x - d2 / d1, "you divided f'' by f'"),
    ]:
        verdict = check.exercise3(iterations, path(step))
        assert not verdict
        assert hint in verdict.message


@pytest.fixture(scope="module")
def xor():
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(np.float64)
    rng = np.random.default_rng(0)
    corner = rng.integers(0, 4, size=80)
    points = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)[corner]
    x = Tensor(points + 0.8 * rng.standard_normal((80, 2)))
    y = Tensor((corner >= 2).astype(np.int64))
    nn.manual_seed(0)
    mlp = nn.MLP([2, 5, 2], activation="tanh")
    opt = SGD(mlp.parameters(), lr=0.5)
    for _ in range(300):
        loss = F.cross_entropy(mlp(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    theta = np.concatenate([p.data.ravel() for p in mlp.parameters()])
    autograd.set_default_dtype(previous)
    return x, y, theta


def _power_iteration(x, y, theta, steps):
    def loss_at(t):
        w1, b1, w2, b2 = t[0:10].reshape(5, 2), t[10:15], t[15:25].reshape(2, 5), t[25:27]
        return F.cross_entropy((x @ w1.T + b1).tanh() @ w2.T + b2, y)

    v = np.random.default_rng(1).standard_normal(27)
    lam = 0.0
    for _ in range(steps):
        v /= np.linalg.norm(v)
        _, hv = autograd.hvp(loss_at, Tensor(theta), Tensor(v))
        lam, v = float(v @ hv.numpy()), hv.numpy()
    return lam, np.linalg.eigvalsh(autograd.hessian(loss_at, Tensor(theta)).numpy())


def test_exercise4_right_and_wrong(xor):
    x, y, theta = xor
    lam, eigenvalues = _power_iteration(x, y, theta, steps=300)
    assert check.exercise4(lam, theta)
    assert check.exercise4(lam, Tensor(theta))
    rough, _ = _power_iteration(x, y, theta, steps=2)
    for answer, hint in [
        ((eigenvalues[0], theta), "the smallest eigenvalue"),
        ((lam * 1.05, theta), "not converged yet"),
        ((lam * 3, theta), "lam_max is not right yet"),
        ((lam, theta[:26]), "shape (27,)"),
        (("big", theta), "lam_max should be one number"),
    ]:
        verdict = check.exercise4(*answer)
        assert not verdict, hint
        assert hint in verdict.message
    assert not check.exercise4(rough, theta)


def _penalty(model, x, y):
    x = Tensor(x.numpy(), requires_grad=True)
    total = F.cross_entropy(model(x), y, reduction="sum")
    (gx,) = autograd.grad(total, x, create_graph=True)
    return (gx * gx).sum() / x.shape[0]


def _mean_loss(model, x, y):
    x = Tensor(x.numpy(), requires_grad=True)
    (gx,) = autograd.grad(F.cross_entropy(model(x), y), x, create_graph=True)
    return (gx * gx).sum() / x.shape[0]


def _summed(model, x, y):
    return _penalty(model, x, y) * x.shape[0]


def _with_loss(model, x, y):
    return _penalty(model, x, y) + F.cross_entropy(model(x), y)


def _not_recorded(model, x, y):
    x = Tensor(x.numpy(), requires_grad=True)
    (gx,) = autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x)
    return Tensor((gx * gx).sum() / x.shape[0])


def _as_number(model, x, y):
    return _penalty(model, x, y).item()


def _norms(model, x, y):
    x = Tensor(x.numpy(), requires_grad=True)
    (gx,) = autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x, create_graph=True)
    return ((gx * gx).sum(axis=1) ** 0.5).sum() / x.shape[0]


def _half_detached(model, x, y):
    p = _penalty(model, x, y)
    return 0.5 * p + 0.5 * Tensor(p.numpy())


def _raises(model, x, y):
    raise ValueError("not written yet")


@pytest.mark.parametrize(
    ("penalty", "hint"),
    [
        (_mean_loss, "N times too small"),
        (_summed, "you summed over the examples"),
        (_with_loss, "without the cross-entropy"),
        (_not_recorded, "nothing is recorded"),
        (_as_number, "nothing is recorded"),
        (_norms, "penalty is not right yet"),
        (_half_detached, "is part of it detached"),
        (_raises, "raised ValueError: not written yet"),
        (3.0, "should be a function"),
    ],
)
def test_exercise5_mistakes(penalty, hint):
    verdict = check.exercise5(penalty)
    assert not verdict
    assert hint in verdict.message


def test_exercise5_right_and_leaves_the_dtype_alone():
    assert check.exercise5(_penalty)
    autograd.set_default_dtype(np.float32)
    assert check.exercise5(_penalty)
    assert autograd.get_default_dtype() == np.float32
