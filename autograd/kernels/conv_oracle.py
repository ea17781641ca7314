"""Slow, obviously-correct numpy references for the conv2d kernels (tests only).

Every function loops over output positions in plain Python and computes each one straight
from its definition, in float64, so a test can compare a kernel with it on small shapes.
Layouts are PyTorch's: images ``x (N, C, H, W)``, weights ``w (O, C, kh, kw)``; ``stride``
and ``padding`` are ``(rows, cols)`` pairs of ints. Each function is named after the kernel
of `autograd.kernels.conv` it checks, with ``_oracle`` appended, and takes its arguments.

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


def _backward_input(
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


def _backward_weight(
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


def conv2d_backward_oracle(
    grad: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    stride: tuple[int, int],
    padding: tuple[int, int],
    needs: tuple[bool, bool],
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(dL/dx, dL/dw) from grad = dL/dy (N, O, Ho, Wo), each only if ``needs`` says so."""
    dx = _backward_input(grad, w, x.shape, stride, padding) if needs[0] else None
    dw = _backward_weight(grad, x, w.shape, stride, padding) if needs[1] else None
    return dx, dw


def conv2d_backward_input_oracle(
    grad: np.ndarray,
    w: np.ndarray,
    x_shape: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int],
) -> np.ndarray:
    """dL/dx (N, C, H, W) from grad (N, O, Ho, Wo) and the weight, x's shape given."""
    return _backward_input(grad, w, x_shape, stride, padding)


def conv2d_backward_weight_oracle(
    grad: np.ndarray,
    x: np.ndarray,
    w_shape: tuple[int, ...],
    stride: tuple[int, int],
    padding: tuple[int, int],
) -> np.ndarray:
    """dL/dw (O, C, kh, kw) from grad (N, O, Ho, Wo) and the input, w's shape given."""
    return _backward_weight(grad, x, w_shape, stride, padding)


def conv2d_backward_bias_oracle(grad: np.ndarray) -> np.ndarray:
    """dL/db (O,): every output of channel o has b[o] added once."""
    db = np.zeros(grad.shape[1])
    for o in range(grad.shape[1]):
        db[o] = grad[:, o].astype(np.float64).sum()
    return db
