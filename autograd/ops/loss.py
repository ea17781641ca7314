"""Losses: negative log-likelihood and cross-entropy, mean squared error, binary cross-entropy.

Elementwise and picking parts are ops of their own (``nll_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits``); ``cross_entropy`` and ``mse_loss`` are built from ops,
so a drawn graph shows log-softmax feeding the NLL, as the math says.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd.function import Function
from autograd.ops.elementwise import maximum
from autograd.ops.softmax import log_softmax
from autograd.ops.unary import sigmoid
from autograd.tensor import Tensor, lift, wrap

REDUCTIONS = ("mean", "sum", "none")


def _class_last(a: np.ndarray) -> np.ndarray:
    """(N, C, *d) -> (N, *d, C); (C,) stays (C,)."""
    return np.moveaxis(a, 1, -1) if a.ndim >= 2 else a


def _targets_picked(targets: np.ndarray, ignore_index: int | None) -> tuple:
    """(valid, safe): which targets count, and the targets with ignored ones set to class 0."""
    valid = np.ones(targets.shape, bool) if ignore_index is None else targets != ignore_index
    return valid, np.where(valid, targets, 0)


def _nll_scatter(
    grad: np.ndarray,
    valid: np.ndarray,
    safe: np.ndarray,
    count: np.floating,
    reduction: str,
    in_shape: tuple[int, ...],
) -> np.ndarray:
    """The NLL's gradient: -grad (scaled by the reduction) at each counted target, else 0."""
    per_sample = grad / count if reduction == "mean" else grad
    per_sample = np.broadcast_to(per_sample, valid.shape) * valid
    g = np.zeros(_class_last(np.empty(in_shape, dtype=bool)).shape, dtype=grad.dtype)
    np.put_along_axis(g, safe[..., None], -per_sample[..., None], axis=-1)
    return np.moveaxis(g, -1, 1) if len(in_shape) >= 2 else g


def _nll_gather(
    logp: np.ndarray, valid: np.ndarray, safe: np.ndarray, count: np.floating, reduction: str
) -> np.ndarray:
    """The NLL itself: -logp at each counted target, then the reduction."""
    picked = np.take_along_axis(_class_last(logp), safe[..., None], axis=-1)[..., 0]
    losses = np.where(valid, -picked, 0)
    if reduction == "none":
        return losses
    total = losses.sum()
    return total if reduction == "sum" else total / count


class NllLoss(Function):
    @staticmethod
    def forward(ctx, logp, targets, *, reduction="mean", ignore_index=None):
        ctx.valid, ctx.safe = _targets_picked(targets, ignore_index)
        ctx.reduction, ctx.in_shape, ctx.ignore_index = reduction, logp.shape, ignore_index
        ctx.count = logp.dtype.type(ctx.valid.sum())  # in the input's dtype: float32 stays
        return _nll_gather(logp, ctx.valid, ctx.safe, ctx.count, reduction)

    @staticmethod
    def backward(ctx, grad):
        # d/dlogp[i, c]: -1 where c is sample i's target (scaled by the reduction), else 0
        g = _nll_scatter(grad, ctx.valid, ctx.safe, ctx.count, ctx.reduction, ctx.in_shape)
        return g, None

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        targets = ctx.parents[1].data
        return NllLossBackward.apply(
            grad,
            targets=targets,
            reduction=ctx.reduction,
            ignore_index=ctx.ignore_index,
            in_shape=ctx.in_shape,
        ), None

    @staticmethod
    def sample_inputs(rng):
        yield (rng.standard_normal((3, 4)), np.array([0, 3, 3])), {}
        yield (rng.standard_normal((2, 3)), np.array([2, 0])), {"reduction": "sum"}
        yield (rng.standard_normal((1, 2)), np.array([1])), {"reduction": "none"}
        yield (rng.standard_normal((4,)), np.array(2)), {}
        yield (rng.standard_normal((2, 3, 2)), np.array([[0, 2], [1, 1]])), {}
        yield (rng.standard_normal((3, 3)), np.array([1, -100, 2])), {"ignore_index": -100}


class NllLossBackward(Function):
    """The NLL's backward as an op: the output gradient scattered to the targets' places.

    Linear in its input, so its own backward is the NLL again (a gather at the targets):
    the pair differentiates to any order."""

    @staticmethod
    def forward(ctx, grad, *, targets, reduction, ignore_index, in_shape):
        ctx.valid, ctx.safe = _targets_picked(targets, ignore_index)
        ctx.reduction, ctx.targets, ctx.ignore_index = reduction, targets, ignore_index
        ctx.count = grad.dtype.type(ctx.valid.sum())
        return _nll_scatter(grad, ctx.valid, ctx.safe, ctx.count, reduction, in_shape)

    @staticmethod
    def backward(ctx, grad):
        # d/dgrad: the incoming gradient read at the targets, reduced like the loss
        return _nll_gather(grad, ctx.valid, ctx.safe, ctx.count, ctx.reduction)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        targets = wrap(ctx.targets)
        return NllLoss.apply(grad, targets, reduction=ctx.reduction, ignore_index=ctx.ignore_index)

    @staticmethod
    def sample_inputs(rng):
        for (logp, targets), attrs in NllLoss.sample_inputs(rng):
            reduction = attrs.get("reduction", "mean")
            shape = targets.shape if reduction == "none" else ()
            yield (
                (rng.standard_normal(shape),),
                {
                    "targets": targets,
                    "reduction": reduction,
                    "ignore_index": attrs.get("ignore_index"),
                    "in_shape": logp.shape,
                },
            )


class BinaryCrossEntropy(Function):
    @staticmethod
    def forward(ctx, p, t):
        with np.errstate(divide="ignore"):
            # log clamped at -100, as PyTorch does, so p = 0 or 1 gives a finite loss
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log1p(-p), -100)
        ctx.save_for_backward(p, t)
        ctx.log_p, ctx.log_q = log_p, log_q
        return -(t * log_p + (1 - t) * log_q)

    @staticmethod
    def backward(ctx, grad):
        p, t = ctx.saved_tensors
        # d/dp: (p - t) / (p (1 - p)), the denominator kept ≥ 1e-12; d/dt: log(1-p) - log p
        gp = grad * (p - t) / np.maximum(p * (1 - p), 1e-12)
        gt = grad * (ctx.log_q - ctx.log_p) if ctx.needs_input_grad[1] else None
        return gp, gt

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        p, t = ctx.parents
        gp = grad * (p - t) / maximum(p * (1 - p), 1e-12)
        gt = None
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gt = grad * (maximum((1 - p).log(), -100) - maximum(p.log(), -100))
        return gp, gt

    @staticmethod
    def sample_inputs(rng):
        for shape in [(), (3,), (2, 3)]:
            yield (rng.uniform(0.1, 0.9, shape), rng.uniform(0, 1, shape)), {}


class BinaryCrossEntropyWithLogits(Function):
    @staticmethod
    def forward(ctx, x, t):
        ctx.save_for_backward(x, t)
        # log(1 + e^x) - x t, written so that e^x never overflows
        return np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        e = np.exp(-np.abs(x))
        sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        # d/dx: σ(x) - t; d/dt: -x
        return grad * (sig - t), (-grad * x if ctx.needs_input_grad[1] else None)

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        x, t = ctx.parents
        return grad * (sigmoid(x) - t), (-grad * x if ctx.needs_input_grad[1] else None)

    @staticmethod
    def sample_inputs(rng):
        for shape in [(), (3,), (2, 3)]:
            yield (3 * rng.standard_normal(shape), rng.uniform(0, 1, shape)), {}


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def _class_targets(op: str, scores: Tensor, targets: Any, ignore_index: int | None) -> Tensor:
    """Check integer class targets against scores (N, C, *d) or (C,); return them lifted."""
    t = lift(targets)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class targets must be integers, got {t.dtype}")
    expected = scores.shape[:1] + scores.shape[2:] if scores.ndim >= 2 else ()
    if t.shape != expected:
        raise ValueError(
            f"{op}: scores of shape {scores.shape} need targets of shape {expected}, got {t.shape}"
        )
    classes = scores.shape[1] if scores.ndim >= 2 else scores.shape[0]
    used = t.data if ignore_index is None else t.data[t.data != ignore_index]
    if used.size and (used.min() < 0 or used.max() >= classes):
        bad = used.max() if used.max() >= classes else used.min()
        raise IndexError(f"{op}: target {bad} is out of range for {classes} classes")
    return t


def nll_loss(
    log_probs: Tensor, targets: Any, reduction: str = "mean", ignore_index: int | None = None
) -> Tensor:
    """Negative log-likelihood of integer ``targets`` under ``log_probs``.

    log_probs (N, C) or (N, C, *d) or (C,); targets (N,) / (N, *d) / () class indices.
    ``mean`` divides by the number of targets not equal to ``ignore_index``.
    """
    _check_reduction("nll_loss", reduction)
    t = _class_targets("nll_loss", log_probs, targets, ignore_index)
    return NllLoss.apply(log_probs, t, reduction=reduction, ignore_index=ignore_index)


def cross_entropy(
    logits: Tensor,
    targets: Any,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between ``softmax(logits)`` over axis 1 (axis 0 for (C,)) and targets.

    targets: integer classes (N,) / (N, *d), or class probabilities of logits' shape.
    ``label_smoothing`` ε mixes the target with the uniform distribution:
    q = (1 - ε)·target + ε/C. Stable for any logit magnitude (log-softmax).
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    axis = 1 if logits.ndim >= 2 else 0
    classes = logits.shape[axis]
    logp = log_softmax(logits, axis=axis)
    t = lift(targets)
    if t.dtype.kind == "f":
        if t.shape != logits.shape:
            raise ValueError(
                f"cross_entropy: probability targets must have the logits' shape "
                f"{logits.shape}, got {t.shape}"
            )
        if t.requires_grad:
            raise ValueError("cross_entropy: gradients for target probabilities are not supported")
        q = t.data * (1 - label_smoothing) + label_smoothing / classes
        return _reduce(-(logp * wrap(q.astype(logp.dtype))).sum(axis=axis), reduction)
    t = _class_targets("cross_entropy", logits, t, ignore_index)
    nll = NllLoss.apply(logp, t, reduction=reduction, ignore_index=ignore_index)
    if label_smoothing == 0.0:
        return nll
    # the uniform part: -Σ_c log p_c / C for each counted sample
    valid = np.ones(t.shape, bool) if ignore_index is None else t.data != ignore_index
    smooth = -logp.mean(axis=axis) * wrap(valid.astype(logp.dtype))
    if reduction == "mean":
        smooth = smooth.sum() / float(valid.sum())
    else:
        smooth = _reduce(smooth, reduction)
    return nll * (1 - label_smoothing) + smooth * label_smoothing


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean (or sum) of squared differences; input and target of the same shape."""
    _check_reduction("mse_loss", reduction)
    t = lift(target, input)
    if t.shape != input.shape:
        raise ValueError(f"mse_loss: input {input.shape} and target {t.shape} differ in shape")
    diff = input - t
    return _reduce(diff * diff, reduction)


def _same_shape(op: str, a: Tensor, t: Tensor) -> None:
    if t.shape != a.shape:
        raise ValueError(f"{op}: input {a.shape} and target {t.shape} differ in shape")


def binary_cross_entropy(p: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """-(t log p + (1-t) log(1-p)) for probabilities p in [0, 1] (logs clamped at -100)."""
    _check_reduction("binary_cross_entropy", reduction)
    t = lift(target, p)
    _same_shape("binary_cross_entropy", p, t)
    if p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError("binary_cross_entropy: input probabilities must lie in [0, 1]")
    return _reduce(BinaryCrossEntropy.apply(p, t), reduction)


def binary_cross_entropy_with_logits(
    logits: Tensor, target: Any, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of sigmoid(logits) against t, computed stably from the logits."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    t = lift(target, logits)
    _same_shape("binary_cross_entropy_with_logits", logits, t)
    return _reduce(BinaryCrossEntropyWithLogits.apply(logits, t), reduction)
