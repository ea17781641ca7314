"""Loss modules with PyTorch's names and defaults, wrapping `autograd.functional`'s losses.

Each takes ``reduction`` ("mean", "sum" or "none"). PyTorch arguments the functional ops
cannot honour (per-class or per-element ``weight``, ``pos_weight``, the deprecated
``size_average``/``reduce``) raise NotImplementedError instead of being ignored.
"""

from __future__ import annotations

from typing import Any

import autograd.functional as F
from autograd import Tensor
from nn.module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
]

REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    """Checks the arguments shared by every loss; keeps ``reduction``."""

    def __init__(
        self,
        reduction: str = "mean",
        *,
        size_average: Any = None,
        reduce: Any = None,
        **unsupported: Any,
    ):
        super().__init__()
        name = type(self).__name__
        if size_average is not None or reduce is not None:
            raise NotImplementedError(
                f"{name}: size_average and reduce are deprecated in PyTorch and not supported; "
                "pass reduction='mean', 'sum' or 'none'"
            )
        for arg, value in unsupported.items():
            if value is not None:
                raise NotImplementedError(
                    f"{name}: {arg} is not supported (autograd.functional has no {arg}); "
                    f"leave it None"
                )
        if reduction not in REDUCTIONS:
            raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Cross-entropy of softmax(input) over axis 1 against class indices or probabilities.

    input (N, C) / (N, C, *d) / (C,) logits; target (N,) / (N, *d) / () integer classes
    (``ignore_index`` ones not counted, and not in the mean's denominator) or class
    probabilities of input's shape. ``label_smoothing`` ε: q = (1 - ε)·target + ε/C.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ):
        super().__init__(reduction, size_average=size_average, reduce=reduce, weight=weight)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(
                f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}"
            )
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input (N, C, *d) logits, target (N, *d) classes -> the reduced loss."""
        return F.cross_entropy(
            input,
            target,
            reduction=self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
        )

    def extra_repr(self) -> str:
        return (
            f"reduction={self.reduction!r}, ignore_index={self.ignore_index}, "
            f"label_smoothing={self.label_smoothing}"
        )


class NLLLoss(_Loss):
    """Negative log-likelihood: -input[i, target[i]] per sample, then the reduction.

    input (N, C) / (N, C, *d) / (C,) log-probabilities; target (N,) / (N, *d) / () classes;
    the mean divides by the number of targets not equal to ``ignore_index``.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
    ):
        super().__init__(reduction, size_average=size_average, reduce=reduce, weight=weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input (N, C, *d) log-probabilities, target (N, *d) classes -> the reduced loss."""
        return F.nll_loss(input, target, reduction=self.reduction, ignore_index=self.ignore_index)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, ignore_index={self.ignore_index}"


class MSELoss(_Loss):
    """(input - target)² elementwise, then the reduction; input and target of one shape."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__(reduction, size_average=size_average, reduce=reduce)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input, target: (*) -> the reduced loss."""
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """|input - target| elementwise, then the reduction; input and target of one shape."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__(reduction, size_average=size_average, reduce=reduce)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input, target: (*) -> the reduced loss."""
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Huber-like: 0.5·d²/beta where |d| < beta, else |d| - 0.5·beta (d = input - target),
    then the reduction."""

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ):
        super().__init__(reduction, size_average=size_average, reduce=reduce)
        self.beta = beta

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input, target: (*) -> the reduced loss."""
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, beta={self.beta}"


class BCELoss(_Loss):
    """-(t log p + (1 - t) log(1 - p)) elementwise (logs clamped at -100), then the reduction.

    input: probabilities p in [0, 1], target t of the same shape.
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ):
        super().__init__(reduction, size_average=size_average, reduce=reduce, weight=weight)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input, target: (*) -> the reduced loss."""
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(input) against target, computed stably from the logits.

    input: logits x, target t of the same shape; loss = max(x, 0) - x·t + log(1 + e^-|x|).
    """

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ):
        super().__init__(
            reduction,
            size_average=size_average,
            reduce=reduce,
            weight=weight,
            pos_weight=pos_weight,
        )

    def forward(self, input: Tensor, target: Any) -> Tensor:
        """input, target: (*) -> the reduced loss."""
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)
