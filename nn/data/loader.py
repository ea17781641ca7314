"""`DataLoader`: cut a data set into (optionally shuffled) mini-batches of Tensors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autograd import Tensor


class DataLoader:
    """Iterate over a data set in mini-batches, yielding tuples of `autograd.Tensor`.

    `dataset` is either
    - a tuple or list of numpy arrays of equal length N along axis 0, e.g.
      `(images (N, 1, 28, 28) float32, labels (N,) int64)`; or
    - any object with `__len__` and `__getitem__` that takes an integer index array
      (B,) and returns a tuple of arrays whose first axis is B (a single array is
      wrapped into a 1-tuple).

    Each batch is gathered with one fancy index per array (a copy, never a view of
    the data set), then wrapped in Tensors: float arrays keep their dtype, integer
    arrays (labels, token ids) stay integer. No Tensor requires grad.

    `shuffle=True` draws a fresh permutation every epoch (every `iter(loader)`) from
    `generator`, a `numpy.random.Generator`. Pass `np.random.default_rng(seed)` to make
    the order reproducible; with `generator=None` a fresh unseeded Generator is used.

    `len(loader)` is the number of batches per epoch: ceil(N / batch_size), or
    floor(N / batch_size) with `drop_last=True` (the last, short batch is dropped).
    """

    def __init__(
        self,
        dataset: Sequence[np.ndarray] | Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: np.random.Generator | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"batch_size must be an int, got {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"generator must be a numpy.random.Generator, got {type(generator).__name__}; "
                f"use generator=np.random.default_rng(seed)"
            )
        self.arrays: tuple[np.ndarray, ...] | None = None
        if isinstance(dataset, (tuple, list)):
            self.arrays = _check_arrays(dataset)
            self._n = len(self.arrays[0])
        elif hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__"):
            self._n = len(dataset)
        else:
            raise TypeError(
                "dataset must be a tuple/list of numpy arrays or an object with __len__ and "
                f"__getitem__(index_array), got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        if self.shuffle and self.generator is None:
            self.generator = np.random.default_rng()

    def __len__(self) -> int:
        if self.drop_last:
            return self._n // self.batch_size
        return -(-self._n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        order = self.generator.permutation(self._n) if self.shuffle else np.arange(self._n)
        for k in range(len(self)):
            yield self._batch(order[k * self.batch_size : (k + 1) * self.batch_size])

    def _batch(self, idx: np.ndarray) -> tuple[Tensor, ...]:
        if self.arrays is not None:
            parts = tuple(a[idx] for a in self.arrays)
        else:
            out = self.dataset[idx]
            parts = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return tuple(p if isinstance(p, Tensor) else Tensor(np.asarray(p)) for p in parts)

    def __repr__(self) -> str:
        return (
            f"DataLoader(n={self._n}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, batches={len(self)})"
        )


def _check_arrays(arrays: Sequence[Any]) -> tuple[np.ndarray, ...]:
    """The arrays of a tuple/list data set, checked to share their first-axis length."""
    if len(arrays) == 0:
        raise ValueError("dataset is an empty tuple/list: give at least one array")
    out = []
    for i, a in enumerate(arrays):
        a = a.data if isinstance(a, Tensor) else np.asarray(a)
        if a.ndim == 0:
            raise ValueError(f"dataset array {i} is 0-d: every array needs a sample axis 0")
        out.append(a)
    lengths = [len(a) for a in out]
    if len(set(lengths)) > 1:
        raise ValueError(
            f"dataset arrays have different lengths along axis 0: {lengths}; "
            "every array needs one entry per sample"
        )
    return tuple(out)
