"""Shared fixtures: a seeded generator, and float64 as the default dtype where asked."""

from __future__ import annotations

import numpy as np
import pytest

import autograd


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def float64():
    """Make Python numbers and lists float64 for the duration of a test."""
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(np.float64)
    yield
    autograd.set_default_dtype(previous)
