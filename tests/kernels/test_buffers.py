"""The kernels' pool of recycled memory: arrays never share memory while alive, and a buffer is
used again once its array is gone."""

from __future__ import annotations

import numpy as np
import pytest

from autograd.kernels import buffers
from autograd.kernels.buffers import empty


@pytest.mark.small
def test_recycled_arrays_are_never_shared_while_alive():
    a = empty((40_000,), np.float32)  # above SMALL_BYTES: from the pool
    view = a[10:]
    del a
    b = empty((40_000,), np.float32)
    assert not np.shares_memory(b, view)
    view[:] = 1.0
    b[:] = 2.0
    assert (view == 1.0).all()
    assert empty((3, 4), np.float64).shape == (3, 4)
    assert empty((2, 0, 3), np.float32).size == 0


@pytest.mark.small
def test_buffer_of_a_dead_array_is_used_again(monkeypatch):
    free: list[np.ndarray] = []
    monkeypatch.setattr(buffers, "_FREE", free)  # a pool of this test's own
    a = empty((40_000,), np.float32)
    address = a.ctypes.data
    view = a[5:]
    del a
    assert free == []  # the view still holds the buffer
    del view
    assert [raw.ctypes.data for raw in free] == [address]
    b = empty((4, 10_000), np.float32)  # the same number of bytes
    assert free == []
    assert b.ctypes.data == address
    assert b.shape == (4, 10_000)


@pytest.mark.small
def test_small_arrays_skip_the_pool(monkeypatch):
    free: list[np.ndarray] = []
    monkeypatch.setattr(buffers, "_FREE", free)
    small = empty((buffers.SMALL_BYTES // 4 - 1,), np.float32)
    assert small.base is None  # a plain np.empty, owning its memory
    del small
    assert free == []
    big = empty((buffers.SMALL_BYTES // 4,), np.float32)
    assert big.base is not None  # leased from a pooled buffer
    del big
    assert len(free) == 1


@pytest.mark.small
def test_row_major_transpose_copies_only_when_it_pays():
    w = np.arange(12.0).reshape(4, 3)
    few = buffers.row_major_transpose(w, buffers.COPY_PAYS_AFTER)
    many = buffers.row_major_transpose(w, buffers.COPY_PAYS_AFTER + 1)
    assert np.shares_memory(few, w)
    assert many.flags.c_contiguous
    assert not np.shares_memory(many, w)
    np.testing.assert_array_equal(few, w.T)
    np.testing.assert_array_equal(many, w.T)
