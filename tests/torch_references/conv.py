"""PyTorch counterparts of the convolution and pooling ops (NCHW)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def references(torch: Any) -> dict[str, Callable[..., Any]]:
    functional = torch.nn.functional

    def conv2d(x, w, b=None, stride=1, padding=0):
        return functional.conv2d(x, w, b, stride=stride, padding=padding)

    def max_pool2d(x, kernel_size, stride=None):
        return functional.max_pool2d(x, kernel_size, stride=stride)

    def avg_pool2d(x, kernel_size, stride=None):
        return functional.avg_pool2d(x, kernel_size, stride=stride)

    return {"conv2d": conv2d, "max_pool2d": max_pool2d, "avg_pool2d": avg_pool2d}
