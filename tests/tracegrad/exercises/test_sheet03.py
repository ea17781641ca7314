"""Notebook 03's checkers accept what the engine computes and reject typical mistakes with
a hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, no_grad
from nn.data import DataLoader, load_digits, train_test_split
from nn.optim import Adam, StepLR
from nn.training import fit
from tracegrad.exercises import notebook03 as check


def _split():
    images, labels = load_digits()
    return train_test_split(images, labels, test_fraction=0.2, seed=0, stratify=labels)


def _train(sizes, activation="relu", epochs=40):
    (x_tr, y_tr), (x_te, y_te) = _split()
    nn.manual_seed(0)
    model = nn.Autoencoder(sizes, activation=activation)
    train = DataLoader(
        (x_tr, y_tr), batch_size=64, shuffle=True, generator=np.random.default_rng(0)
    )
    test = DataLoader((x_te, y_te), batch_size=512)
    optimizer = Adam(model.parameters(), lr=3e-3)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.97)
    history = fit(
        model, optimizer, train, test, epochs=epochs, task="reconstruct", progress=False,
        scheduler=scheduler,
    )  # fmt: skip
    return model, history


@pytest.fixture(scope="module")
def wide():
    return _train([64, 32, 8])


@pytest.fixture(scope="module")
def pair():
    """The ReLU and tanh autoencoders, trained briefly (enough to beat the average digit)."""
    return _train([64, 32, 2], epochs=12)[0], _train([64, 32, 2], "tanh", epochs=12)[0]


def test_wider_code_right(wide):
    assert check.exercise1(*wide)


def test_wider_code_mistakes(wide, pair):
    model, history = wide
    cases = [
        (pair[0], history, "the notebook's 2-number code"),
        (nn.Autoencoder([64, 16, 8]), history, "a code of 8 numbers"),
        ("model", history, "should be an nn.Autoencoder"),
        (model, {"test loss": history["test loss"][:12]}, "for 40 epochs"),
        (model, 0.02, "what fit returned"),
        (nn.Autoencoder([64, 32, 8]), history, "no better than drawing the average digit"),
        (model, {"test loss": [0.04] * 40}, "that history is not this model's"),
    ]
    for m, h, hint in cases:
        verdict = check.exercise1(m, h)
        assert not verdict, hint
        assert hint in verdict.message


def _line(spacing=lambda: np.linspace(0, 1, 8), decode=True, mix_codes=True):
    def line(ae, a, b):
        t = spacing().astype(np.float32)[:, None]
        if not mix_codes:
            return (1 - t) * a.reshape(1, -1) + t * b.reshape(1, -1)
        with no_grad():
            codes = ae.encode(Tensor(np.stack([a, b]))).data
            path = (1 - t) * codes[0] + t * codes[1]
            return ae.decode(Tensor(path)).data if decode else path

    return line


def test_walk_right():
    assert check.exercise2(_line())

    def as_images(ae, a, b):
        return Tensor(_line()(ae, a, b).reshape(8, 1, 8, 8))

    assert check.exercise2(as_images)


def test_walk_leaves_the_students_random_numbers_alone():
    nn.manual_seed(7)
    expected = autograd.generator().uniform(size=3)
    nn.manual_seed(7)
    check.exercise2(_line())
    assert np.array_equal(autograd.generator().uniform(size=3), expected)


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        (_line(spacing=lambda: np.linspace(1, 0, 8)), "from b to a"),
        (_line(mix_codes=False), "pixel by pixel"),
        (_line(spacing=lambda: np.linspace(0, 1, 10)[1:-1]), "include both ends"),
        (_line(spacing=lambda: np.arange(8) / 8), "include both ends"),
        (_line(decode=False), "decode them into images"),
        (_line(spacing=lambda: np.linspace(0, 1, 5)), "shape (8, 64)"),
        (_line(spacing=lambda: np.linspace(0, 1, 8) ** 2), "not right yet"),
        (lambda ae, a, b: "images", "as an array"),
        (lambda ae, a: a, "line raised TypeError"),
        ("line", "should be a function"),
    ],
)
def test_walk_mistakes(line, hint):
    verdict = check.exercise2(line)
    assert not verdict
    assert hint in verdict.message


def _fraction(codes, labels):
    distance = ((codes[:, None, :] - codes[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(distance, np.inf)
    return np.mean(labels[distance.argmin(axis=1)] == labels)


def _better(ae, ae_tanh):
    _, (x_te, y_te) = _split()
    with no_grad():
        relu, tanh = (_fraction(m.encode(Tensor(x_te)).data, y_te) for m in (ae, ae_tanh))
    return ("relu", "tanh") if relu > tanh else ("tanh", "relu")


def test_separation_right(pair):
    right, _ = _better(*pair)
    assert check.exercise3(_fraction, *pair, right)
    assert check.exercise3(_fraction, *pair, right.upper())


def _with_self(codes, labels):
    distance = ((codes[:, None, :] - codes[None, :, :]) ** 2).sum(axis=-1)
    return np.mean(labels[distance.argmin(axis=1)] == labels)


def test_separation_mistakes(pair):
    ae, ae_tanh = pair
    right, wrong = _better(ae, ae_tanh)
    cases = [
        (_with_self, ae, ae_tanh, right, "its own nearest neighbour"),
        (lambda c, y: len(y) * _fraction(c, y), ae, ae_tanh, right, "that is a count"),
        (lambda c, y: 1 - _fraction(c, y), ae, ae_tanh, right, "a different label"),
        (lambda c, y: _fraction(c[:, :1], y), ae, ae_tanh, right, "not right yet"),
        (lambda c, y: c, ae, ae_tanh, right, "should be one number"),
        (_fraction, ae_tanh, ae, right, "you swapped the two models"),
        (_fraction, ae, ae, right, 'activation="tanh"'),
        (_fraction, "ae", ae_tanh, right, "ae should be an nn.Autoencoder"),
        (_fraction, ae, nn.Autoencoder([64, 32, 2], "tanh"), right, "average digit"),
        (_fraction, ae, ae_tanh, "sigmoid", 'better should be "relu" or "tanh"'),
        (_fraction, ae, ae_tanh, wrong, "compare the two fractions"),
    ]
    for fraction, a, b, better, hint in cases:
        verdict = check.exercise3(fraction, a, b, better)
        assert not verdict, hint
        assert hint in verdict.message
    verdict = check.exercise3(_fraction, ae, ae_tanh, wrong)
    assert "relu" not in verdict.message.lower()
    assert "tanh" not in verdict.message.lower()
