"""`autograd.kernels.jit.njit` on its own, with a stand-in for numba: the fallback when no
cache directory is writable, the single warning, and other errors left alone."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograd.kernels import jit
from autograd.kernels.jit import KernelCacheWarning, njit

NO_LOCATOR = "cannot cache function 'f': no locator available for file 'f.py'"


class FakeNumba:
    """``njit(cache=True)`` raises ``error``; without the cache it returns a marker tuple."""

    def __init__(self, error: str | None, cache_dir: str = "") -> None:
        self.error = error
        self.config = SimpleNamespace(CACHE_DIR=cache_dir)

    def njit(self, **options):
        def decorate(func):
            if options.get("cache") and self.error:
                raise RuntimeError(self.error)
            return ("compiled", func.__name__, options)

        return decorate


def kernel_a(x):
    return x


def kernel_b(x):
    return x


@pytest.fixture
def fresh(monkeypatch):
    """Undo an earlier warning in this process, so 'once' starts from zero."""
    monkeypatch.setattr(jit, "_warned", False)
    return monkeypatch


def test_njit_caches_on_disk_when_possible(fresh):
    fresh.setattr(jit, "numba", FakeNumba(error=None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert njit(kernel_a) == ("compiled", "kernel_a", {"cache": True})
        assert njit(error_model="numpy")(kernel_b) == (
            "compiled",
            "kernel_b",
            {"cache": True, "error_model": "numpy"},
        )


def test_njit_without_cache_dir_compiles_in_memory_and_warns_once(fresh):
    fresh.setattr(jit, "numba", FakeNumba(NO_LOCATOR, cache_dir="/nowhere/numba"))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        a = njit(kernel_a)
        b = njit(error_model="numpy")(kernel_b)
    assert a == ("compiled", "kernel_a", {})
    assert b == ("compiled", "kernel_b", {"error_model": "numpy"})
    assert [r.category for r in record] == [KernelCacheWarning]
    message = str(record[0].message)
    pycache = str(Path(__file__).resolve().parent / "__pycache__")
    for text in ("/nowhere/numba", pycache, "NUMBA_CACHE_DIR"):
        assert text in message, (text, message)
    assert record[0].filename == __file__  # points at the decorated kernel's module


def test_njit_reraises_other_runtime_errors(fresh):
    fresh.setattr(jit, "numba", FakeNumba("something else broke"))
    with pytest.raises(RuntimeError, match="something else broke"):
        njit(kernel_a)
