"""autograd.collector: the cyclic collector runs less often while graphs are recorded."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from autograd.collector import YOUNG_THRESHOLD, tune_gc

# record a chain of 20,000 scalar ops and print how many collections of each generation ran
_COLLECTIONS = """
import gc, sys, autograd
counts = [0, 0, 0]
gc.callbacks.append(lambda phase, info: phase == "start" and counts.__setitem__(
    info["generation"], counts[info["generation"]] + 1))
x = autograd.Tensor(0.5, requires_grad=True)
for _ in range(20000):
    x = (x * 0.999).relu()
print(gc.get_threshold()[0], *counts)
"""


def _run(setting: str) -> list[int]:
    env = {"TRACEGRAD_GC": setting, "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", _COLLECTIONS], env=env, capture_output=True, text=True, check=True
    )
    return [int(v) for v in out.stdout.split()]


def test_import_raises_the_young_threshold_and_collections_become_rare():
    threshold, *tuned = _run("tuned")
    python_threshold, *python = _run("python")
    assert threshold == YOUNG_THRESHOLD
    assert python_threshold < YOUNG_THRESHOLD  # CPython's own: 700 (2,000 from 3.13)
    # 20,000 links of 2 ops make ~120,000 tracked objects: at 700 a young collection every
    # ~350 ops and full ones walking the whole graph; at 10,000 a dozen young ones, no full
    assert python[0] > 100
    assert python[2] >= 1
    assert tuned[0] < python[0] / 10
    assert tuned[2] == 0


def test_python_setting_leaves_the_thresholds_alone():
    before = gc.get_threshold()
    assert tune_gc({"TRACEGRAD_GC": "python"}) is False
    assert gc.get_threshold() == before


def test_a_higher_threshold_is_kept():
    before = gc.get_threshold()
    try:
        gc.set_threshold(50_000, *before[1:])
        assert tune_gc({}) is False
        assert gc.get_threshold()[0] == 50_000
        gc.set_threshold(700, *before[1:])
        assert tune_gc({}) is True
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
    finally:
        gc.set_threshold(*before)


def test_unknown_setting_names_the_variable():
    with pytest.raises(ValueError, match="TRACEGRAD_GC must be 'tuned' or 'python'"):
        tune_gc({"TRACEGRAD_GC": "off"})
