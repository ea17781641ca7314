"""Regression losses beside `mse_loss`: ``l1_loss`` and ``smooth_l1_loss`` (Huber with
PyTorch's ``beta``), built from recorded ops so a drawn graph shows each step."""

from __future__ import annotations

from typing import Any

from autograd.ops.elementwise import where
from autograd.ops.loss import _check_reduction, _reduce, _same_shape
from autograd.tensor import Tensor, lift


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean (or sum, or none) of |input - target|; the gradient is 0 where they are equal,
    as PyTorch's."""
    _check_reduction("l1_loss", reduction)
    t = lift(target, input)
    _same_shape("l1_loss", input, t)
    return _reduce((input - t).abs(), reduction)


def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5·d²/beta where |d| < beta, |d| - 0.5·beta elsewhere (d = input - target), as
    ``torch.nn.functional.smooth_l1_loss``; ``beta=0`` is `l1_loss`."""
    _check_reduction("smooth_l1_loss", reduction)
    if isinstance(beta, bool) or not isinstance(beta, int | float) or beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be a non-negative number, got {beta!r}")
    t = lift(target, input)
    _same_shape("smooth_l1_loss", input, t)
    d = input - t
    if beta == 0:
        return _reduce(d.abs(), reduction)
    size = d.abs()
    losses = where(size.data < beta, d * d * (0.5 / beta), size - 0.5 * beta)
    return _reduce(losses, reduction)
