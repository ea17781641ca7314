"""Softmax and log-softmax along an axis, computed stably (the row maximum is subtracted)."""

from __future__ import annotations

import numpy as np

from autograd.function import Function
from autograd.tensor import Tensor

_SAMPLES = [((1,), -1), ((4,), 0), ((2, 3), -1), ((3, 2), 0), ((2, 3, 4), 1)]


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, *, axis=-1):
        ctx.axis = axis
        out = np.exp(_log_softmax(x, axis))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        # d/dx_j of s_i: s_i (δ_ij - s_j), so the VJP is s ⊙ (g - Σ_k g_k s_k)
        return s * (grad - (grad * s).sum(axis=ctx.axis, keepdims=True))

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return out * (grad - (grad * out).sum(axis=ctx.axis, keepdims=True))

    @staticmethod
    def sample_inputs(rng):
        for shape, axis in _SAMPLES:
            yield (rng.standard_normal(shape),), {"axis": axis}


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, *, axis=-1):
        ctx.axis = axis
        out = _log_softmax(x, axis)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # d/dx_j of log s_i: δ_ij - s_j, so the VJP is g - s · Σ_k g_k
        return grad - np.exp(out) * grad.sum(axis=ctx.axis, keepdims=True)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return grad - out.exp() * grad.sum(axis=ctx.axis, keepdims=True)

    @staticmethod
    def sample_inputs(rng):
        for shape, axis in _SAMPLES:
            yield (rng.standard_normal(shape),), {"axis": axis}


def softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """exp(x) / Σ exp(x) along ``axis`` (``dim``: PyTorch's name); stable for any magnitude
    of x. Same shape as x."""
    return Softmax.apply(x, axis=_axis("softmax", axis, dim))


def log_softmax(x: Tensor, axis: int = -1, *, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along ``axis`` (``dim``: PyTorch's name), computed as
    x - max - log Σ exp(x - max)."""
    return LogSoftmax.apply(x, axis=_axis("log_softmax", axis, dim))


def _axis(op: str, axis: int, dim: int | None) -> int:
    if dim is None:
        return axis
    if axis != -1 and axis != dim:
        raise TypeError(f"{op}: got axis={axis} and dim={dim}; pass one of them")
    return dim
