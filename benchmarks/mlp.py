"""The dense MLPs of the benchmarks, as a user writes them in each engine.

tracegrad's side is ``nn.MLP(sizes, activation=...)``; PyTorch's is `torch_mlp`, a
``torch.nn.Sequential`` of ``Linear`` and activation modules numbered like ``nn.MLP`` (Linear
at 0, 2, 4, ...), so one state dict (`state_dict`, from the shared initial weights of
`benchmarks.data`) loads into both. `make_params` gives the same weights as a flat list of
plain tensors, for the workloads that differentiate a function of the parameters
(``hvp_mlp``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from benchmarks.data import Problem


def sizes_of(problem: Problem) -> list[int]:
    """``[in, hidden..., out]`` of the problem's layers."""
    return [problem.layers[0].weight.shape[1], *(layer.weight.shape[0] for layer in problem.layers)]


def state_dict(problem: Problem) -> dict[str, np.ndarray]:
    """The initial weights under ``nn.MLP``'s (and `torch_mlp`'s) state-dict names.

    The arrays are the shared ones: loading copies them, so training never changes them.
    """
    out = {}
    for i, layer in enumerate(problem.layers):
        out[f"{2 * i}.weight"] = layer.weight
        out[f"{2 * i}.bias"] = layer.bias
    return out


def tracegrad_mlp(problem: Problem, activation: str = "relu") -> Any:
    """``nn.MLP(sizes, activation=...)`` holding the problem's initial weights."""
    import nn

    model = nn.MLP(sizes_of(problem), activation=activation)
    model.load_state_dict(state_dict(problem))
    return model


def torch_mlp(sizes: Sequence[int], activation: str = "relu") -> Any:
    """``nn.MLP``'s twin in PyTorch: Linear, activation, ..., Linear in a ``Sequential``,
    flattening an image batch first as ``nn.MLP`` does (PyTorch's own initialisation)."""
    import torch
    from torch import nn as tnn

    act = {"relu": tnn.ReLU, "tanh": tnn.Tanh, "sigmoid": tnn.Sigmoid}[activation]

    class MLP(tnn.Sequential):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if x.ndim > 2:
                x = x.flatten(1)
            return super().forward(x)

    layers: list[Any] = []
    for k in range(len(sizes) - 1):
        layers.append(tnn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            layers.append(act())
    return MLP(*layers)


def torch_mlp_of(problem: Problem, activation: str = "relu") -> Any:
    """`torch_mlp` holding the problem's initial weights."""
    import torch

    model = torch_mlp(sizes_of(problem), activation)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict(problem).items()})
    return model


def make_params(problem: Problem, make: Callable[[np.ndarray], Any]) -> list[Any]:
    """``[w1, b1, w2, b2, ...]``, each made by ``make`` from a private copy of the shared
    initial array (training updates it in place, and later setups must see the original)."""
    params = []
    for layer in problem.layers:
        params += [make(layer.weight.copy()), make(layer.bias.copy())]
    return params


def squared_sum(params: list[Any]) -> Any:
    """Sum of the squares of every parameter entry (L2 regularisation), as one scalar."""
    total = (params[0] * params[0]).sum()
    for p in params[1:]:
        total = total + (p * p).sum()
    return total
