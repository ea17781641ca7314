"""2-D max and average pooling kernels (NCHW, no padding), forward and backward.

Shapes: ``x (N, C, H, W) -> y (N, C, Ho, Wo)`` with ``Ho = (H - kh) // sh + 1`` (likewise Wo);
window ``(i, j)`` covers rows ``i·sh … i·sh + kh - 1`` and columns ``j·sw … j·sw + kw - 1``::

    max:  y[n, c, i, j] = max over the window,  d/dx: 1 at the window's argmax, else 0
    avg:  y[n, c, i, j] = mean over the window, d/dx: 1/(kh·kw) at every window entry

Max pooling records the flat index ``r·W + s`` of each window's maximum (the first one in
row-major window order on ties, as PyTorch; a NaN counts as the maximum, the last NaN as in
PyTorch's CPU kernel), so backward routes each gradient straight there. Windows overlap when
the stride is smaller than the kernel; backward then sums.

The loops are serial on purpose: Numba's OpenMP threads spin after a parallel loop, and next
to OpenBLAS's threads (the matrix products around a pooling layer) that made the products
many times slower on 2 cores (a LeNet-5 step under the profiler: 470 ms, serial 27 ms; see
`autograd.kernels.conv`).

The jitted functions take C-contiguous float32/float64 arrays and Python ints; the public
functions take ``kernel`` and ``stride`` as (rows, cols) pairs of ints, as the ops pass them
(`autograd.ops.pool` checks the arguments and fills in the default stride), and make the
arrays contiguous.
"""

from __future__ import annotations

import numba
import numpy as np

from autograd.kernels.jit import njit

Pair = tuple[int, int]


def _geometry(
    x_shape: tuple[int, ...], kernel: Pair, stride: Pair
) -> tuple[int, int, int, int, int, int]:
    """``(kh, kw, sh, sw, Ho, Wo)`` for a pooling of an (N, C, H, W) input."""
    (kh, kw), (sh, sw) = kernel, stride
    return kh, kw, sh, sw, (x_shape[2] - kh) // sh + 1, (x_shape[3] - kw) // sw + 1


# Loops run over output columns j innermost, with unsigned indices (a signed index gets a
# negative-index check that keeps LLVM from vectorising) and branch-free updates.


@njit
def _max_pool_forward(x, kh, kw, sh, sw, ho, wo):
    n_, c_, h, w = x.shape
    y = np.empty((n_ * c_, ho * wo), dtype=x.dtype)
    idx = np.empty((n_ * c_, ho * wo), dtype=np.int64)
    flat = x.reshape((n_ * c_, h * w))
    step, width = np.uint64(sw), np.uint64(wo)
    for plane in range(n_ * c_):
        src, best, at = flat[plane], y[plane], idx[plane]
        for i in range(ho):
            out, first = np.uint64(i * wo), np.uint64(i * sh * w)
            for j in range(width):
                best[out + j] = src[first + j * step]
                at[out + j] = first + j * step
            for r in range(kh):  # the window in row-major order, its first entry done
                for s in range(1 if r == 0 else 0, kw):
                    base = np.uint64((i * sh + r) * w + s)
                    for j in range(width):
                        v, b = src[base + j * step], best[out + j]
                        # strictly greater keeps the first maximum; a NaN always wins
                        take = (v > b) | (v != v)
                        best[out + j] = v if take else b
                        at[out + j] = base + j * step if take else at[out + j]
    return y.reshape((n_, c_, ho, wo)), idx.reshape((n_, c_, ho, wo))


@numba.njit(inline="always")
def _keep_max(src, m, b, a):
    """(value, index) of the maximum so far after looking at ``src[m]``: strictly greater
    keeps the first maximum; a NaN always wins (as in `_max_pool_forward`)."""
    v = src[m]
    if v > b or v != v:
        return v, m
    return b, a


@njit
def _max_pool_2x2_forward(x):
    """`_max_pool_forward` for 2 × 2 windows at stride 2 (LeNet's, VGG's): the four entries
    of a window read directly, in the same row-major order with the same rule, so the same
    maxima and indices; about six times faster than the general loops, whose strided
    gathers do not vectorise."""
    n_, c_, h, w = x.shape
    ho, wo = h // 2, w // 2
    y = np.empty((n_ * c_, ho * wo), dtype=x.dtype)
    idx = np.empty((n_ * c_, ho * wo), dtype=np.int64)
    flat = x.reshape((n_ * c_, h * w))
    for plane in range(n_ * c_):
        src, best, at = flat[plane], y[plane], idx[plane]
        for i in range(ho):
            top, out = 2 * i * w, i * wo
            for j in range(wo):
                k = top + 2 * j
                b, a = _keep_max(src, k + 1, src[k], k)
                b, a = _keep_max(src, k + w, b, a)
                b, a = _keep_max(src, k + w + 1, b, a)
                best[out + j] = b
                at[out + j] = a
    return y.reshape((n_, c_, ho, wo)), idx.reshape((n_, c_, ho, wo))


@njit
def _max_pool_backward(grad, idx, h, w):
    n_, c_, ho, wo = grad.shape
    dx = np.zeros((n_ * c_, h * w), dtype=grad.dtype)
    g = grad.reshape((n_ * c_, ho * wo))
    at = idx.reshape((n_ * c_, ho * wo))
    for plane in range(n_ * c_):
        for k in range(np.uint64(ho * wo)):
            dx[plane, np.uint64(at[plane, k])] += g[plane, k]
    return dx.reshape((n_, c_, h, w))


@njit
def _avg_pool_forward(x, kh, kw, sh, sw, ho, wo):
    n_, c_, h, w = x.shape
    y = np.empty((n_ * c_, ho * wo), dtype=x.dtype)
    flat = x.reshape((n_ * c_, h * w))
    total = np.empty(wo, dtype=np.float64)  # sums in float64, as PyTorch does on the CPU
    step, width, area = np.uint64(sw), np.uint64(wo), kh * kw
    for plane in range(n_ * c_):
        src, mean = flat[plane], y[plane]
        for i in range(ho):
            total[:] = 0.0
            for r in range(kh):
                for s in range(kw):
                    base = np.uint64((i * sh + r) * w + s)
                    for j in range(width):
                        total[j] += src[base + j * step]
            out = np.uint64(i * wo)
            for j in range(width):
                mean[out + j] = total[j] / area
    return y.reshape((n_, c_, ho, wo))


@njit
def _avg_pool_backward(grad, h, w, kh, kw, sh, sw):
    n_, c_, ho, wo = grad.shape
    dx = np.zeros((n_ * c_, h * w), dtype=grad.dtype)
    g = grad.reshape((n_ * c_, ho * wo))
    step, width, area = np.uint64(sw), np.uint64(wo), kh * kw
    for plane in range(n_ * c_):
        src, dst = g[plane], dx[plane]
        for i in range(ho):
            out = np.uint64(i * wo)
            for r in range(kh):
                for s in range(kw):
                    base = np.uint64((i * sh + r) * w + s)
                    for j in range(width):
                        dst[base + j * step] += src[out + j] / area
    return dx.reshape((n_, c_, h, w))


def max_pool2d_forward(x: np.ndarray, kernel: Pair, stride: Pair) -> tuple[np.ndarray, np.ndarray]:
    """(y, argmax): y (N, C, Ho, Wo) the window maxima, argmax (N, C, Ho, Wo) int64 the
    flat index ``r·W + s`` of each maximum in its (H, W) plane."""
    kh, kw, sh, sw, ho, wo = _geometry(x.shape, kernel, stride)
    if kh == kw == sh == sw == 2:
        return _max_pool_2x2_forward(np.ascontiguousarray(x))
    return _max_pool_forward(np.ascontiguousarray(x), kh, kw, sh, sw, ho, wo)


def max_pool2d_backward(
    grad: np.ndarray, argmax: np.ndarray, x_shape: tuple[int, ...]
) -> np.ndarray:
    """dL/dx (N, C, H, W): each gradient of grad (N, C, Ho, Wo) added at its window's argmax."""
    # d/dx: 1 at the window's maximum, 0 elsewhere
    return _max_pool_backward(
        np.ascontiguousarray(grad), np.ascontiguousarray(argmax), x_shape[2], x_shape[3]
    )


def avg_pool2d_forward(x: np.ndarray, kernel: Pair, stride: Pair) -> np.ndarray:
    """y (N, C, Ho, Wo): the mean of each kh × kw window."""
    kh, kw, sh, sw, ho, wo = _geometry(x.shape, kernel, stride)
    return _avg_pool_forward(np.ascontiguousarray(x), kh, kw, sh, sw, ho, wo)


def avg_pool2d_backward(
    grad: np.ndarray, x_shape: tuple[int, ...], kernel: Pair, stride: Pair
) -> np.ndarray:
    """dL/dx (N, C, H, W): each gradient of grad (N, C, Ho, Wo) spread evenly over its window."""
    kh, kw, sh, sw, _, _ = _geometry(x_shape, kernel, stride)
    # d/dx: 1/(kh·kw) for every entry of the window
    return _avg_pool_backward(np.ascontiguousarray(grad), x_shape[2], x_shape[3], kh, kw, sh, sw)
