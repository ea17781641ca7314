"""Version counters: how a backward notices that an array it saved was changed in place.

Every in-place change made through tracegrad bumps the tensor's counter; a node records the
versions of its inputs and output when forward saves arrays, and its backward compares
(`autograd.function.Function`). Views share their base's counter.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from autograd.function import Function
    from autograd.tensor import Tensor


class VersionCounter:
    """Counts in-place changes to a tensor's data; views share their base's counter.

    A tensor gets a counter only when it is first viewed or changed in place, so until any
    counter exists (``VersionCounter.in_use``) the engine can skip version bookkeeping.
    """

    __slots__ = ("rewritten", "value")
    in_use = False
    #: True once an in-place op has been recorded on a tensor in a graph: from then on nodes
    #: get sequence numbers (see `autograd.history`)
    rewrites = False

    def __init__(self) -> None:
        self.value = 0
        #: recorded in-place ops that rewrote the history of the tensor owning this counter
        self.rewritten = 0
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
        self.rewritten = 0
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


class ViewCounter(VersionCounter):
    """The counter of a tensor whose data is a view of another's (reshape, transpose, basic
    indexing): it reads and bumps the base's counter, so a change through either is seen by
    both, and it remembers how many recorded in-place ops had rewritten the base's history
    when the view was taken. A view whose base was rewritten since is `stale`: its values
    are the new ones, but the history it was made with computes the old."""

    __slots__ = ("base", "born")
    base: VersionCounter
    born: int

    def __init__(self, base: VersionCounter) -> None:
        root = base.base if isinstance(base, ViewCounter) else base
        self.base = root
        self.born = root.rewritten

    @property
    def value(self) -> int:
        return self.base.value

    @value.setter
    def value(self, count: int) -> None:
        self.base.value = count

    @property
    def stale(self) -> bool:
        """True if a recorded in-place op rewrote the base after this view was taken."""
        return self.base.rewritten != self.born


def _checksum(array: np.ndarray) -> int:
    # an ndarray is a buffer; numpy's stubs declare its __buffer__ for Python 3.12+ only
    return zlib.crc32(np.ascontiguousarray(array).reshape(-1).view(np.uint8))  # type: ignore[arg-type]


# --- what Function's version check reads ---------------------------------------------------


def versions_at_save(inputs: tuple[Tensor, ...], out: Tensor) -> tuple[tuple[int, ...], int] | None:
    """Version of each input and of the output when forward saved arrays (None: all 0).

    Tensors get a version counter only when first changed in place or viewed, so for
    almost every op this is a short loop that finds no counter and records nothing.
    """
    if out._version is None:
        for t in inputs:
            if t._version is not None:
                break
        else:
            return None
    versions = tuple(0 if t._version is None else t._version.value for t in inputs)
    return versions, 0 if out._version is None else out._version.value


def live_buffer(t: Tensor) -> np.ndarray:
    """The buffer a node may have saved for ``t``: its data, or for the shell of a tensor
    changed by a recorded in-place op (`autograd.inplace.Shell`) the tensor's live buffer."""
    return getattr(t, "live", t.data)


def is_saved(ctx: Function, array: np.ndarray) -> bool:
    """Whether ``array`` itself is among what ``ctx`` saved for backward."""
    return any(s is array for s in ctx.saved_tensors)


def modified_error(op: str, what: str, version: int, expected: int) -> RuntimeError:
    """The error of a backward whose saved array was changed in place."""
    return RuntimeError(
        f"backward of {op!r}: {what} was saved for backward and then modified in place "
        f"(version {version}, expected {expected}). Compute on a copy, or change it only "
        "after backward()."
    )
