"""Notebook 02's checkers accept what the engine computes and reject typical mistakes with
a hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest

import autograd.functional as F
import nn
from autograd import Tensor
from nn.data import DataLoader, load_digits, train_test_split
from nn.optim import Adam
from nn.training import fit
from tracegrad.exercises import notebook02 as check


def _deeper():
    net = nn.MLP([64, 64, 32, 10], activation="relu")
    shapes = [p.shape for name, p in net.named_parameters() if name.endswith("weight")]
    counts = [sum(p.size for p in m.parameters()) for m in net if isinstance(m, nn.Linear)]
    return shapes, counts


def test_deeper_mlp():
    shapes, counts = _deeper()
    assert check.exercise1(shapes, counts)
    assert check.exercise1([list(s) for s in shapes], np.array(counts))


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda s, c: ([t[::-1] for t in s], c), "transposed: nn.Linear stores W as (out, in)"),
        (lambda s, c: (s[:2], c), "three weights"),
        (lambda s, c: (s, [a * b for a, b in s]), "count only the weights"),
        (lambda s, c: (s, [a * b + b for a, b in s]), "one bias per neuron (output)"),
        (lambda s, c: ([(64, 64), (32, 64), (32, 10)], c), "not all shapes are right"),
        (lambda s, c: (s, [c[0], c[1], c[2] + 1]), "not all counts are right"),
        (lambda s, c: ("64x64", c), "(rows, columns) pairs"),
        (lambda s, c: ([64, 32, 10], c), "(rows, columns) pair"),
        (lambda s, c: (s, c[:2]), "shape (3,)"),
    ],
)
def test_deeper_mlp_mistakes(mistake, hint):
    verdict = check.exercise1(*mistake(*_deeper()))
    assert not verdict
    assert hint in verdict.message
    assert "4160" not in verdict.message


def _grads(derivative, *, outer=np.outer, use_u=True):
    def layer_grads(W, b, U, x):
        z = W @ x + b
        delta = (U if use_u else 1.0) * derivative(z)
        return outer(delta, x), delta

    return layer_grads


def test_tanh_gradient_right():
    assert check.exercise2(_grads(lambda z: 1 - np.tanh(z) ** 2))

    def with_the_engine(W, b, U, x):
        Wt, bt = Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)
        (Tensor(U) * (Wt @ Tensor(x) + bt).tanh()).sum().backward()
        return Wt.grad, bt.grad

    assert check.exercise2(with_the_engine)


def _sigmoid(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


@pytest.mark.parametrize(
    ("layer_grads", "hint"),
    [
        (_grads(_sigmoid), "sigmoid's local gradient"),
        (_grads(lambda z: 1 - np.tanh(z)), "square tanh(z)"),
        (_grads(np.tanh), "the value, instead of its derivative"),
        (_grads(np.ones_like), "needs f'(z_i) too"),
        (_grads(lambda z: 1 - np.tanh(z) ** 2, use_u=False), "multiply by U_i"),
        (_grads(lambda z: 1 - np.tanh(z) ** 2, outer=lambda d, x: np.outer(x, d)), "transposed"),
        (_grads(lambda z: -(1 - np.tanh(z) ** 2)), "not right yet"),
        (lambda W, b, U, x: W, "two arrays, (dW, db)"),
        (lambda W, b, U, x: "dW, db", "two arrays, (dW, db)"),
        (lambda W, b, U, x: (W[:2], b), "dW should have shape (3, 4)"),
        (lambda W, b: (W, b), "layer_grads raised TypeError"),
        ("layer_grads", "should be a function"),
    ],
)
def test_tanh_gradient_mistakes(layer_grads, hint):
    verdict = check.exercise2(layer_grads)
    assert not verdict
    assert hint in verdict.message


@pytest.fixture(scope="module")
def sigmoid_run():
    images, labels = load_digits()
    (x_tr, y_tr), _ = train_test_split(images, labels, test_fraction=0.2, seed=0, stratify=labels)
    nn.manual_seed(0)
    model = nn.MLP([64, 64, 10], activation="sigmoid")
    train = DataLoader(
        (x_tr, y_tr), batch_size=64, shuffle=True, generator=np.random.default_rng(0)
    )
    test = DataLoader(_held_out(), batch_size=512)
    history = fit(model, Adam(model.parameters(), lr=3e-3), train, test, epochs=20, progress=False)
    return model, history


def _held_out():
    images, labels = load_digits()
    return train_test_split(images, labels, test_fraction=0.2, seed=0, stratify=labels)[1]


def _max_local():
    z = Tensor(np.linspace(-6.0, 6.0, 1201), requires_grad=True)
    z.sigmoid().sum().backward()
    return z.grad.max()


def test_sigmoid_mlp_right(sigmoid_run):
    model, history = sigmoid_run
    assert check.exercise3(model, history, _max_local())


def test_sigmoid_mlp_mistakes(sigmoid_run):
    model, history = sigmoid_run
    untrained = nn.MLP([64, 64, 10], activation="sigmoid")
    cases = [
        (nn.MLP([64, 64, 10], activation="relu"), history, 0.25, "that model uses ReLU"),
        (nn.MLP([64, 32, 10], activation="sigmoid"), history, 0.25, "build the notebook's model"),
        ("model", history, 0.25, "the nn.MLP you trained"),
        (model, {"test acc": history["test acc"][:5]}, 0.25, "train for the same 20 epochs"),
        (model, [0.9] * 20, 0.25, "what fit returned"),
        (untrained, history, 0.25, "has not been trained yet"),
        (model, {"test acc": [0.5] * 20}, 0.25, "that history is not this model's"),
        (model, history, 0.5, "σ(0), the sigmoid's value"),
        (model, history, 1.0, "ReLU's local gradient"),
        (model, history, -0.25, "has the wrong sign"),
        (model, history, 0.125, "off by a factor of two"),
        (model, history, "1/4", "should be one number"),
    ]
    for m, h, local, hint in cases:
        verdict = check.exercise3(m, h, local)
        assert not verdict, hint
        assert hint in verdict.message
        assert "0.25" not in verdict.message


def _ce(logits, label):
    z = Tensor(np.array([logits]), requires_grad=True)
    F.cross_entropy(z, Tensor(np.array([label]))).backward()
    return z.grad[0]


def test_softmax_label_one_right():
    grads, large = _ce([2.0, 1.0, 0.1], 1), _ce([8.0, 1.0, 0.1], 1)
    assert check.exercise4(grads, large)
    assert check.exercise4(list(grads), Tensor(large))


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda g, big: (-g, big), "grads has the wrong sign"),
        (lambda g, big: (g + np.eye(3)[1], big), "that is p; subtract"),
        (lambda g, big: (_ce([2.0, 1.0, 0.1], 0), big), "grads is for label 0"),
        (lambda g, big: (g / 3, big), "off by a factor of 3"),
        (lambda g, big: (g, g), "the first answer again"),
        (lambda g, big: (g, _ce([8.0, 1.0, 0.1], 0)), "grads_large is for label 0"),
        (lambda g, big: (g, -big), "grads_large has the wrong sign"),
        (lambda g, big: (g, big + np.eye(3)[1]), "grads_large: that is p"),
        (lambda g, big: (g, [0.5, -0.5, 0.0]), "grads_large is not right yet"),
        (lambda g, big: (g[:2], big), "grads should have shape (3,)"),
        (lambda g, big: ("p - y", big), "grads should be numbers of shape (3,)"),
    ],
)
def test_softmax_label_one_mistakes(mistake, hint):
    verdict = check.exercise4(*mistake(_ce([2.0, 1.0, 0.1], 1), _ce([8.0, 1.0, 0.1], 1)))
    assert not verdict
    assert hint in verdict.message
    assert "0.659" not in verdict.message
