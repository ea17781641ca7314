"""The kernels' scalar sigmoid and tanh: the float32 path against float64 math (accuracy and
saturation), the float64 path stable at ±1000."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from autograd.kernels.activations import sigmoid, tanh


@numba.njit(cache=True, error_model="numpy")
def _apply_gates(z, sig, th):
    for k in range(z.size):
        sig[k] = sigmoid(z[k])
        th[k] = tanh(z[k])


def test_float32_gate_functions_are_accurate_and_saturate():
    rng = np.random.default_rng(12)
    special = [0.0, -0.0, 1e-30, -1e-30, 1e-4, -1e-4, 20, -20, 44, -44, 87, -87, 90, -90, 1000]
    z = np.concatenate([rng.standard_normal(5000) * 4, rng.standard_normal(1000) * 1e-3, special])
    z = np.concatenate([z, [-1000.0]]).astype(np.float32)
    sig, th = np.empty_like(z), np.empty_like(z)
    _apply_gates(z, sig, th)
    z64 = z.astype(np.float64)
    want_sig = np.array([1 / (1 + math.exp(-v)) if v > -700 else 0.0 for v in z64])
    want_th = np.tanh(z64)
    eps = np.finfo(np.float32).eps
    # sigmoid: a few ulp relative to the value (or below the smallest normal float32)
    assert np.all(np.abs(sig - want_sig) <= 4 * eps * want_sig + 2e-38)
    # tanh: a few ulp relative, including tiny inputs (no cancellation)
    assert np.all(np.abs(th - want_th) <= 4 * eps * np.abs(want_th) + 1e-45)
    assert sig[-1] < 1e-37
    assert sig[-2] == 1.0
    assert th[-1] == -1.0
    assert th[-2] == 1.0


@pytest.mark.small
def test_float64_gate_functions_are_stable_for_huge_inputs():
    # plain Python here (the float64 path): 1 / (1 + e^-z) would overflow at z = -1000
    assert sigmoid(-1000.0) == 0.0
    assert sigmoid(1000.0) == 1.0
    assert tanh(-1000.0) == -1.0
    assert tanh(1000.0) == 1.0
    for z in (-30.0, -2.5, 0.0, 0.7, 30.0):
        assert sigmoid(z) == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-15)
        assert tanh(z) == pytest.approx(math.tanh(z), rel=1e-15)
