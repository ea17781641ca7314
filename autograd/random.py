"""The one seedable generator behind every random draw tracegrad makes for you: dropout masks
(`autograd.functional.dropout` without ``rng=``) and, through `nn.init`, initial weights.

``autograd.manual_seed(s)`` (or ``nn.manual_seed(s)``, the same call) makes them all
reproducible, as ``torch.manual_seed`` does.
"""

from __future__ import annotations

import numpy as np

_GENERATOR = [np.random.default_rng()]


def manual_seed(seed: int) -> None:
    """Replace the default generator by one seeded with ``seed``."""
    _GENERATOR[0] = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The default generator: dropout masks and (through `nn.init`) initial weights."""
    return _GENERATOR[0]
