"""The row scatter-add kernel against np.add.at."""

from __future__ import annotations

import numpy as np
import pytest

from autograd.kernels.embedding import scatter_add_rows
from autograd.kernels.embedding_oracle import scatter_add_rows_oracle


@pytest.mark.small
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("rows", "dim", "n"), [(1, 1, 1), (5, 3, 12), (7, 4, 0)])
def test_scatter_add_rows_matches_add_at(rng, dtype, rows, dim, n):
    index = rng.integers(0, rows, n).astype(np.int64)
    updates = rng.standard_normal((n, dim)).astype(dtype)
    start = rng.standard_normal((rows, dim)).astype(dtype)
    got, expected = start.copy(), start.copy()
    scatter_add_rows(got, index, updates)
    scatter_add_rows_oracle(expected, index, updates)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.small
def test_scatter_add_rows_accumulates_repeats():
    out = np.zeros((3, 2))
    scatter_add_rows(out, np.array([1, 1, 1], dtype=np.int64), np.ones((3, 2)))
    np.testing.assert_array_equal(out, [[0, 0], [3, 3], [0, 0]])
