"""`DataLoader`: cut a data set into (optionally shuffled) mini-batches of Tensors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from autograd import Tensor


class DataLoader:
    """Iterate over a data set in mini-batches, yielding tuples of `autograd.Tensor`.

    `dataset` is one of
    - a tuple or list of numpy arrays of equal length N along axis 0, e.g.
      `(images (N, 1, 28, 28) float32, labels (N,) int64)`: each batch is gathered with
      one fancy index per array;
    - a list or tuple of samples, each a tuple `(x, y, ...)`, e.g. `[(x0, 3), (x1, 7)]`
      (a Python tuple as an element marks a list of samples, not of arrays; `per_item=`
      overrides that);
    - a batch-indexable object with `__len__` and `__getitem__(index_array (B,))` that
      returns the batch: a tuple of arrays whose first axis is B (or one array);
    - a per-item object like `torch.utils.data.Dataset`: `__len__` and `__getitem__(i)`
      for an int i, returning one sample, a tuple `(x, y, ...)` of arrays or numbers (or
      one array). A batch is collated as PyTorch's `default_collate` does: field k of the
      B samples stacked along a new axis 0, so numbers become (B,) arrays (Python ints
      int64, Python floats float64, numpy scalars and arrays keep their dtype).

    Batch-indexable or per-item is decided once, at construction, unless `per_item=`
    says it: the loader reads samples i and j (the first and the last) one by one and as
    `dataset[np.array([i, j])]`, and indexes whole batches only if that gives exactly the
    stacked samples (same shapes, same values), or if the object refuses int indices.
    Otherwise it reads sample by sample: always right for a per-item dataset, just
    slower. So a per-item dataset whose `__getitem__` happens to accept an index array
    and return something else (one sample's reshape, `int(label)`, a dict) is never
    mis-batched; a dataset with random augmentation disagrees with itself and is read
    per item, which is correct too. Pass `per_item=True` or `False` to skip the probe
    (when reading a sample is expensive or has side effects). Every batch is checked:
    each array's first axis must be the batch length, else ValueError.

    Batches are copies, never views of the data set, wrapped in Tensors: float arrays
    keep their dtype, integer arrays (labels, token ids) stay integer. No Tensor requires
    grad. Samples must be numbers or numeric arrays of one shape per field (TypeError or
    ValueError naming the sample and field otherwise).

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
        *,
        per_item: bool | None = None,
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
        if per_item not in (None, True, False):
            raise TypeError(f"per_item must be None, True or False, got {per_item!r}")
        self.arrays: tuple[np.ndarray, ...] | None = None
        self.per_item = False
        listed = isinstance(dataset, (tuple, list))
        if listed and per_item is None:
            per_item = any(isinstance(s, tuple) for s in dataset)
        if listed and per_item:
            self._n, self.per_item = len(dataset), True  # a list of samples
        elif listed:
            self.arrays = _check_arrays(dataset)
            self._n = len(self.arrays[0])
        elif hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__"):
            self._n = len(dataset)
            self.per_item = _probe(dataset, self._n) if per_item is None else per_item
        else:
            raise TypeError(
                "dataset must be a tuple/list of numpy arrays, a list of sample tuples, or an "
                f"object with __len__ and __getitem__, got {type(dataset).__name__}"
            )
        self.dataset: Any = dataset  # duck-typed past the checks above: len() and []
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
        if self.shuffle:
            assert self.generator is not None  # made by __init__ when shuffling
            order = self.generator.permutation(self._n)
        else:
            order = np.arange(self._n)
        for k in range(len(self)):
            yield self._batch(order[k * self.batch_size : (k + 1) * self.batch_size])

    def _batch(self, idx: np.ndarray) -> tuple[Tensor, ...]:
        if self.arrays is not None:
            parts = tuple(a[idx] for a in self.arrays)
        elif self.per_item:
            parts = collate([self.dataset[int(i)] for i in idx], idx)
        else:
            parts = _fields(self.dataset[idx], "the batch")
            lengths = [len(p) if p.ndim else None for p in parts]
            if any(n != len(idx) for n in lengths):
                raise ValueError(
                    f"{type(self.dataset).__name__}[index array of {len(idx)}] returned "
                    f"arrays with first axes {lengths}; a batch-indexable dataset must return "
                    f"{len(idx)} rows in each (or use DataLoader(..., per_item=True))"
                )
        return tuple(Tensor(p) for p in parts)

    def __repr__(self) -> str:
        return (
            f"DataLoader(n={self._n}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, per_item={self.per_item}, batches={len(self)})"
        )


def _fields(sample: Any, where: str) -> tuple[np.ndarray, ...]:
    """A sample (or a batch) as a tuple of numeric arrays: a tuple/list of fields or one."""
    if isinstance(sample, dict):
        raise TypeError(
            f"{where} is a dict; DataLoader collates tuples (x, y, ...) of arrays or numbers"
        )
    fields = tuple(sample) if isinstance(sample, (tuple, list)) else (sample,)
    out = []
    for k, f in enumerate(fields):
        a = f.data if isinstance(f, Tensor) else np.asarray(f)
        if a.dtype.kind not in "biuf":
            raise TypeError(
                f"field {k} of {where} is {type(f).__name__} ({a.dtype}); DataLoader batches "
                "numbers and numeric arrays"
            )
        out.append(a)
    return tuple(out)


def collate(
    samples: Sequence[Any], idx: Sequence[int] | np.ndarray | None = None
) -> tuple[np.ndarray, ...]:
    """Stack per-item samples into a batch, as PyTorch's default_collate: field k of every
    sample stacked along a new axis 0. `idx` (the samples' indices) only names them in errors."""
    idx = list(range(len(samples))) if idx is None else [int(i) for i in idx]
    rows = [_fields(s, f"sample {i}") for s, i in zip(samples, idx)]
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise ValueError(
            f"samples {idx[:8]} have different numbers of fields {[len(r) for r in rows[:8]]}"
        )
    out = []
    for k in range(len(rows[0])):
        column = [r[k] for r in rows]
        shapes = {c.shape for c in column}
        if len(shapes) > 1:
            raise ValueError(
                f"field {k} of samples {idx[:8]} has shapes {[c.shape for c in column[:8]]}; "
                "samples must agree in shape to be stacked (pad them, or use batch_size=1)"
            )
        out.append(np.stack(column))
    return tuple(out)


def _same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x.shape != y.shape:
            return False
        try:
            if not np.array_equal(x, y, equal_nan=True):
                return False
        except TypeError:
            if not np.array_equal(x, y):
                return False
    return True


def _probe(dataset: Any, n: int) -> bool:
    """True if `dataset` must be read one sample at a time (see the DataLoader docstring)."""
    if n == 0:
        return False
    probe = np.array(sorted({0, n - 1}))
    items: tuple[np.ndarray, ...] | None = None
    batch: tuple[np.ndarray, ...] | None = None
    errors = []
    try:  # reading arbitrary user code: any failure only means "not this protocol"
        items = collate([dataset[int(i)] for i in probe], probe)
    except Exception as e:
        errors.append(f"dataset[{int(probe[0])}] raised {type(e).__name__}: {e}")
    try:
        batch = _fields(dataset[probe], "the batch")
    except Exception as e:
        errors.append(f"dataset[{probe!r}] raised {type(e).__name__}: {e}")
    if items is None and batch is None:
        raise TypeError(
            f"cannot read {type(dataset).__name__}: {'; '.join(errors)}. DataLoader needs "
            "__getitem__(int) -> one sample (x, y, ...) or __getitem__(index_array) -> a batch"
        )
    if items is None:
        return False
    return batch is None or not _same(items, batch)


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
