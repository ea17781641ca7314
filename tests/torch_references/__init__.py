"""PyTorch counterparts of tracegrad's registered ops, one module per op family.

Each module defines ``references(torch) -> dict[op name, callable]``: the callable takes torch
tensors in the op's argument order and the op's attrs as keyword arguments, and returns the
same value as the op. `tests/autograd/test_registry.py` collects them all and checks every
registered op against its counterpart (values and gradients, float64).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any


def collect(torch: Any) -> dict[str, Callable[..., Any]]:
    """All references from every module of this package (an op defined twice is an error)."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(__path__, __name__ + "."):
        module = importlib.import_module(info.name)
        for name, fn in module.references(torch).items():
            if name in found:
                raise ValueError(f"two PyTorch references for {name!r}")
            found[name] = fn
    return found
