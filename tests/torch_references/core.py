"""PyTorch counterparts of the core ops: elementwise, reductions, shapes, matmul."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def references(torch: Any) -> dict[str, Callable[..., Any]]:
    def reduce(fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(a, axis=None, keepdims=False):
            if axis is None:
                axis = tuple(range(a.ndim))
            return fn(a, dim=axis, keepdim=keepdims) if a.ndim else fn(a)

        return call

    def index(a, index):
        parts = index if isinstance(index, tuple) else (index,)
        parts = tuple(torch.as_tensor(p) if isinstance(p, np.ndarray) else p for p in parts)
        return a[parts if isinstance(index, tuple) else parts[0]]

    def scatter_add(values, index, shape):
        out = torch.zeros(shape, dtype=values.dtype)
        parts = index if isinstance(index, tuple) else (index,)
        if any(isinstance(p, np.ndarray) for p in parts):
            tensors = tuple(torch.as_tensor(p) for p in parts)
            return out.index_put(tensors, values, accumulate=True)
        out[index] = values
        return out

    def setitem(a, values, index):
        parts = index if isinstance(index, tuple) else (index,)
        parts = tuple(torch.as_tensor(p) if isinstance(p, np.ndarray) else p for p in parts)
        out = a.clone()  # the out-of-place form of a[index] = values (recorded as CopySlices)
        out[parts if isinstance(index, tuple) else parts[0]] = values
        return out

    return {
        "setitem": setitem,
        "cast": lambda a, dtype: a.to(getattr(torch, np.dtype(dtype).name)),
        "broadcast_to": lambda a, shape: torch.broadcast_to(a, shape),
        "scatter_add": scatter_add,
        "add": torch.add,
        "sub": torch.sub,
        "mul": torch.mul,
        "div": torch.div,
        "pow": torch.pow,
        "maximum": torch.maximum,
        "minimum": torch.minimum,
        "where": lambda c, a, b: torch.where(c.bool(), a, b),
        "neg": torch.neg,
        "exp": torch.exp,
        "log": torch.log,
        "tanh": torch.tanh,
        "tanh_backward": torch.ops.aten.tanh_backward,
        "sigmoid_backward": torch.ops.aten.sigmoid_backward,
        "sin": torch.sin,
        "cos": torch.cos,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "clamp": lambda a, min=None, max=None: torch.clamp(a, min=min, max=max),
        "sqrt": torch.sqrt,
        "abs": torch.abs,
        "sum": reduce(torch.sum),
        "mean": reduce(torch.mean),
        "max": reduce(torch.amax),
        "reshape": lambda a, shape: a.reshape(shape),
        "transpose": lambda a, axes=None: a.permute(axes or tuple(range(a.ndim))[::-1]),
        "getitem": index,
        "concatenate": lambda *ts, axis=0: torch.cat(ts, dim=axis),
        "stack": lambda *ts, axis=0: torch.stack(ts, dim=axis),
        "matmul": torch.matmul,
    }
