"""PyTorch counterparts of the ops added for PyTorch's names: min, prod, norm, clone, sign,
erf, leaky_relu, gelu and pad."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def references(torch: Any) -> dict[str, Callable[..., Any]]:
    F = torch.nn.functional

    def reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(a, axis=None, keepdims=False):
            if axis is None:
                axis = tuple(range(a.ndim))
            return fn(a, dim=axis, keepdim=keepdims) if a.ndim else fn(a)

        return call

    def prod(a, axis=None, keepdims=False):
        if axis is None:
            out = torch.prod(a)
            return out.reshape((1,) * a.ndim) if keepdims else out
        return torch.prod(a, dim=axis, keepdim=keepdims)

    def norm(a, axis=None, keepdims=False):
        if a.ndim == 0:
            return torch.linalg.vector_norm(a)
        return torch.linalg.vector_norm(a, 2, dim=axis, keepdim=keepdims)

    def sign(a):
        # torch.sign's zero gradient is a constant (not recorded), which leaves the generic
        # second-order check nothing to differentiate; 0·a records the same zero gradient
        return torch.sign(a) + 0 * a

    return {
        "min": reduce(torch.amin),
        "prod": prod,
        "norm": norm,
        "clone": lambda a: a.clone(),
        "sign": sign,
        "erf": torch.erf,
        "leaky_relu": lambda a, negative_slope=0.01: F.leaky_relu(a, negative_slope),
        "gelu": lambda a, approximate="none": F.gelu(a, approximate=approximate),
        "pad": lambda a, pad, value=0.0: F.pad(a, pad, value=value),
    }
