"""Notebook 01's checkers accept what the engine computes and reject typical mistakes with
a hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import pytest

from autograd import Tensor
from tracegrad.exercises import notebook01 as check


def _example_one():
    x, y, z = (Tensor(v, requires_grad=True) for v in (1.0, 3.0, -2.0))
    f = (x + y) * z
    f.backward()
    return f.item(), x.grad, y.grad, z.grad


def _tanh_neuron():
    leaves = [Tensor(v, requires_grad=True) for v in (2.0, -1.0, -3.0, -2.0, -3.0)]
    w0, x0, w1, x1, w2 = leaves
    out = (w0 * x0 + w1 * x1 + w2).tanh()
    out.backward()
    return out.vjp(1.0)[0], [leaf.grad for leaf in leaves]


def test_the_engine_answers_are_right():
    assert check.exercise1(*_example_one())
    assert check.exercise2(*_tanh_neuron())
    assert check.exercise3(["u*u", "h", "u", "x"], 2)
    assert check.exercise3(["x", "u*u", "h", "u"], 2)


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda f, dx, dy, dz: (f, dx, dy, -2.0), "the other input, q"),  # z's own value
        (lambda f, dx, dy, dz: (f, 1.0, 1.0, dz), "only the local gradient of +"),
        (lambda f, dx, dy, dz: (f, 4.0, 4.0, dz), "upstream is ∂f/∂q = z, not q"),
        (lambda f, dx, dy, dz: (f, -dx, dy, dz), "∂f/∂x has the wrong sign"),
        (lambda f, dx, dy, dz: (f + 1, dx, dy, dz), "compute q = x + y first"),
        (lambda f, dx, dy, dz: (f, dx, dy, 2 * dz), "∂f/∂z is off by a factor of two"),
    ],
)
def test_example_one_mistakes(mistake, hint):
    verdict = check.exercise1(*mistake(*_example_one()))
    assert not verdict
    assert hint in verdict.message
    assert "-8" not in verdict.message
    assert "-2" not in verdict.message


def test_tanh_neuron_mistakes():
    local, grads = _tanh_neuron()
    tanh = 0.7615941559557649
    verdict = check.exercise2(1 - tanh, grads)
    assert not verdict
    assert "square tanh(s)" in verdict.message
    verdict = check.exercise2(0.19661193, grads)
    assert not verdict
    assert "sigmoid's local gradient" in verdict.message
    sigmoid_grads = [g * 0.19661193 / local for g in grads]
    verdict = check.exercise2(local, sigmoid_grads)
    assert not verdict
    assert "sigmoid neuron's gradients" in verdict.message
    flipped = [grads[0], -grads[1], *grads[2:]]
    verdict = check.exercise2(local, flipped)
    assert not verdict
    assert verdict.message == (
        "your gradient for x0 has the wrong sign; the local gradient of × is the other input."
    )
    verdict = check.exercise2(local, grads[:4])
    assert not verdict
    assert "shape (5,)" in verdict.message


@pytest.mark.parametrize(
    ("order", "predicted", "hint"),
    [
        (["h", "u", "u*u", "x"], 2, "the notebook's wrong order"),
        (["h", "u*u", "u", "x"], 26, "that order is safe"),
        (["x", "h", "u*u", "u"], 26, "still gives the right ∂h/∂x"),
        (["u*u", "h", "u", "x"], 26, "run your order in the cell"),
        (["h", "u*u", "u"], 2, "each node once, by name"),
        ("h u*u u x", 2, "each node once, by name"),
    ],
)
def test_wrong_order_mistakes(order, predicted, hint):
    verdict = check.exercise3(order, predicted)
    assert not verdict
    assert hint in verdict.message
