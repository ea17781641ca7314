"""DataLoader on object data sets: PyTorch-style per-item ones are collated by stacking,
batch-indexable ones are indexed whole, and the two are never confused."""

from __future__ import annotations

import numpy as np
import pytest

from nn.data import DataLoader
from nn.data.loader import collate

N, D = 11, 6


def _xy():
    rng = np.random.default_rng(0)
    return rng.random((N, D)).astype(np.float32) + 0.1, rng.integers(0, 10, N)


class Normalised:
    """Per item, like torch.utils.data.Dataset: each sample scaled by its own maximum.
    Given an index array it still "works", but scales by the batch's maximum."""

    def __init__(self):
        self.x, self.y = _xy()
        self.calls = 0

    def __len__(self):
        return N

    def __getitem__(self, i):
        self.calls += 1
        x = self.x[i]
        return x / x.max(), self.y[i]


class Flat(Normalised):
    """Per item, returning a flattened sample: an index array gives (B*6,), not (B, 6)."""

    def __getitem__(self, i):
        x = self.x[i]
        return (x / x.max()).ravel(), self.y[i]


class Columns(Normalised):
    """Batch-indexable and per-item alike: plain numpy indexing."""

    def __getitem__(self, i):
        self.calls += 1
        return self.x[i], self.y[i]


class BatchOnly(Normalised):
    """Only index arrays: an int has no .astype."""

    def __getitem__(self, idx):
        self.calls += 1
        return self.x[idx.astype(np.int64)], self.y[idx]


def _expected(ds, order):
    items = [ds[int(i)] for i in order]
    return np.stack([x for x, _ in items]), np.array([y for _, y in items])


@pytest.mark.parametrize("dataset", [Normalised, Flat])
@pytest.mark.parametrize("batch_size", [1, 4, N])
def test_per_item_dataset_is_collated_by_stacking_its_samples(dataset, batch_size):
    ds = dataset()
    loader = DataLoader(ds, batch_size=batch_size, shuffle=True, generator=np.random.default_rng(1))
    assert loader.per_item
    order = np.random.default_rng(1).permutation(N)  # the loader's first epoch
    want_x, want_y = _expected(ds, order)
    got = list(loader)
    assert [len(yb.data) for _, yb in got] == [len(c) for c in np.array_split(order, len(got))]
    # each row is one sample exactly as ds[i] gives it (scaled by its own max, not the batch's)
    np.testing.assert_array_equal(np.concatenate([xb.data for xb, _ in got]), want_x)
    np.testing.assert_array_equal(np.concatenate([yb.data for _, yb in got]), want_y)
    np.testing.assert_allclose(want_x.max(axis=1), 1.0, rtol=1e-6)


def test_per_item_batches_keep_samples_and_labels_paired_in_order():
    ds = Normalised()
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    want_x, want_y = _expected(ds, range(5))
    np.testing.assert_array_equal(xb.data, want_x)
    np.testing.assert_array_equal(yb.data, want_y)
    assert yb.dtype == np.int64


def test_a_dataset_that_indexes_like_numpy_is_read_in_whole_batches():
    ds = Columns()
    loader = DataLoader(ds, batch_size=4)
    assert not loader.per_item
    ds.calls = 0
    batches = list(loader)
    assert ds.calls == len(loader) == 3  # one read per batch, not per sample
    np.testing.assert_array_equal(np.concatenate([x.data for x, _ in batches]), ds.x)


def test_an_index_array_only_dataset_is_read_in_whole_batches():
    ds = BatchOnly()
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=np.random.default_rng(3))
    assert not loader.per_item
    for xb, yb in loader:
        for x, y in zip(xb.data, yb.data):
            assert y == ds.y[np.flatnonzero((ds.x == x).all(axis=1))[0]]


def test_random_augmentation_is_read_per_item():
    class Noisy(Columns):
        rng = np.random.default_rng(0)

        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x + self.rng.normal(size=np.shape(x)).astype(np.float32), y

    assert DataLoader(Noisy(), batch_size=3).per_item


def test_per_item_can_be_forced_either_way_without_a_probe():
    ds = Columns()
    assert DataLoader(ds, batch_size=3, per_item=True).per_item
    assert not DataLoader(ds, batch_size=3, per_item=False).per_item
    assert ds.calls == 0


def test_a_list_of_sample_tuples_is_a_per_item_dataset():
    samples = [(np.full(3, i, np.float32), i % 2) for i in range(7)]
    xb, yb = next(iter(DataLoader(samples, batch_size=7)))
    assert xb.shape == (7, 3)
    assert xb.dtype == np.float32
    np.testing.assert_array_equal(yb.data, [0, 1, 0, 1, 0, 1, 0])
    x, y = np.zeros((4, 2)), np.arange(4)
    assert next(iter(DataLoader([x, y], batch_size=4)))[0].shape == (4, 2)  # arrays as before


def test_collate_follows_default_collate_dtypes():
    xb, yb, wb = collate([(1.5, 2, np.float32(0.5)), (2.5, 3, np.float32(1.0))])
    assert (xb.dtype, yb.dtype, wb.dtype) == (np.float64, np.int64, np.float32)
    np.testing.assert_array_equal(yb, [2, 3])


@pytest.mark.parametrize(
    ("item", "error", "message"),
    [
        (lambda i: {"x": np.zeros(2), "y": i}, TypeError, "dict"),
        (lambda i: (np.zeros(2 + i % 2), i), ValueError, "shapes"),
        (lambda i: (np.zeros(2), "label"), TypeError, "numeric"),
        (lambda i: (np.zeros(2), i) if i else (np.zeros(2),), ValueError, "numbers of fields"),
    ],
)
def test_samples_that_cannot_be_stacked_are_refused(item, error, message):
    class Bad:
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return item(int(i))

    with pytest.raises(error, match=message):
        list(DataLoader(Bad(), batch_size=4, per_item=True))


def test_an_unreadable_dataset_names_both_ways_it_was_read():
    class Broken:
        def __len__(self):
            return 3

        def __getitem__(self, i):
            raise KeyError(i)

    with pytest.raises(TypeError, match=r"dataset\[0\] raised KeyError.*index_array"):
        DataLoader(Broken())


def test_a_batch_with_the_wrong_first_axis_is_refused():
    ds = Flat()
    with pytest.raises(ValueError, match="first axes"):
        next(iter(DataLoader(ds, batch_size=4, per_item=False)))
