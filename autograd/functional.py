"""Functional ops on Tensors, as ``import autograd.functional as F``.

Images are NCHW, sequences (T, B, D). The heavy ops run in Numba kernels
(`autograd.kernels`); every op here is differentiable and gradchecked.
"""

from autograd.ops.embedding import dropout, embedding
from autograd.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from autograd.ops.rnn import gru, lstm
from autograd.ops.softmax import log_softmax, softmax

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "embedding",
    "gru",
    "log_softmax",
    "lstm",
    "mse_loss",
    "nll_loss",
    "softmax",
]
