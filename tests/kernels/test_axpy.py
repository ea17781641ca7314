"""The fused ``y += alpha · x`` kernel against numpy's two steps: bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from autograd.kernels.axpy import axpy
from autograd.kernels.axpy_oracle import axpy_oracle


@pytest.mark.small
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [0, 1, 7, 1000])
@pytest.mark.parametrize("alpha", [1.0, -0.025, 3.5e-3])
def test_axpy_equals_numpy_bit_for_bit(rng, dtype, n, alpha):
    x = rng.standard_normal(n).astype(dtype)
    start = rng.standard_normal(n).astype(dtype)
    got, expected = start.copy(), start.copy()
    axpy(dtype(alpha), x, got)
    axpy_oracle(dtype(alpha), x, expected)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == dtype


@pytest.mark.small
def test_axpy_leaves_x_alone_and_keeps_special_values():
    x = np.array([0.0, 1.0, np.inf, 2.0], dtype=np.float32)
    y = np.array([-0.0, np.nan, 1.0, 1.0], dtype=np.float32)
    axpy(np.float32(-0.5), x, y)
    np.testing.assert_array_equal(x, [0.0, 1.0, np.inf, 2.0])
    np.testing.assert_array_equal(y, [-0.0, np.nan, -np.inf, 0.0])
    assert np.signbit(y[0])  # -0 + (-0.5 · 0) stays -0, as in numpy
