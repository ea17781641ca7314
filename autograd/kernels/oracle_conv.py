"""Slow, obviously-correct numpy references for the conv and pool kernels (tests only).

Every function loops over output positions in plain Python and computes each one straight
from its definition, in float64, so a test can compare a kernel with it on small shapes.
Layouts are PyTorch's: images ``x (N, C, H, W)``, weights ``w (O, C, kh, kw)``; ``stride``
and ``padding`` are ``(rows, cols)`` pairs of ints.

Convolution as in CNNs is cross-correlation (the kernel is not flipped)::

    y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · xp[n, c, i·sh + p, j·sw + q]

where ``xp`` is ``x`` with ``padding`` zeros added on each side of H and W.
"""

from __future__ import annotations

import numpy as np


def _padded(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    ph, pw = padding
    return np.pad(x.astype(np.float64), ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _out_size(size: int, k: int, s: int, p: int = 0) -> int:
    return (size + 2 * p - k) // s + 1


def conv2d_forward_oracle(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    stride: tuple[int, int],
    padding: tuple[int, int],
) -> np.ndarray:
    """y (N, O, Ho, Wo): every output is the sum of one window of xp times the kernel."""
    xp = _padded(x, padding)
    n_, _, h, wd = x.shape
    o_, _, kh, kw = w.shape
    sh, sw = stride
    ho, wo = _out_size(h, kh, sh, padding[0]), _out_size(wd, kw, sw, padding[1])
    y = np.zeros((n_, o_, ho, wo))
    for n in range(n_):
        for o in range(o_):
            for i in range(ho):
                for j in range(wo):
                    window = xp[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    y[n, o, i, j] = np.sum(window * w[o])
            if b is not None:
                y[n, o] += b[o]
    return y


def conv2d_backward_input_oracle(
    grad: np.ndarray,
    w: np.ndarray,
    x_shape: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int],
) -> np.ndarray:
    """dL/dx (N, C, H, W): each output's gradient times the kernel, added onto its window."""
    n_, c_, h, wd = x_shape
    o_, _, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dxp = np.zeros((n_, c_, h + 2 * ph, wd + 2 * pw))
    for n in range(n_):
        for o in range(o_):
            for i in range(grad.shape[2]):
                for j in range(grad.shape[3]):
                    dxp[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw] += grad[n, o, i, j] * w[o]
    return dxp[:, :, ph : ph + h, pw : pw + wd]


def conv2d_backward_weight_oracle(
    grad: np.ndarray,
    x: np.ndarray,
    w_shape: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int],
) -> np.ndarray:
    """dL/dw (O, C, kh, kw): each output's gradient times the window it saw, summed."""
    xp = _padded(x, padding)
    _, _, kh, kw = w_shape
    sh, sw = stride
    dw = np.zeros(w_shape)
    for n in range(grad.shape[0]):
        for o in range(grad.shape[1]):
            for i in range(grad.shape[2]):
                for j in range(grad.shape[3]):
                    window = xp[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    dw[o] += grad[n, o, i, j] * window
    return dw


def conv2d_backward_bias_oracle(grad: np.ndarray) -> np.ndarray:
    """dL/db (O,): every output of channel o has b[o] added once."""
    db = np.zeros(grad.shape[1])
    for o in range(grad.shape[1]):
        db[o] = grad[:, o].astype(np.float64).sum()
    return db


def _windows(h: int, w: int, kernel: tuple[int, int], stride: tuple[int, int]):
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
