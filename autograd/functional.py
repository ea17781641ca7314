"""Functional ops on Tensors, as ``import autograd.functional as F``.

Images are NCHW, sequences (T, B, D). The heavy ops run in Numba kernels
(`autograd.kernels`); every op here is differentiable and gradchecked.
"""

from autograd.ops.conv import conv2d
from autograd.ops.embedding import dropout, embedding
from autograd.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from autograd.ops.pool import avg_pool2d, max_pool2d
from autograd.ops.rnn import gru, lstm
from autograd.ops.softmax import log_softmax, softmax

__all__ = [
    "avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "gru",
    "log_softmax",
    "lstm",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "softmax",
]
