"""PyTorch counterparts of the convolution and pooling ops (NCHW)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def references(torch: Any) -> dict[str, Callable[..., Any]]:
    functional = torch.nn.functional

    def conv2d(x, w, b=None, stride=1, padding=0):
        return functional.conv2d(x, w, b, stride=stride, padding=padding)

    def max_pool2d(x, kernel_size, stride=None):
        return functional.max_pool2d(x, kernel_size, stride=stride)

    def avg_pool2d(x, kernel_size, stride=None):
        return functional.avg_pool2d(x, kernel_size, stride=stride)

    def gradient_of(forward, shape, dy, *operands):
        # the gradient of ``forward`` for a zero input of ``shape`` (it is linear in that
        # input, so any point would do), recorded so that it can be differentiated again
        at = torch.zeros(shape, dtype=dy.dtype, requires_grad=True)
        (g,) = torch.autograd.grad(forward(at, *operands), at, dy, create_graph=True)
        return g

    def conv2d_input_grad(dy, w, x_shape, stride=1, padding=0):
        return gradient_of(lambda x, w: conv2d(x, w, None, stride, padding), x_shape, dy, w)

    def conv2d_weight_grad(x, dy, w_shape, stride=1, padding=0):
        return gradient_of(lambda w, x: conv2d(x, w, None, stride, padding), w_shape, dy, x)

    def avg_pool2d_backward(grad, x_shape, kernel_size, stride=None):
        return gradient_of(lambda x: avg_pool2d(x, kernel_size, stride), x_shape, grad)

    return {
        "conv2d": conv2d,
        "conv2d_input_grad": conv2d_input_grad,
        "conv2d_weight_grad": conv2d_weight_grad,
        "max_pool2d": max_pool2d,
        "avg_pool2d": avg_pool2d,
        "avg_pool2d_backward": avg_pool2d_backward,
    }
