"""Gradient clipping with PyTorch's semantics: ``clip_grad_norm_`` and ``clip_grad_value_``.

Both change ``p.grad`` in place and skip parameters whose ``.grad`` is None.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[np.ndarray]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    total = ‖(‖g_1‖_p, …, ‖g_n‖_p)‖_p, the p-norm of all gradients seen as one vector
    (``norm_type=float("inf")``: the largest |g|); each g becomes g · min(max_norm /
    (total + 1e-6), 1). Returns the total norm before clipping (0.0 without gradients).
    """
    max_norm, norm_type = float(max_norm), float(norm_type)
    grads = _grads(parameters)
    if not grads:
        return 0.0
    norms = [np.linalg.norm(g.ravel(), ord=norm_type) if g.size else 0.0 for g in grads]
    total = float(np.linalg.norm(np.asarray(norms), ord=norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} for the gradients is "
            f"{total}, so it cannot be clipped; find where the gradient becomes non-finite "
            "(autograd.detect_anomaly()), or pass error_if_nonfinite=False to scale the "
            "gradients by it anyway"
        )
    # min() keeps a NaN coefficient, as torch.clamp does: NaN norms give NaN gradients
    coef = min(max_norm / (total + 1e-6), 1.0)
    if coef != 1.0:
        with np.errstate(invalid="ignore"):
            for g in grads:
                np.multiply(g, coef, out=g)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value] in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
