"""PyTorch counterparts of softmax, the losses, embedding and dropout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def references(torch: Any) -> dict[str, Callable[..., Any]]:
    F = torch.nn.functional

    def nll(lp, t, reduction="mean", ignore_index=None):
        ignore = -100 if ignore_index is None else ignore_index
        return F.nll_loss(lp, t, reduction=reduction, ignore_index=ignore)

    def nll_backward(grad, targets, reduction, ignore_index, in_shape):
        # the gradient of the NLL at any log-probabilities (it does not depend on them)
        lp = torch.zeros(in_shape, dtype=grad.dtype, requires_grad=True)
        loss = nll(lp, torch.as_tensor(targets), reduction, ignore_index)
        (g,) = torch.autograd.grad(loss, lp, grad, create_graph=True)
        return g

    return {
        "nll_loss_backward": nll_backward,
        "softmax": lambda x, axis=-1: torch.softmax(x, dim=axis),
        "log_softmax": lambda x, axis=-1: torch.log_softmax(x, dim=axis),
        "nll_loss": nll,
        "binary_cross_entropy": lambda p, t: F.binary_cross_entropy(p, t, reduction="none"),
        "binary_cross_entropy_with_logits": lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, reduction="none"
        ),
        "embedding": lambda w, idx: F.embedding(idx, w),
        "dropout": lambda x, keep, scale: x * torch.as_tensor(keep) * scale,
    }
