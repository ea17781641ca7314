"""Slow, obviously-correct numpy references for the pooling kernels (tests only).

Every function loops over output positions in plain Python and computes each one straight
from its definition, in float64. Images are ``x (N, C, H, W)``; ``kernel`` and ``stride`` are
``(rows, cols)`` pairs of ints; no padding. Each function is named after the kernel of
`autograd.kernels.pool` it checks, with ``_oracle`` appended; the max-pool backward takes the
input itself and finds each window's maximum again, rather than the kernel's argmax.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def _out_size(size: int, k: int, s: int) -> int:
    return (size - k) // s + 1


def _windows(
    h: int, w: int, kernel: tuple[int, int], stride: tuple[int, int]
) -> Iterator[tuple[int, int, slice, slice]]:
    """Yield ``(i, j, rows, cols)``: each output position and the slices of its window."""
    kh, kw = kernel
    sh, sw = stride
    for i in range(_out_size(h, kh, sh)):
        for j in range(_out_size(w, kw, sw)):
            yield i, j, slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)


def max_pool2d_forward_oracle(
    x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(y, argmax), both (N, C, Ho, Wo): the window's max and its flat index into H·W.

    ``np.argmax`` returns the first maximum in row-major window order, as PyTorch picks.
    """
    n_, c_, h, w = x.shape
    ho, wo = _out_size(h, kernel[0], stride[0]), _out_size(w, kernel[1], stride[1])
    y = np.zeros((n_, c_, ho, wo))
    idx = np.zeros((n_, c_, ho, wo), dtype=np.int64)
    for n in range(n_):
        for c in range(c_):
            for i, j, rows, cols in _windows(h, w, kernel, stride):
                window = x[n, c, rows, cols]
                p, q = np.unravel_index(np.argmax(window), window.shape)
                y[n, c, i, j] = window[p, q]
                idx[n, c, i, j] = (rows.start + p) * w + cols.start + q
    return y, idx


def max_pool2d_backward_oracle(
    grad: np.ndarray, x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]
) -> np.ndarray:
    """dL/dx: each output's gradient goes to the (first) max of its window, summed."""
    _, idx = max_pool2d_forward_oracle(x, kernel, stride)
    n_, c_, h, w = x.shape
    dx = np.zeros((n_, c_, h * w))
    for n in range(n_):
        for c in range(c_):
            for k, g in zip(idx[n, c].ravel(), grad[n, c].ravel()):
                dx[n, c, k] += g
    return dx.reshape(x.shape)


def avg_pool2d_forward_oracle(
    x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]
) -> np.ndarray:
    """y (N, C, Ho, Wo): the mean of each window."""
    n_, c_, h, w = x.shape
    ho, wo = _out_size(h, kernel[0], stride[0]), _out_size(w, kernel[1], stride[1])
    y = np.zeros((n_, c_, ho, wo))
    for i, j, rows, cols in _windows(h, w, kernel, stride):
        y[:, :, i, j] = x[:, :, rows, cols].astype(np.float64).mean(axis=(2, 3))
    return y


def avg_pool2d_backward_oracle(
    grad: np.ndarray,
    x_shape: tuple[int, ...],
    kernel: tuple[int, int],
    stride: tuple[int, int],
) -> np.ndarray:
    """dL/dx: each output's gradient shared equally by the kh·kw inputs of its window."""
    dx = np.zeros(x_shape)
    area = kernel[0] * kernel[1]
    for i, j, rows, cols in _windows(x_shape[2], x_shape[3], kernel, stride):
        dx[:, :, rows, cols] += grad[:, :, i, j, None, None] / area
    return dx
