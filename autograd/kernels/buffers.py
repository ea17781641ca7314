"""`empty`: ``np.empty`` on recycled memory, the one buffer pool of the kernels.

A fresh multi-megabyte array costs a page fault per 4 KB page when first written (µs each in
a VM). Measured: about a quarter of an LSTM training step; in a LeNet-5 step, 1,286 faults
(about 5 ms of kernel time), all in conv2d's temporaries, and the step went from 19.8 to
13.1 ms once they were recycled. So the big arrays of the LSTM and GRU kernels and the
temporaries of conv2d (the im2col matrix, the rearranged gradient) come from here.

How it works: `empty` cuts the array from a free buffer of the pool when one fits (at least
the size asked, at most twice it), else from a fresh one. The array's ``base`` is a lease
object; when the array and every view of it are gone, a finalizer puts the buffer back in
the pool. So memory is never shared with a live array, and an array that leaves a kernel
(an op's output) simply keeps its buffer out of the pool for as long as it lives. The pool
keeps at most 32 free buffers, 256 MB; buffers beyond that go back to the allocator.
Thread-safe: taking a buffer holds a lock; giving one back needs none. Arrays under
`SMALL_BYTES` are plain ``np.empty``: they never page-fault, and the pool's bookkeeping
(about 8 µs) would cost more than it saves (a one-step LSTM cell runs a dozen of them).

`row_major_transpose` is the kernels' other shared helper for memory layout.
"""

from __future__ import annotations

import math
import threading
import weakref
from typing import Any

import numpy as np


class _Lease:
    """What numpy sees as the owner of an array cut from a pooled buffer (its ``base``)."""

    __slots__ = ("__array_interface__", "__weakref__")

    __array_interface__: dict[str, Any]


#: free buffers (flat uint8), given back by the arrays of `empty` when the last of them dies
_FREE: list[np.ndarray] = []
_FREE_MAX_COUNT = 32
_FREE_MAX_BYTES = 256 * 2**20
_TAKE = threading.Lock()
#: arrays smaller than this skip the pool: malloc serves them from its heap (glibc's default
#: mmap threshold is 128 KB), without page faults, faster than a trip through the pool
SMALL_BYTES = 128 * 1024


def _give_back(raw: np.ndarray) -> None:
    # runs when an array dies, possibly inside `empty` on this thread: no lock here (appends
    # do not move the entries `empty` is looking at)
    if len(_FREE) < _FREE_MAX_COUNT and sum(b.nbytes for b in _FREE) <= _FREE_MAX_BYTES:
        _FREE.append(raw)


def empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """``np.empty(shape, dtype)`` (C-contiguous, contents undefined) on recycled memory.

    The buffer goes back to the pool when the array and every view of it are gone.
    """
    dtype = np.dtype(dtype)
    nbytes = max(math.prod(shape) * dtype.itemsize, 1)
    if nbytes < SMALL_BYTES:
        return np.empty(shape, dtype)
    raw = None
    with _TAKE:
        fits = [k for k, b in enumerate(_FREE) if nbytes <= b.nbytes <= 2 * nbytes]
        if fits:
            raw = _FREE.pop(min(fits, key=lambda k: _FREE[k].nbytes))
    if raw is None:
        raw = np.empty(nbytes, np.uint8)
    lease = _Lease()
    lease.__array_interface__ = {
        "version": 3,
        "shape": tuple(shape),
        "typestr": dtype.str,
        "data": (raw.ctypes.data, False),
    }
    weakref.finalize(lease, _give_back, raw)
    return np.asarray(lease)


#: a per-step product ``h @ wᵀ`` with ``wᵀ`` copied row-major runs about 20 µs faster (LSTM,
#: B 32, H 128) than on the transposed view; the strided copy costs about 110 µs
COPY_PAYS_AFTER = 6


def row_major_transpose(w: np.ndarray, uses: int) -> np.ndarray:
    """``w.T`` for ``uses`` products ``x @ w.T``: a row-major copy when there are more than
    `COPY_PAYS_AFTER` (OpenBLAS's small-matrix path is faster on it), else the view."""
    return np.ascontiguousarray(w.T) if uses > COPY_PAYS_AFTER else w.T
