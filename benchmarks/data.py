"""Shared inputs and initial weights, generated once with numpy so every engine starts equal.

Each function builds its arrays from ``numpy.random.default_rng(0)``; the workload modules
convert the arrays to each engine's own types. Arrays are float32 (labels int64), the dtype
the tensor engines compute in; micrograd gets the same values as Python floats.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

SEED = 0

# scalar_chain: x <- relu(x * A + B), LINKS times; x stays positive, rising towards
# B / (1 - A) = 1. A and B are powers of two away from 1 and 0, exact in float32 and float64,
# so micrograd (float64) and the float32 engines start from identical values.
CHAIN_X0 = 0.5
CHAIN_A = 1.0 - 2.0**-13  # 0.9998779296875
CHAIN_B = 2.0**-13  # 0.0001220703125
CHAIN_LINKS = 33_333  # 3 ops per link: ~100k ops


@dataclass(frozen=True)
class Layer:
    """One dense layer in PyTorch layout: ``y = x @ weight.T + bias``."""

    weight: np.ndarray  # (out, in)
    bias: np.ndarray  # (out,)


@dataclass(frozen=True)
class Problem:
    """A supervised batch and the initial weights of the MLP that fits it."""

    x: np.ndarray
    y: np.ndarray
    layers: tuple[Layer, ...]


def two_moons(rng: np.random.Generator, n: int = 100, noise: float = 0.1) -> tuple:
    """Two interleaved half circles with Gaussian noise; labels -1 (upper) and +1 (lower)."""
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    x = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([-np.ones(n_upper), np.ones(n_lower)])
    return x.astype(np.float32), y.astype(np.float32)


def moons_problem() -> Problem:
    """micrograd's demo: 100 moons points, MLP 2-16-16-1 with micrograd's initialisation
    (weights uniform in [-1, 1], biases 0)."""
    rng = np.random.default_rng(SEED)
    x, y = two_moons(rng)
    sizes = (2, 16, 16, 1)
    layers = tuple(
        Layer(
            weight=rng.uniform(-1.0, 1.0, (n_out, n_in)).astype(np.float32),
            bias=np.zeros(n_out, dtype=np.float32),
        )
        for n_in, n_out in itertools.pairwise(sizes)
    )
    return Problem(x, y, layers)


def mnist_like_problem(batch: int = 128) -> Problem:
    """A batch shaped like MNIST (pixels uniform in [0, 1), 10 classes) and an MLP
    784-256-128-10 initialised like PyTorch's nn.Linear (uniform in ±1/sqrt(fan_in))."""
    rng = np.random.default_rng(SEED)
    x = rng.random((batch, 784), dtype=np.float32)
    y = rng.integers(0, 10, batch, dtype=np.int64)
    sizes = (784, 256, 128, 10)
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        bound = 1.0 / np.sqrt(n_in)
        weight = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        bias = rng.uniform(-bound, bound, n_out).astype(np.float32)
        layers.append(Layer(weight, bias))
    return Problem(x, y, tuple(layers))
