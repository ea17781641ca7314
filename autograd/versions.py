"""Version counters: how a backward notices that an array it saved was changed in place.

Every in-place change made through tracegrad bumps the tensor's counter; a node records the
versions of its inputs and output when forward saves arrays, and its backward compares
(`autograd.function.Function`). Views share their base's counter.
"""

from __future__ import annotations

import zlib

import numpy as np


class VersionCounter:
    """Counts in-place changes to a tensor's data; views share their base's counter.

    A tensor gets a counter only when it is first viewed or changed in place, so until any
    counter exists (``VersionCounter.in_use``) the engine can skip version bookkeeping.
    """

    __slots__ = ("value",)
    in_use = False
    #: True once an in-place op has been recorded on a tensor in a graph: from then on nodes
    #: get sequence numbers (see `autograd.history`)
    rewrites = False

    def __init__(self) -> None:
        self.value = 0
        VersionCounter.in_use = True


class SharedArrayCounter(VersionCounter):
    """The version counter of a tensor that shares memory with a caller's array (`from_numpy`).

    Besides in-place changes made through tracegrad, it counts writes made directly to the
    array (``buf[:] = 5``): each read of ``value`` compares a CRC-32 checksum of the array
    with the last one seen and counts a change as a new version. So a backward whose saved
    array was changed behind tracegrad's back raises, as for any in-place change. The price
    is one checksum pass over the array each time a version is recorded or checked.
    """

    __slots__ = ("_array", "_checksum", "_count")

    def __init__(self, array: np.ndarray) -> None:
        self._array = array
        self._checksum = _checksum(array)
        self._count = 0
        VersionCounter.in_use = True

    @property
    def value(self) -> int:
        checksum = _checksum(self._array)
        if checksum != self._checksum:
            self._checksum = checksum
            self._count += 1
        return self._count

    @value.setter
    def value(self, count: int) -> None:
        self._checksum = _checksum(self._array)
        self._count = count


def _checksum(array: np.ndarray) -> int:
    # an ndarray is a buffer; numpy's stubs declare its __buffer__ for Python 3.12+ only
    return zlib.crc32(np.ascontiguousarray(array).reshape(-1).view(np.uint8))  # type: ignore[arg-type]
