"""Constant padding of the last axes, as ``torch.nn.functional.pad``: ``pad`` lists
(left, right) for the last axis, then (top, bottom) for the one before, and so on; a negative
entry crops instead."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor


def _widths(pad: tuple[int, ...], ndim: int) -> list[tuple[int, int]]:
    """(before, after) for every axis, first axis first, from PyTorch's last-axis-first list."""
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)]
    return [(0, 0)] * (ndim - len(pairs)) + pairs[::-1]


def pad_array(a: np.ndarray, pad: tuple[int, ...], value: float = 0.0) -> np.ndarray:
    """``a`` cropped where ``pad`` is negative, then padded with ``value`` where positive."""
    if a.ndim == 0:  # nothing to pad (``pad`` is empty)
        return np.array(a, copy=True)
    widths = _widths(pad, a.ndim)
    crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, a.shape))
    grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
    return np.pad(a[crop], grow, mode="constant", constant_values=value)


class Pad(Function):
    """``a`` padded with a constant (cropped where the widths are negative); the gradient is
    the output's gradient padded back the other way (cropped where ``a`` was padded, zeros
    where it was cropped)."""

    @staticmethod
    def forward(ctx, a, *, pad, value=0.0):
        ctx.pad, ctx.value = pad, value
        return pad_array(a, pad, value)

    @staticmethod
    def backward(ctx, grad):
        # d/da: 1 at each element kept, read back where it went; 0 where it was cropped
        return pad_array(grad, tuple(-p for p in ctx.pad))

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return Pad.apply(grad, pad=tuple(-p for p in ctx.pad), value=0.0)

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal(()),), {"pad": ()}
        yield (rng.standard_normal((1,)),), {"pad": (2, 1), "value": 0.5}
        yield (rng.standard_normal((2, 3)),), {"pad": (1, 0, 0, 2)}
        yield (rng.standard_normal((2, 3, 4)),), {"pad": (1, 1), "value": -1.0}
        yield (rng.standard_normal((2, 4, 5)),), {"pad": (-1, 2, 1, -2)}


def pad(
    x: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """``x`` padded with ``value`` (0 when None) on its last ``len(pad) // 2`` axes, as
    ``torch.nn.functional.pad``: ``pad = (left, right, top, bottom, …)``, last axis first;
    negative widths crop. Only ``mode="constant"``."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    widths = tuple(pad)
    if any(isinstance(p, bool) or not isinstance(p, int | np.integer) for p in widths):
        raise TypeError(f"pad: pad must be a sequence of ints, got {pad!r}")
    widths = tuple(int(p) for p in widths)
    if len(widths) % 2:
        raise ValueError(f"pad: pad must have an even length (pairs per axis), got {widths}")
    if len(widths) // 2 > x.ndim:
        raise ValueError(
            f"pad: {widths} pads {len(widths) // 2} axes, but the input of shape {x.shape} "
            f"has {x.ndim}"
        )
    for (lo, hi), n in zip(_widths(widths, x.ndim), x.shape):
        if n - max(-lo, 0) - max(-hi, 0) < 0:
            raise ValueError(
                f"pad: an axis of size {n} cannot be cropped by ({lo}, {hi}) "
                f"(input shape {x.shape}, pad {widths})"
            )
    return Pad.apply(x, pad=widths, value=0.0 if value is None else float(value))
