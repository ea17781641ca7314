"""Notebook 09's checkers accept what the engine computes and reject typical mistakes with
a hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn.optim import SGD, Adam
from tracegrad.exercises import notebook09 as check


def _descend(make_optimizer, budget=1000):
    # the notebook's descend on the quadratic: the path and the steps to within 1e-3
    p = Tensor(np.array([-4.0, 1.5]), requires_grad=True)
    optimizer = make_optimizer([p])
    path = [p.numpy().copy()]
    for step in range(1, budget + 1):
        optimizer.zero_grad()
        (0.5 * (p[0] ** 2 + 25 * p[1] ** 2)).backward()
        optimizer.step()
        path.append(p.numpy().copy())
        if np.linalg.norm(path[-1]) < 1e-3:
            return np.array(path), step
    return np.array(path), None


def _probe(init, activation):
    # the notebook's probe: each layer's activations and their gradients
    rng = np.random.default_rng(0)
    h = Tensor(rng.standard_normal((500, 256)).astype(np.float32))
    upstream = Tensor(rng.standard_normal((500, 256)).astype(np.float32))
    nn.manual_seed(0)
    layers = [nn.Linear(256, 256) for _ in range(10)]
    acts = []
    for layer in layers:
        init(layer.weight)
        nn.init.zeros_(layer.bias)
        h = getattr(layer(h), activation)()
        acts.append(h)
    grads = autograd.grad((h * upstream).sum(), acts)
    return [a.numpy() for a in acts], [np.asarray(g) for g in grads]


def _orthogonal(weight):
    return nn.init.orthogonal_(weight, gain=nn.init.calculate_gain("relu"))


@pytest.fixture(scope="module")
def adam():
    path, steps = _descend(lambda ps: Adam(ps, lr=0.035))
    return steps, path[1] - path[0]


@pytest.fixture(scope="module")
def orthogonal():
    acts, grads = _probe(_orthogonal, "relu")
    return [a.std() for a in acts], [g.std() for g in grads]


@pytest.fixture(scope="module")
def sigmoid():
    acts, grads = _probe(nn.init.xavier_normal_, "sigmoid")
    return [a.mean() for a in acts], [g.std() for g in grads], [a.std() for a in acts]


def _dropout():
    layer = nn.Dropout(0.25)
    ones = Tensor(np.ones((1000, 256), dtype=np.float32))
    out = layer(ones).numpy()
    layer.eval()
    return float((out == 0).mean()), float(out.max()), float(layer(ones).numpy().mean())


def test_the_engine_answers_are_right(adam, orthogonal, sigmoid):
    assert check.exercise1(*adam)
    path, _ = _descend(lambda ps: SGD(ps, lr=0.09), budget=2)
    assert check.exercise2(2 / 25, path[2, 1] / path[1, 1])
    assert check.exercise2(0.0797, -1.25)  # found by experiment, within the 1,000 steps
    assert check.exercise3(*orthogonal)
    assert check.exercise4(*sigmoid[:2])
    assert check.exercise5(*_dropout())


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda n, s: (132, s), "the notebook's Adam learning rate"),
        (lambda n, s: (n + 1, s), "count the steps, not the points"),
        (lambda n, s: (n + 40, s), "steps is not right yet"),
        (lambda n, s: (n, [0.14, -1.3125]), "plain gradient descent's step"),
        (lambda n, s: (n, -s), "the step has the wrong sign"),
        (lambda n, s: (n, s * 0.3 / 0.035), "first step at the notebook's Adam"),
        (lambda n, s: (n, [0.1, 0.2, 0.3]), "shape (2,)"),
        (lambda n, s: ("many", s), "steps should be one number"),
    ],
)
def test_adam_mistakes(adam, mistake, hint):
    verdict = check.exercise1(*mistake(*adam))
    assert not verdict
    assert hint in verdict.message
    assert str(adam[0]) not in verdict.message


@pytest.mark.parametrize(
    ("lr_max", "factor", "hint"),
    [
        (0.04, -1.25, "1/25 is the rate that removes y's error"),
        (2.0, -1.25, "the flat direction x's limit"),
        (0.16, -1.25, "lr_max is off by a factor of two"),
        (-0.08, -1.25, "lr_max has the wrong sign"),
        (0.08, 1.25, "the sign is not"),
        (0.08, 0.91, "that is x's factor"),
        (0.08, -1.0, "the factor at the limit itself"),
        (0.08, -2.0, "factor is not right yet"),
        (0.08, [1, 2], "factor should be one number"),
    ],
)
def test_sgd_limit_mistakes(lr_max, factor, hint):
    verdict = check.exercise2(lr_max, factor)
    assert not verdict
    assert hint in verdict.message
    assert "0.08" not in verdict.message
    assert "1.25" not in verdict.message


def test_orthogonal_mistakes(orthogonal):
    acts, grads = orthogonal
    mistakes = [
        (_probe(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), "relu"), "He's rows"),
        (_probe(nn.init.orthogonal_, "relu"), "ReLU drops half of the variance"),
        (_probe(lambda w: nn.init.orthogonal_(w, gain=5 / 3), "relu"), "that is tanh's gain"),
    ]
    for (a, g), hint in mistakes:
        verdict = check.exercise3([v.std() for v in a], [v.std() for v in g])
        assert not verdict
        assert hint in verdict.message
    for answer, hint in [
        ((grads, acts), "you swapped them"),
        ((acts, grads[::-1]), "listed from layer 10 back"),
        ((acts, grads[:9]), "shape (10,)"),
        (("steady", grads), "numbers of shape (10,)"),
    ]:
        verdict = check.exercise3(*answer)
        assert not verdict
        assert hint in verdict.message


def test_sigmoid_mistakes(sigmoid):
    means, grads, stds = sigmoid
    tanh_acts, tanh_grads = _probe(nn.init.xavier_normal_, "tanh")
    for answer, hint in [
        ((stds, grads), "those are standard deviations"),
        (([a.mean() for a in tanh_acts], grads), "centred on 0, as tanh's are"),
        (([m - 0.5 for m in means], grads), "what is σ(0)?"),
        ((means, [g.std() for g in tanh_grads]), "those are tanh's gradients"),
        ((means, grads[::-1]), "listed from layer 10 back"),
        ((means, [-g for g in grads]), "a standard deviation is positive"),
        ((means, np.array(grads) * 10), "grad_stds is not right yet"),
        ((means[0], grads), "shape (10,)"),
    ]:
        verdict = check.exercise4(*answer)
        assert not verdict, hint
        assert hint in verdict.message
        assert "0.5" not in verdict.message


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ((0.75, 4 / 3, 1.0), "that is the fraction kept"),
        ((256_000 / 4, 4 / 3, 1.0), "zeroed is a fraction"),
        ((0.0, 4 / 3, 1.0), "zeroed is not right yet"),
        ((0.25, 1.0, 1.0), "a survivor is not left as it was"),
        ((0.25, 0.75, 1.0), "the 2014 paper's test-time rule"),
        ((0.25, 4.0, 1.0), "that divides by p"),
        ((0.25, 1.25, 1.0), "kept_value is not right yet"),
        ((0.25, 4 / 3, 0.75), "eval mode does not scale the output down"),
        ((0.25, 4 / 3, 1.004), "a training-mode one"),
        ((0.25, 4 / 3, "one"), "eval_mean should be one number"),
    ],
)
def test_dropout_mistakes(answer, hint):
    verdict = check.exercise5(*answer)
    assert not verdict
    assert hint in verdict.message
    assert "4/3" not in verdict.message
    assert "1.33" not in verdict.message
