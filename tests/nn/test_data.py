"""nn.data: bundled sets, DataLoader, train_test_split, safe_pickle (MNIST: test_mnist_cache)."""

from __future__ import annotations

import io
import os
import pickle

import numpy as np
import pytest

from autograd import Tensor
from nn.data import (
    DataLoader,
    load_digits,
    load_mnist5k,
    safe_pickle,
    train_test_split,
)

# ---------------------------------------------------------------- bundled data sets


def test_load_digits_shapes_dtypes_ranges():
    x, y = load_digits()
    assert x.shape == (1797, 1, 8, 8)
    assert x.dtype == np.float32
    assert y.shape == (1797,)
    assert y.dtype == np.int64
    assert x.min() == 0.0
    assert x.max() == 1.0
    counts = np.bincount(y)
    assert len(counts) == 10
    assert counts.min() >= 170


def test_load_mnist5k_shapes_dtypes_ranges():
    x, y = load_mnist5k()
    assert x.shape == (5000, 1, 28, 28)
    assert x.dtype == np.float32
    assert y.shape == (5000,)
    assert y.dtype == np.int64
    assert x.min() == 0.0
    assert x.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y), [500] * 10)


def test_load_returns_copies():
    x, y = load_mnist5k()
    x[...] = -1
    y[...] = -1
    x2, y2 = load_mnist5k()
    assert x2.min() == 0.0
    assert y2.min() == 0


# ---------------------------------------------------------------- DataLoader


def _toy(n=23):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("batch_size", [1, 5, 23, 40])
def test_dataloader_len_and_batch_sizes(batch_size, drop_last):
    x, y = _toy(23)
    loader = DataLoader((x, y), batch_size=batch_size, drop_last=drop_last)
    expected = 23 // batch_size if drop_last else -(-23 // batch_size)
    assert len(loader) == expected
    batches = list(loader)
    assert len(batches) == expected
    sizes = [xb.shape[0] for xb, _ in batches]
    if drop_last:
        assert all(s == batch_size for s in sizes)
    else:
        assert sum(sizes) == 23


def test_dataloader_yields_tensors_keeping_dtypes():
    x, y = _toy()
    xb, yb = next(iter(DataLoader([x, y], batch_size=4)))
    assert isinstance(xb, Tensor)
    assert isinstance(yb, Tensor)
    assert xb.dtype == np.float32
    assert yb.dtype == np.int64
    assert not xb.requires_grad
    assert not yb.requires_grad
    np.testing.assert_array_equal(xb.data, x[:4])
    np.testing.assert_array_equal(yb.data, y[:4])


def test_dataloader_shuffle_covers_each_sample_once_per_epoch():
    x, y = _toy(23)
    loader = DataLoader((x, y), batch_size=4, shuffle=True, generator=np.random.default_rng(0))
    for _ in range(3):
        seen = np.concatenate([yb.data for _, yb in loader])
        np.testing.assert_array_equal(np.sort(seen), y)
        # rows stay paired: x row i is [3i, 3i+1, 3i+2]
        for xb, yb in loader:
            np.testing.assert_array_equal(xb.data[:, 0], 3 * yb.data)


def test_dataloader_reproducible_with_same_seed_and_reshuffles_each_epoch():
    x, y = _toy(50)

    def epochs(seed):
        loader = DataLoader(
            (x, y), batch_size=7, shuffle=True, generator=np.random.default_rng(seed)
        )
        return [np.concatenate([yb.data for _, yb in loader]) for _ in range(2)]

    a, b = epochs(1), epochs(1)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])
    assert not np.array_equal(a[0], y)
    assert not np.array_equal(epochs(2)[0], a[0])


def test_dataloader_shuffle_without_generator_still_covers_all():
    x, y = _toy(10)
    seen = np.concatenate([yb.data for _, yb in DataLoader((x, y), batch_size=3, shuffle=True)])
    np.testing.assert_array_equal(np.sort(seen), y)


def test_dataloader_batches_are_copies():
    x, y = _toy(6)
    xb, _ = next(iter(DataLoader((x, y), batch_size=2)))
    xb.data[...] = -1
    assert x.min() == 0


def test_dataloader_object_dataset():
    class Squares:
        def __len__(self):
            return 9

        def __getitem__(self, idx):
            return idx.astype(np.float32), idx**2

    loader = DataLoader(Squares(), batch_size=4, shuffle=True, generator=np.random.default_rng(3))
    assert len(loader) == 3
    got = [(a.data, b.data) for a, b in loader]
    np.testing.assert_array_equal(np.sort(np.concatenate([a for a, _ in got])), np.arange(9))
    for a, b in got:
        np.testing.assert_array_equal(a.astype(np.int64) ** 2, b)


def test_dataloader_empty_dataset():
    loader = DataLoader((np.zeros((0, 2)), np.zeros(0, np.int64)), batch_size=3)
    assert len(loader) == 0
    assert list(loader) == []


def test_dataloader_mismatched_lengths_error_names_lengths():
    with pytest.raises(ValueError, match=r"\[10, 9\]"):
        DataLoader((np.zeros((10, 2)), np.zeros(9)))


@pytest.mark.parametrize("bs", [0, -3])
def test_dataloader_bad_batch_size(bs):
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        DataLoader(_toy(), batch_size=bs)


def test_dataloader_bad_generator_and_dataset():
    with pytest.raises(TypeError, match="default_rng"):
        DataLoader(_toy(), shuffle=True, generator=0)
    with pytest.raises(TypeError, match="dataset"):
        DataLoader(42)
    with pytest.raises(ValueError, match="empty"):
        DataLoader(())


# ---------------------------------------------------------------- train_test_split


def test_train_test_split_shuffles_sorted_input():
    x, y = load_mnist5k()
    (x_tr, y_tr), (x_te, y_te) = train_test_split(x, y, test_fraction=0.2, seed=0)
    assert len(y_tr) == 4000
    assert len(y_te) == 1000
    assert x_tr.shape == (4000, 1, 28, 28)
    assert np.all(np.bincount(y_te, minlength=10) > 50)  # not the last two classes only
    assert np.any(np.diff(y_tr) < 0)  # no longer sorted
    # rows stay paired: every split image is the original image of some index with its label
    idx = np.flatnonzero(y == y_te[0])
    assert any(np.array_equal(x[i], x_te[0]) for i in idx)


def test_train_test_split_stratified_keeps_proportions():
    y = np.repeat(np.arange(3), [50, 30, 20])
    x = np.arange(100)
    (x_tr, y_tr), (x_te, y_te) = train_test_split(x, y, test_fraction=0.2, seed=1, stratify=y)
    np.testing.assert_array_equal(np.bincount(y_te), [10, 6, 4])
    np.testing.assert_array_equal(np.bincount(y_tr), [40, 24, 16])
    np.testing.assert_array_equal(np.sort(np.concatenate([x_tr, x_te])), x)
    np.testing.assert_array_equal(y[x_te], y_te)


def test_train_test_split_reproducible_and_errors():
    x = np.arange(20)
    a = train_test_split(x, seed=5)
    b = train_test_split(x, seed=5)
    np.testing.assert_array_equal(a[1][0], b[1][0])
    with pytest.raises(ValueError, match="lengths"):
        train_test_split(x, np.arange(3))
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split(x, test_fraction=1.0)


# ---------------------------------------------------------------- safe_pickle


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class _Plain:
    pass


def test_safe_pickle_refuses_os_system():
    data = pickle.dumps(_Evil())
    with pytest.raises(pickle.UnpicklingError, match="system"):
        safe_pickle.loads(data)


def test_safe_pickle_refuses_any_class():
    with pytest.raises(pickle.UnpicklingError, match=r"test_data\._Plain"):
        safe_pickle.loads(pickle.dumps(_Plain()))
    with pytest.raises(pickle.UnpicklingError, match=r"builtins\.eval"):
        safe_pickle.loads(b"cbuiltins\neval\n(S'1'\ntR.")


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_safe_pickle_accepts_tuple_of_arrays(protocol):
    arrays = ((np.arange(12, dtype=np.float32).reshape(3, 4), np.arange(3)), np.eye(2)[::-1])
    out = safe_pickle.load(io.BytesIO(pickle.dumps(arrays, protocol=protocol)))
    np.testing.assert_array_equal(out[0][0], arrays[0][0])
    assert out[0][0].dtype == np.float32
    np.testing.assert_array_equal(out[0][1], arrays[0][1])
    np.testing.assert_array_equal(out[1], arrays[1])
