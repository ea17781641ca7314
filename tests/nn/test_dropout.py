"""Dropout, Dropout2d and the recurrent layers' inter-layer dropout: masks drawn from the
generator ``nn.manual_seed`` seeds (same seed, same masks), p=1 accepted as PyTorch does, and
PyTorch's semantics where they can be compared without equal masks (p=1, eval, 1/(1-p))."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd import Tensor

pytestmark = pytest.mark.usefixtures("float64")


def _outputs(make, x: np.ndarray, seed: int, calls: int = 2) -> list[np.ndarray]:
    """Seed, build a layer with `make`, and return its outputs for `calls` forward passes
    (of a recurrent layer, the output sequence)."""
    nn.manual_seed(seed)
    layer = make()
    outs = [layer(Tensor(x)) for _ in range(calls)]
    return [(y[0] if isinstance(y, tuple) else y).data for y in outs]


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: nn.Dropout(0.5), (40, 30)),
        (lambda: nn.Dropout2d(0.5), (8, 16, 3, 3)),
        (lambda: nn.Sequential(nn.Linear(30, 20), nn.Dropout(0.4), nn.ReLU()), (40, 30)),
        (lambda: nn.LSTM(30, 6, num_layers=3, dropout=0.5), (5, 8, 30)),
    ],
    ids=["Dropout", "Dropout2d", "Sequential", "LSTM"],
)
def test_manual_seed_makes_dropout_masks_reproducible(rng, make, shape):
    x = rng.uniform(1.0, 2.0, shape)  # no zeros of its own
    first = _outputs(make, x, seed=11)
    again = _outputs(make, x, seed=11)
    other = _outputs(make, x, seed=12)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])  # each call draws a new mask
    assert not np.array_equal(first[0], other[0])  # another seed, other masks (and weights)


def test_manual_seed_between_runs_gives_the_same_training_step(rng):
    """The whole run, initial weights and dropout masks, repeats under one seed."""

    def run() -> tuple[np.ndarray, np.ndarray]:
        nn.manual_seed(5)
        net = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))
        y = net(Tensor(x))
        y.sum().backward()
        return y.data, net[0].weight.grad

    x = rng.standard_normal((32, 6))
    (y1, g1), (y2, g2) = run(), run()
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(g1, g2)


def test_a_given_generator_is_used_instead_of_the_seeded_one(rng):
    x = rng.uniform(1.0, 2.0, (50, 20))
    a = nn.Dropout(0.5, rng=np.random.default_rng(3))(Tensor(x)).data
    nn.manual_seed(0)
    b = nn.Dropout(0.5, rng=np.random.default_rng(3))(Tensor(x)).data
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a != 0, np.random.default_rng(3).random(x.shape) >= 0.5)


@pytest.mark.parametrize("layer", [nn.Dropout, nn.Dropout2d])
def test_p1_zeroes_output_and_gradient(rng, layer):
    x = Tensor(rng.standard_normal((3, 4, 5, 5)), requires_grad=True)
    y = layer(1.0)(x)
    np.testing.assert_array_equal(y.data, np.zeros(x.shape))
    y.backward(rng.standard_normal(x.shape))
    np.testing.assert_array_equal(x.grad, np.zeros(x.shape))
    assert not np.isnan(y.data).any()


@pytest.mark.parametrize("layer", ["Dropout", "Dropout2d"])
@pytest.mark.parametrize("p", [-0.1, 1.5, math.nan, "0.5", True, None])
def test_p_outside_0_1_names_the_layer_and_p(layer, p):
    with pytest.raises(ValueError, match=rf"{layer}: p must be in \[0, 1\], got {p!r}"):
        getattr(nn, layer)(p)


@pytest.mark.parametrize("p", [0.0, 0.25, 1.0, 1])
def test_p_at_and_inside_the_bounds_is_accepted(p):
    assert nn.Dropout(p).p == p
    assert nn.Dropout2d(p).p == p


# -- against PyTorch ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["Dropout", "Dropout2d"])
def test_p1_matches_torch(rng, name):
    torch = pytest.importorskip("torch")
    xs = rng.standard_normal((2, 3, 4, 4))
    gs = rng.standard_normal(xs.shape)
    x = Tensor(xs, requires_grad=True)
    getattr(nn, name)(1.0)(x).backward(gs)
    tx = torch.tensor(xs, requires_grad=True)
    getattr(torch.nn, name)(1.0)(tx).backward(torch.tensor(gs))
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    np.testing.assert_array_equal(getattr(nn, name)(1.0)(Tensor(xs)).data, np.zeros(xs.shape))


@pytest.mark.parametrize("name", ["Dropout", "Dropout2d"])
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_eval_is_identity_as_in_torch(rng, name, p):
    torch = pytest.importorskip("torch")
    xs = rng.standard_normal((2, 3, 4, 4))
    ours = getattr(nn, name)(p).eval()(Tensor(xs)).data
    theirs = getattr(torch.nn, name)(p).eval()(torch.tensor(xs)).numpy()
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, xs)


@pytest.mark.parametrize("name", ["Dropout", "Dropout2d"])
@pytest.mark.parametrize("p", [0.2, 0.75])
def test_kept_elements_scale_by_one_over_one_minus_p_as_in_torch(rng, name, p):
    """The masks differ, but the ratio output / input takes the same two values: 0 and
    1/(1-p), and the input gradient is that ratio."""
    torch = pytest.importorskip("torch")
    xs = rng.uniform(1.0, 2.0, (16, 8, 3, 3))
    x = Tensor(xs, requires_grad=True)
    y = getattr(nn, name)(p)(x)
    y.backward(np.ones(xs.shape))
    ours = y.data / xs
    theirs = getattr(torch.nn, name)(p)(torch.tensor(xs)).numpy() / xs
    for ratio in (ours, theirs):
        assert set(np.round(np.unique(ratio), 12)) == {0.0, round(1 / (1 - p), 12)}
    np.testing.assert_allclose(x.grad, ours, rtol=1e-12)
