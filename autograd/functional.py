"""Functional ops on Tensors, as ``import autograd.functional as F``.

Images are NCHW, sequences (T, B, D). The heavy ops run in Numba kernels
(`autograd.kernels`); every op here is differentiable and gradchecked (except ``one_hot``:
integer codes, no graph).
"""

from autograd.ops.activation import gelu, leaky_relu
from autograd.ops.conv import conv2d
from autograd.ops.embedding import dropout, embedding
from autograd.ops.linear import linear, one_hot
from autograd.ops.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from autograd.ops.pad import pad
from autograd.ops.pool import avg_pool2d, max_pool2d
from autograd.ops.regression_loss import l1_loss, smooth_l1_loss
from autograd.ops.rnn import gru, lstm
from autograd.ops.softmax import log_softmax, softmax
from autograd.ops.unary import relu, sigmoid, tanh

__all__ = [
    "avg_pool2d",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv2d",
    "cross_entropy",
    "dropout",
    "embedding",
    "gelu",
    "gru",
    "l1_loss",
    "leaky_relu",
    "linear",
    "log_softmax",
    "lstm",
    "max_pool2d",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "pad",
    "relu",
    "sigmoid",
    "smooth_l1_loss",
    "softmax",
    "tanh",
]
