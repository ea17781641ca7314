"""2-D convolution kernels (NCHW, cross-correlation as in PyTorch): im2col + BLAS GEMM.

Shapes: ``x (N, C, H, W)``, ``w (O, C, kh, kw)``, ``b (O,)``, ``y (N, O, Ho, Wo)`` with
``Ho = (H + 2·ph - kh) // sh + 1`` (likewise Wo). With ``K = C·kh·kw`` and ``L = Ho·Wo``,
im2col unrolls every receptive field into one column of ``cols (K, N·L)``::

    cols[(c·kh + p)·kw + q, n·L + i·Wo + j] = x[n, c, i·sh + p - ph, j·sw + q - pw]  (0 outside)

and each product is one matrix product, ``W (O, K) = w.reshape(O, K)``, ``g (O, N·L)`` the
upstream gradient with channels first::

    forward   Y     = W · cols       (O, N·L), then transposed to (N, O, Ho, Wo), plus b
    d/dw      dW    = g · colsᵀ       (each output's gradient times the window it saw)
    d/dx      dcols = Wᵀ · g, then col2im adds each column back onto its window
    d/db      db    = Σ_{n, i, j} dy[n, :, i, j]

FLOPs: each product is ``2·N·O·K·L``; forward + backward is three of them.

Images go in chunks whose cols fits in CHUNK_BYTES, so memory stays bounded for large inputs
(a LeNet layer is one chunk, the benchmark below three). cols is not kept for backward: the
weight gradient gathers it again from x, which is all forward saves.

**Why this algorithm** (measured on the 2-core benchmark machine, float32, x (32, 16, 32, 32),
w (32, 16, 3, 3), padding 1, forward + backward with dx, dw, db; medians of 5 alternated
fresh-process runs in one session, PyTorch 2.13 CPU 16.0 ms in that session; the machine is
shared and its speed drifts by a third between sessions):

    this module: im2col (K, N·L) in 8 MB chunks, one GEMM per chunk and product 27.1 ms
      the same in one chunk (19 MB of cols)                                    28.6 ms
    im2col (N, K, L) with prange + one GEMM per image (np.matmul batches)     69.7 ms
      the same with serial copies                                              54.4 ms
    direct loops in Numba with prange, no BLAS: the forward alone             115 ms
    a loop over images, prange im2col + GEMMs per image                       400 ms

In the benchmark harness (`benchmarks/conv2d.py`) this module took 1.36-1.56 times
PyTorch's time. The floor is BLAS: each of the three products takes 4.2 ms here (71 GFLOP/s;
a square 1024 sgemm reaches 156 GFLOP/s), 12.7 ms in all, about PyTorch's whole step (oneDNN
convolves directly). What made the difference above:

- *One GEMM per chunk, not per image*: 4.7 vs 5.8 ms for these shapes, 0.47 vs 0.86 ms for
  LeNet's second layer, whose per-image products are tiny.
- *Unsigned indices in the copy loops*: Numba checks every signed index for wraparound, which
  keeps LLVM from vectorising; with unsigned ones an im2col of 1.3 M floats takes 0.13 ms
  instead of 1.1 ms (numpy's own memcpy of the result: 0.19 ms).
- *Serial copies*: Numba's ``prange`` runs on an OpenMP pool whose idle threads keep spinning
  after a loop, as OpenBLAS's do after a product; alternating the two on 2 cores made each
  side wait for the other's spinning threads (the per-image loop above; 280 ms instead of
  7.7 ms in a smaller test). The copies are memory-bound anyway; BLAS uses both cores.
- *Recycled scratch memory* (`autograd.kernels.buffers.empty`, for cols and the rearranged
  gradient): fresh arrays of a few megabytes cost a page fault per 4 KB page on first touch.
  In the LeNet-5 benchmark step that was 1,286 faults (about 5 ms of kernel time) per step,
  all in conv2d; without them the step went from 19.8 to 13.1 ms (PyTorch: 9.4 ms).

Tried and dropped, as alternated runs showed no gain: chunks of 1 MB so that cols stays in
cache (conv2d 28.5 ms with 8 MB chunks, 29.9 ms with 1 MB), a second cols buffer used in
turn, and a wider output grid that makes every row of cols one contiguous run of the padded
input (faster copies, but more work for the products: 40% more for LeNet's second layer).

The input and weight gradients are also entry points of their own (`conv2d_backward_input`,
`conv2d_backward_weight`): the ops ``conv2d_input_grad`` and ``conv2d_weight_grad`` that
make conv2d differentiable to any order run them as their forward.

Kernels take C-contiguous float32 or float64 arrays and Python ints (one compiled version
per dtype); the public functions here make sure of that.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from autograd.kernels.buffers import empty
from autograd.kernels.jit import njit

Pair = tuple[int, int]

#: bytes of im2col matrix per chunk of images (a chunk has at least one image)
CHUNK_BYTES = 8 << 20


def out_size(size: int, k: int, stride: int, padding: int) -> int:
    """Output length along one axis: ``(size + 2·padding - k) // stride + 1``."""
    return (size + 2 * padding - k) // stride + 1


# The copy loops index with unsigned integers: Numba adds a negative-index check to every
# signed index, which keeps LLVM from vectorising the loop (measured: copies 8x slower).


@njit
def _valid(n_out: int, n_in: int, offset: int, stride: int) -> tuple[int, int]:
    """The outputs ``lo <= j < hi`` whose input ``j·stride + offset`` lies in ``[0, n_in)``;
    the others read zero padding."""
    lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
    last = n_in - 1 - offset
    hi = 0 if last < 0 else min(n_out, last // stride + 1)
    return lo, max(lo, hi)


@njit
def _im2col(x, cols, kh, kw, sh, sw, ph, pw, ho, wo):
    """Fill cols (C·kh·kw, m, Ho·Wo) from x (m, C, H, W); padding reads as zeros."""
    m, c_, h, w = x.shape
    planes = x.reshape((m * c_, h * w))
    step, width, row_step = np.uint64(sw), np.uint64(wo), np.uint64(sh * w)
    for n in range(m):
        for c in range(c_):
            src = planes[n * c_ + c]
            for p in range(kh):
                # output rows [ilo, ihi) read input rows inside the image, the others padding
                ilo, ihi = _valid(ho, h, p - ph, sh)
                first, last = np.uint64(ilo * wo), np.uint64(ihi * wo)
                for q in range(kw):
                    dst = cols[(c * kh + p) * kw + q, n]
                    lo, hi = _valid(wo, w, q - pw, sw)
                    for k in range(first):
                        dst[k] = 0
                    for k in range(last, np.uint64(ho * wo)):
                        dst[k] = 0
                    if hi == lo:
                        for k in range(first, last):
                            dst[k] = 0
                        continue
                    ulo, uhi = np.uint64(lo), np.uint64(hi)
                    at = np.uint64((ilo * sh - ph + p) * w + lo * sw + q - pw)
                    base = first
                    for _ in range(ihi - ilo):
                        for j in range(ulo):
                            dst[base + j] = 0
                        for j in range(uhi - ulo):
                            dst[base + ulo + j] = src[at + j * step]
                        for j in range(uhi, width):
                            dst[base + j] = 0
                        at += row_step
                        base += width


@njit
def _col2im(cols, dx, kh, kw, sh, sw, ph, pw, ho, wo):
    """Overwrite dx (m, C, H, W) with the columns of cols (C·kh·kw, m, Ho·Wo) added onto
    their windows (the parts on the padding are dropped)."""
    m, c_, h, w = dx.shape
    planes = dx.reshape((m * c_, h * w))
    planes[:] = 0
    step, width, row_step = np.uint64(sw), np.uint64(wo), np.uint64(sh * w)
    for n in range(m):
        for c in range(c_):
            dst = planes[n * c_ + c]
            for p in range(kh):
                ilo, ihi = _valid(ho, h, p - ph, sh)
                for q in range(kw):
                    src = cols[(c * kh + p) * kw + q, n]
                    lo, hi = _valid(wo, w, q - pw, sw)
                    if hi == lo:
                        continue
                    ulo, uhi = np.uint64(lo), np.uint64(hi)
                    at = np.uint64((ilo * sh - ph + p) * w + lo * sw + q - pw)
                    base = np.uint64(ilo * wo)
                    for _ in range(ihi - ilo):
                        for j in range(uhi - ulo):
                            dst[at + j * step] += src[base + ulo + j]
                        at += row_step
                        base += width


def _chunk(n: int, k: int, length: int, itemsize: int) -> int:
    """Images per chunk: as many as keep a (K, chunk·L) matrix under CHUNK_BYTES."""
    return max(1, min(n, CHUNK_BYTES // max(1, k * length * itemsize)))


def _im2col_chunks(
    x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, ho: int, wo: int
) -> Iterator[tuple[slice, np.ndarray]]:
    """Yield ``(images, cols)`` per chunk of images: the columns of g or yg that belong to
    the chunk, and its cols (K, m·Ho·Wo) in one recycled buffer."""
    n, c = x.shape[:2]
    k, length = c * kernel[0] * kernel[1], ho * wo
    step = _chunk(n, k, length, x.itemsize)
    scratch = empty((k * step * length,), x.dtype)
    for start in range(0, n, step):
        m = min(step, n - start)
        cols = scratch[: k * m * length].reshape(k, m, length)  # contiguous, also the last
        _im2col(x[start : start + m], cols, *kernel, *stride, *padding, ho, wo)
        yield slice(start * length, (start + m) * length), cols.reshape(k, m * length)


def _channels_first(grad: np.ndarray) -> np.ndarray:
    """grad (N, O, Ho, Wo) as g (O, N·Ho·Wo), the layout of the products' outputs."""
    n, o, ho, wo = grad.shape
    g = empty((o, n, ho, wo), grad.dtype)
    np.copyto(g, grad.transpose(1, 0, 2, 3))
    return g.reshape(o, n * ho * wo)


def conv2d_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: Pair, padding: Pair
) -> np.ndarray:
    """y (N, O, Ho, Wo) = x ⋆ w + b.

    ``x`` and ``w`` (and ``b``) share one float dtype; shapes are checked by the caller.
    """
    return conv2d_forward_keeping_cols(x, w, b, stride, padding)[0]


def conv2d_forward_keeping_cols(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: Pair, padding: Pair
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(y, cols)``: y as `conv2d_forward`, and the im2col matrix cols (K, N·Ho·Wo) when it
    was built in one chunk (at most CHUNK_BYTES: LeNet's layers), else None. Handing cols to
    `conv2d_backward` spares it gathering them again for the weight gradient, which takes
    about as long as the product itself on such layers."""
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    ho, wo = out_size(h, kh, stride[0], padding[0]), out_size(wd, kw, stride[1], padding[1])
    x = np.ascontiguousarray(x)
    w2 = np.ascontiguousarray(w).reshape(o, -1)
    yg = np.empty((o, n * ho * wo), dtype=x.dtype)  # channels first: one product per chunk
    kept = None
    for images, cols in _im2col_chunks(x, (kh, kw), stride, padding, ho, wo):
        np.matmul(w2, cols, out=yg[:, images])
        kept = cols if images.start == 0 and images.stop == yg.shape[1] else None
    y = np.empty((n, o, ho, wo), dtype=x.dtype)
    np.copyto(y, yg.reshape(o, n, ho, wo).transpose(1, 0, 2, 3))
    if b is not None:
        y += b[:, None, None]
    return y, kept


def _times_cols_t(g: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``g (O, M) · colsᵀ (M, K)`` computed as ``(cols · gᵀ)ᵀ``: the same product, but
    OpenBLAS runs this operand order 1.5-2.3 times faster on these long, thin shapes (M is
    N·Ho·Wo: 50,176 for LeNet's first layer, against O = 6 and K = 25)."""
    return (cols @ g.T).T


def _backward_weight(
    g: np.ndarray,
    x: np.ndarray,
    w_shape: tuple[int, ...],
    stride: Pair,
    padding: Pair,
    cols: np.ndarray | None = None,
) -> np.ndarray:
    """dw (O, C, kh, kw) from g (O, N·Ho·Wo) (see `_channels_first`) and the input, or the
    forward's cols (K, N·Ho·Wo) if it kept them."""
    if cols is not None:
        # d/dw: dy · colsᵀ, the windows the forward already gathered
        return _times_cols_t(g, cols).reshape(w_shape)
    o, c, kh, kw = w_shape
    ho, wo = (
        out_size(x.shape[2], kh, stride[0], padding[0]),
        out_size(x.shape[3], kw, stride[1], padding[1]),
    )
    dw = np.zeros((o, c * kh * kw), dtype=x.dtype)
    for images, cols in _im2col_chunks(x, (kh, kw), stride, padding, ho, wo):
        # d/dw: Σ_n dy[n] · cols[n]ᵀ (each output's gradient times the window it saw)
        dw += _times_cols_t(g[:, images], cols)
    return dw.reshape(w_shape)


def _backward_input(
    g: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...], stride: Pair, padding: Pair
) -> np.ndarray:
    """dx (N, C, H, W) from g (O, N·Ho·Wo) (see `_channels_first`) and the weight."""
    n, _, h, wd = x_shape
    o, _, kh, kw = w.shape
    ho, wo = out_size(h, kh, stride[0], padding[0]), out_size(wd, kw, stride[1], padding[1])
    wt = np.ascontiguousarray(w).reshape(o, -1).T  # (K, O)
    k, length = wt.shape[0], ho * wo
    step = _chunk(n, k, length, g.itemsize)
    scratch = empty((k * step * length,), g.dtype)
    dx = np.empty(x_shape, dtype=g.dtype)
    for start in range(0, n, step):
        m = min(step, n - start)
        dcols = scratch[: k * m * length].reshape(k, m * length)
        # d/dx: Wᵀ · dy, each column added back onto the window it came from
        np.matmul(wt, g[:, start * length : (start + m) * length], out=dcols)
        _col2im(
            dcols.reshape(k, m, length), dx[start : start + m], kh, kw, *stride, *padding, ho, wo
        )
    return dx


def conv2d_backward(
    grad: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    stride: Pair,
    padding: Pair,
    needs: tuple[bool, bool],
    cols: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(dL/dx, dL/dw) from grad = dL/dy (N, O, Ho, Wo), the input and the weight; each only
    if ``needs`` says so (the rearranged gradient is built once for both). ``cols``: the
    forward's im2col matrix if it kept it (`conv2d_forward_keeping_cols`)."""
    g = _channels_first(grad)
    dx = _backward_input(g, w, x.shape, stride, padding) if needs[0] else None
    dw = None
    if needs[1]:
        dw = _backward_weight(g, np.ascontiguousarray(x), w.shape, stride, padding, cols)
    return dx, dw


def conv2d_backward_input(
    grad: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...], stride: Pair, padding: Pair
) -> np.ndarray:
    """dL/dx (N, C, H, W) from grad = dL/dy (N, O, Ho, Wo) and the weight alone (``x_shape``
    fixes H and W, which a stride > 1 leaves open); the forward of op conv2d_input_grad."""
    return _backward_input(_channels_first(grad), w, tuple(x_shape), stride, padding)


def conv2d_backward_weight(
    grad: np.ndarray, x: np.ndarray, w_shape: tuple[int, ...], stride: Pair, padding: Pair
) -> np.ndarray:
    """dL/dw (O, C, kh, kw) from grad = dL/dy (N, O, Ho, Wo) and the input alone
    (``w_shape`` gives kh, kw); the forward of op conv2d_weight_grad."""
    g = _channels_first(grad)
    return _backward_weight(g, np.ascontiguousarray(x), tuple(w_shape), stride, padding)


def conv2d_backward_bias(grad: np.ndarray) -> np.ndarray:
    """dL/db (O,) from grad (N, O, Ho, Wo)."""
    # d/db: 1 for every output position of the channel
    return grad.sum(axis=(0, 2, 3))
