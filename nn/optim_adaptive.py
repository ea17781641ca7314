"""RMSprop and Adagrad: optimizers that divide each step by a running measure of the squared
gradients, with PyTorch's formulas, defaults, options and state names (``square_avg``,
``momentum_buffer``, ``grad_avg``; ``sum``, ``step``). Reachable as ``nn.optim.RMSprop`` and
``nn.optim.Adagrad``."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor
from nn.optim import Optimizer, ParamsT, _effective_grad

__all__ = ["Adagrad", "RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton), as PyTorch: g = ∇ + λ·p;  s = α·s + (1-α)·g²;
    centered: a = α·a + (1-α)·g and d = √(s - a²) + eps, else d = √s + eps;
    momentum μ: b = μ·b + g/d, p = p - lr·b; else p = p - lr·g/d.
    ``maximize`` ascends (∇ → -∇)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        for key in ("alpha", "eps", "weight_decay", "momentum"):
            if group[key] < 0.0:
                raise ValueError(f"RMSprop: invalid {key} value: {group[key]}")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        g = _effective_grad(p, grad, group["weight_decay"], group["maximize"])
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * g
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denom = np.sqrt(square_avg) + group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += g / denom
            p.add_(buf, alpha=-group["lr"])
        else:
            p.add_(g / denom, alpha=-group["lr"])


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as PyTorch: g = ∇ + λ·p;  clr = lr / (1 + (t-1)·lr_decay);
    s = s + g²;  p = p - clr·g / (√s + eps). ``s`` starts at ``initial_accumulator_value``.
    ``maximize`` ascends (∇ → -∇)."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        for key in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            if group[key] < 0.0:
                raise ValueError(f"Adagrad: invalid {key} value: {group[key]}")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        g = _effective_grad(p, grad, group["weight_decay"], group["maximize"])
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += g * g
        p.add_(g / (np.sqrt(total) + group["eps"]), alpha=-clr)
