"""The kernels' pool of recycled memory: arrays never share memory while alive, and a buffer is
used again once its array is gone."""

from __future__ import annotations

import numpy as np
import pytest

from autograd.kernels import buffers
from autograd.kernels.buffers import empty


@pytest.mark.small
def test_recycled_arrays_are_never_shared_while_alive():
    a = empty((100,), np.float32)
    view = a[10:]
    del a
    b = empty((100,), np.float32)
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
    a = empty((12345,), np.float32)
    address = a.ctypes.data
    view = a[5:]
    del a
    assert free == []  # the view still holds the buffer
    del view
    assert [raw.ctypes.data for raw in free] == [address]
    b = empty((3, 4115), np.float32)  # the same number of bytes
    assert free == []
    assert b.ctypes.data == address
    assert b.shape == (3, 4115)
