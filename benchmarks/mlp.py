"""A dense MLP written once for the two tensor engines, tracegrad and torch.

Both support ``@``, ``.T``, ``+`` with broadcasting and ``.relu()`` with the same meaning, so
one forward function serves both; parameters are created by an engine-specific ``make``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.data import Problem


def make_params(problem: Problem, make: Callable[[np.ndarray], Any]) -> list[Any]:
    """``[w1, b1, w2, b2, ...]``, each made by ``make`` from a private copy of the shared
    initial array (training updates it in place, and later setups must see the original)."""
    params = []
    for layer in problem.layers:
        params += [make(layer.weight.copy()), make(layer.bias.copy())]
    return params


def forward(x: Any, params: list[Any]) -> Any:
    """``x @ w.T + b`` per layer, ReLU after every layer except the last (linear) one."""
    n_layers = len(params) // 2
    h = x
    for i in range(n_layers):
        h = h @ params[2 * i].T + params[2 * i + 1]
        if i < n_layers - 1:
            h = h.relu()
    return h


def squared_sum(params: list[Any]) -> Any:
    """Sum of the squares of every parameter entry (L2 regularisation), as one scalar."""
    total = (params[0] * params[0]).sum()
    for p in params[1:]:
        total = total + (p * p).sum()
    return total
