"""``linear`` (x Wᵀ + b, from recorded ops) and ``one_hot`` (integer codes, no graph), as
``torch.nn.functional``'s."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.ops.matmul import matmul
from autograd.tensor import Tensor, lift, wrap


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b: x (..., in), weight (out, in) or (in,), bias (out,) or 0-d, as
    ``torch.nn.functional.linear`` (recorded as a transpose, a matmul and an add)."""
    x, weight = lift(x), lift(weight, x)
    if weight.ndim not in (1, 2):
        raise ValueError(f"linear: weight must be 1-D or 2-D (out, in), got shape {weight.shape}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape} "
            f"(the input's last axis must have {weight.shape[-1]} features)"
        )
    y = matmul(x, weight.T if weight.ndim == 2 else weight)
    if bias is None:
        return y
    bias = lift(bias, x)
    fits = ((), (weight.shape[0],)) if weight.ndim == 2 else ((),)
    if bias.shape not in fits:
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape} "
            f"(expected shape {' or '.join(map(str, fits))})"
        )
    return y + bias


def one_hot(indices: Any, num_classes: int = -1) -> Tensor:
    """int64 codes of shape (*indices.shape, num_classes) with a 1 at each index, as
    ``torch.nn.functional.one_hot`` (``num_classes=-1``: the largest index + 1). No graph."""
    data = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {data.dtype}")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int | np.integer):
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}")
    if data.size and data.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {data.min()}")
    if num_classes == -1:
        if not data.size:
            raise ValueError("one_hot: cannot infer num_classes from empty indices; give it")
        num_classes = int(data.max()) + 1
    elif num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be -1 or non-negative, got {num_classes}")
    elif data.size and data.max() >= num_classes:
        raise ValueError(
            f"one_hot: class value {data.max()} is out of range for num_classes={num_classes}"
        )
    codes = np.zeros((*data.shape, int(num_classes)), dtype=np.int64)
    np.put_along_axis(codes, data[..., None].astype(np.int64), 1, axis=-1)
    return wrap(codes)
