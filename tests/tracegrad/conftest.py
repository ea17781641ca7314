"""Fixtures of the tracegrad tests."""

from __future__ import annotations

import pytest

from tests.tracegrad.quick_runs import Pictures, quick


@pytest.fixture
def pictures(monkeypatch) -> Pictures:
    """Quick runs (`tests.tracegrad.quick_runs.quick`) for one test; the picture stand-in."""
    return quick(monkeypatch)
