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

Images go in chunks whose cols fits in CHUNK_BYTES, so memory stays bounded for large inputs;
small problems (a LeNet layer, the benchmark below) are one chunk. cols is not kept for
backward: the weight gradient gathers it again from x, which is all forward saves.

**Why this algorithm** (measured on the 2-core benchmark machine, float32, x (32, 16, 32, 32),
w (32, 16, 3, 3), padding 1, forward + backward with dx, dw, db; medians of 5 alternated
fresh-process runs in one session, PyTorch 2.13 CPU 15.9 ms in that session, 9.9 ms on the
quietest one):

    this module: im2col (K, N·L) in chunks, one GEMM per chunk and product    23.5 ms
      the same in 1 MB chunks (cols stays in cache): 18.6 and 33.3 ms in two sessions
    im2col (N, K, L) with prange + one GEMM per image (np.matmul batches)     77.8 ms
      the same with serial copies                                              58.5 ms
    direct loops in Numba with prange, no BLAS: the forward alone             119 ms
    a loop over images, prange im2col + GEMMs per image                       388 ms

The floor is BLAS: each of the three products takes 4.2 ms here (71 GFLOP/s; a square 1024
sgemm reaches 156 GFLOP/s), 12.7 ms in all, which PyTorch's direct convolution (oneDNN)
beats for the whole step. What made the difference above:

- *One GEMM per chunk, not per image*: 4.7 vs 5.8 ms for these shapes, 0.47 vs 0.86 ms for
  LeNet's second layer, whose per-image products are tiny.
- *Unsigned indices in the copy loops*: Numba checks every signed index for wraparound, which
  keeps LLVM from vectorising; with unsigned ones an im2col of 1.3 M floats takes 0.13 ms
  instead of 1.1 ms (numpy's own memcpy of the result: 0.19 ms).
- *Serial copies*: Numba's ``prange`` runs on an OpenMP pool whose idle threads keep spinning
  after a loop, as OpenBLAS's do after a product; alternating the two on 2 cores made each
  side wait for the other's spinning threads (the per-image loop above; 280 ms instead of
  7.7 ms in a smaller test). The copies are memory-bound anyway; BLAS uses both cores.
- *Reused scratch memory* (`_Workspace`): a fresh 6 MB cols costs a page fault per page on
  first touch, which was two thirds of each im2col in a LeNet step (2.0 -> 0.7 ms a call).

Kernels take C-contiguous float32 or float64 arrays and Python ints (one compiled version
per dtype); the public functions here make sure of that.
"""

from __future__ import annotations

import threading

import numba
import numpy as np

Pair = tuple[int, int]

#: bytes of im2col matrix per chunk of images (a chunk has at least one image)
CHUNK_BYTES = 8 << 20
#: scratch arrays up to this many bytes are kept between calls (see `_Workspace`)
WORKSPACE_BYTES = 16 << 20


def out_size(size: int, k: int, stride: int, padding: int) -> int:
    """Output length along one axis: ``(size + 2·padding - k) // stride + 1``."""
    return (size + 2 * padding - k) // stride + 1


# The copy loops index with unsigned integers: Numba adds a negative-index check to every
# signed index, which keeps LLVM from vectorising the loop (measured: copies 8x slower).


@numba.njit(cache=True)
def _valid(n_out: int, n_in: int, offset: int, stride: int) -> tuple[int, int]:
    """The outputs ``lo <= j < hi`` whose input ``j·stride + offset`` lies in ``[0, n_in)``;
    the others read zero padding."""
    lo = 0 if offset >= 0 else (stride - 1 - offset) // stride
    last = n_in - 1 - offset
    hi = 0 if last < 0 else min(n_out, last // stride + 1)
    return lo, max(lo, hi)


@numba.njit(cache=True)
def _im2col(x, cols, kh, kw, sh, sw, ph, pw, ho, wo):
    """Fill cols (C·kh·kw, m, Ho·Wo) from x (m, C, H, W); padding reads as zeros."""
    m, c_, h, w = x.shape
    step = np.uint64(sw)
    for n in range(m):
        for c in range(c_):
            for p in range(kh):
                for q in range(kw):
                    dst = cols[(c * kh + p) * kw + q, n]
                    lo, hi = _valid(wo, w, q - pw, sw)
                    for i in range(ho):
                        r = i * sh - ph + p
                        base = i * wo
                        if r < 0 or r >= h or hi == lo:
                            dst[base : base + wo] = 0
                            continue
                        dst[base : base + lo] = 0
                        dst[base + hi : base + wo] = 0
                        src = x[n, c, r]
                        to, at = np.uint64(base + lo), np.uint64(lo * sw + q - pw)
                        for j in range(np.uint64(hi - lo)):
                            dst[to + j] = src[at + j * step]


@numba.njit(cache=True)
def _col2im(cols, dx, kh, kw, sh, sw, ph, pw, ho, wo):
    """Overwrite dx (m, C, H, W) with the columns of cols (C·kh·kw, m, Ho·Wo) added onto
    their windows (the parts on the padding are dropped)."""
    m, c_, h, w = dx.shape
    dx[:] = 0
    step = np.uint64(sw)
    for n in range(m):
        for c in range(c_):
            for p in range(kh):
                for q in range(kw):
                    src = cols[(c * kh + p) * kw + q, n]
                    lo, hi = _valid(wo, w, q - pw, sw)
                    for i in range(ho):
                        r = i * sh - ph + p
                        if r < 0 or r >= h or hi == lo:
                            continue
                        dst = dx[n, c, r]
                        at, to = np.uint64(i * wo + lo), np.uint64(lo * sw + q - pw)
                        for j in range(np.uint64(hi - lo)):
                            dst[to + j * step] += src[at + j]


def _chunk(n: int, k: int, length: int, itemsize: int) -> int:
    """Images per chunk: as many as keep a (K, chunk·L) matrix under CHUNK_BYTES."""
    return max(1, min(n, CHUNK_BYTES // max(1, k * length * itemsize)))


class _Workspace(threading.local):
    """Scratch arrays kept between calls, one set per thread, reused by name and dtype.

    Fresh memory costs a page fault per 4 KB page on first touch; for the temporaries of a
    convolution (cols, the products' outputs) that was most of an im2col's time in a training
    step. Arrays larger than WORKSPACE_BYTES are not kept. `clear_workspace` frees them.
    """

    def __init__(self) -> None:
        self.arrays: dict[tuple[str, np.dtype], np.ndarray] = {}

    def get(self, name: str, size: int, dtype: np.dtype) -> np.ndarray:
        """A 1-D scratch array of ``size`` elements (contents undefined)."""
        key = (name, np.dtype(dtype))
        kept = self.arrays.get(key)
        if kept is not None and kept.size >= size:
            return kept[:size]
        fresh = np.empty(size, dtype=dtype)
        if fresh.nbytes <= WORKSPACE_BYTES:
            self.arrays[key] = fresh
        return fresh


_WORKSPACE = _Workspace()


def clear_workspace() -> None:
    """Free the scratch arrays this thread keeps between convolutions."""
    _WORKSPACE.arrays.clear()


def _im2col_chunks(x: np.ndarray, kernel: Pair, stride: Pair, padding: Pair, ho: int, wo: int):
    """Yield ``(images, cols)`` per chunk of images: the columns of g or yg that belong to
    the chunk, and its cols (K, m·Ho·Wo) in a scratch buffer."""
    n, c = x.shape[:2]
    k, length = c * kernel[0] * kernel[1], ho * wo
    step = _chunk(n, k, length, x.itemsize)
    scratch = _WORKSPACE.get("cols", k * step * length, x.dtype)
    for start in range(0, n, step):
        m = min(step, n - start)
        cols = scratch[: k * m * length].reshape(k, m, length)  # contiguous, also the last
        _im2col(x[start : start + m], cols, *kernel, *stride, *padding, ho, wo)
        yield slice(start * length, (start + m) * length), cols.reshape(k, m * length)


def _channels_first(grad: np.ndarray) -> np.ndarray:
    """grad (N, O, Ho, Wo) as g (O, N·Ho·Wo), the layout of the products' outputs."""
    n, o, ho, wo = grad.shape
    g = _WORKSPACE.get("grad", grad.size, grad.dtype).reshape(o, n, ho, wo)
    np.copyto(g, grad.transpose(1, 0, 2, 3))
    return g.reshape(o, n * ho * wo)


def conv2d_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: Pair, padding: Pair
) -> np.ndarray:
    """y (N, O, Ho, Wo) = x ⋆ w + b.

    ``x`` and ``w`` (and ``b``) share one float dtype; shapes are checked by the caller.
    """
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    ho, wo = out_size(h, kh, stride[0], padding[0]), out_size(wd, kw, stride[1], padding[1])
    x = np.ascontiguousarray(x)
    w2 = np.ascontiguousarray(w).reshape(o, -1)
    # channels first: one product per chunk
    yg = _WORKSPACE.get("out", o * n * ho * wo, x.dtype).reshape(o, n * ho * wo)
    for images, cols in _im2col_chunks(x, (kh, kw), stride, padding, ho, wo):
        np.matmul(w2, cols, out=yg[:, images])
    y = np.empty((n, o, ho, wo), dtype=x.dtype)
    channels_first = yg.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)
    if b is None:
        np.copyto(y, channels_first)
    else:
        np.add(channels_first, b[:, None, None], out=y)  # the bias added on the way
    return y


def _backward_weight(g: np.ndarray, x: np.ndarray, w_shape: tuple, stride, padding):
    """dw (O, C, kh, kw) from g (O, N·Ho·Wo) (see `_channels_first`) and the input."""
    o, c, kh, kw = w_shape
    ho, wo = (
        out_size(x.shape[2], kh, stride[0], padding[0]),
        out_size(x.shape[3], kw, stride[1], padding[1]),
    )
    dw = np.zeros((o, c * kh * kw), dtype=x.dtype)
    for images, cols in _im2col_chunks(x, (kh, kw), stride, padding, ho, wo):
        # d/dw: Σ_n dy[n] · cols[n]ᵀ (each output's gradient times the window it saw)
        dw += g[:, images] @ cols.T
    return dw.reshape(w_shape)


def _backward_input(g: np.ndarray, w: np.ndarray, x_shape: tuple, stride, padding):
    """dx (N, C, H, W) from g (O, N·Ho·Wo) (see `_channels_first`) and the weight."""
    n, _, h, wd = x_shape
    o, _, kh, kw = w.shape
    ho, wo = out_size(h, kh, stride[0], padding[0]), out_size(wd, kw, stride[1], padding[1])
    wt = np.ascontiguousarray(w).reshape(o, -1).T  # (K, O)
    k, length = wt.shape[0], ho * wo
    step = _chunk(n, k, length, g.itemsize)
    scratch = _WORKSPACE.get("cols", k * step * length, g.dtype)
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
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(dL/dx, dL/dw) from grad = dL/dy (N, O, Ho, Wo), the input and the weight; each only
    if ``needs`` says so (the rearranged gradient is built once for both)."""
    g = _channels_first(grad)
    dx = _backward_input(g, w, x.shape, stride, padding) if needs[0] else None
    dw = (
        _backward_weight(g, np.ascontiguousarray(x), w.shape, stride, padding) if needs[1] else None
    )
    return dx, dw


def conv2d_backward_input(
    grad: np.ndarray, w: np.ndarray, x_shape: tuple[int, ...], stride: Pair, padding: Pair
) -> np.ndarray:
    """dL/dx (N, C, H, W) from grad = dL/dy (N, O, Ho, Wo) and the weight (O, C, kh, kw)."""
    return _backward_input(_channels_first(grad), w, x_shape, stride, padding)


def conv2d_backward_weight(
    grad: np.ndarray, x: np.ndarray, w_shape: tuple[int, ...], stride: Pair, padding: Pair
) -> np.ndarray:
    """dL/dw (O, C, kh, kw) from grad = dL/dy (N, O, Ho, Wo) and the input x (N, C, H, W)."""
    g = _channels_first(grad)
    return _backward_weight(g, np.ascontiguousarray(x), w_shape, stride, padding)


def conv2d_backward_bias(grad: np.ndarray) -> np.ndarray:
    """dL/db (O,) from grad (N, O, Ho, Wo)."""
    # d/db: 1 for every output position of the channel
    return grad.sum(axis=(0, 2, 3))
