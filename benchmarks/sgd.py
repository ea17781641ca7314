"""The plain SGD update every tracegrad workload ends its step with (until ``nn.optim``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def sgd_update(params: Iterable[Any], lr: float) -> None:
    """``p ← p - lr·∇p`` on each tracegrad parameter's data, then clear its gradient."""
    for p in params:
        p.data -= lr * p.grad
        p.grad = None
