"""Weight initialisation with PyTorch's default schemes, from one seedable generator.

``nn.manual_seed(s)`` makes every layer created afterwards reproducible, and the dropout
masks drawn afterwards (`Dropout`, `Dropout2d`, the recurrent layers' inter-layer dropout).
"""

from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import get_default_dtype


def manual_seed(seed: int) -> None:
    """Seed the generator layers draw their initial weights and dropout masks from (the one
    `autograd.manual_seed` seeds: also `autograd.functional.dropout`'s)."""
    autograd.manual_seed(seed)


def generator() -> np.random.Generator:
    """The generator layers draw their initial weights and dropout masks from."""
    return autograd.generator()


def uniform(shape: tuple[int, ...], bound: float) -> np.ndarray:
    """U(-bound, bound) in the default float dtype."""
    return generator().uniform(-bound, bound, size=shape).astype(get_default_dtype())


def normal(shape: tuple[int, ...], std: float = 1.0) -> np.ndarray:
    """N(0, std²) in the default float dtype."""
    return (generator().standard_normal(size=shape) * std).astype(get_default_dtype())


def fan_in_bound(fan_in: int) -> float:
    """1/√fan_in: PyTorch's bound for Linear/Conv biases and (via kaiming_uniform with
    a=√5) for their weights too."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
