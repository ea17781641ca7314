"""autograd.allocator: glibc malloc keeps large temporaries in the heap, unless asked not to."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from autograd.allocator import tune_malloc

GLIBC = platform.libc_ver()[0] == "glibc"

# 50 steps that each allocate three 8 MB temporaries and free them (as a backward pass
# does); print the minor page faults that took
_FAULTS = """
import resource, numpy as np, autograd
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    arrays = [np.ones(2**21, dtype=np.float32) for _ in range(3)]
    del arrays
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(setting: str) -> int:
    env = {"TRACEGRAD_MALLOC": setting, "PATH": ""}
    out = subprocess.run(
        [sys.executable, "-c", _FAULTS], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout)


def test_system_setting_leaves_malloc_alone():
    assert tune_malloc({"TRACEGRAD_MALLOC": "system"}) is False


def test_unknown_setting_names_the_variable():
    with pytest.raises(ValueError, match="TRACEGRAD_MALLOC must be 'tuned' or 'system'"):
        tune_malloc({"TRACEGRAD_MALLOC": "fast"})


@pytest.mark.skipif(not GLIBC, reason="mallopt thresholds exist in glibc only")
def test_tuned_malloc_reuses_large_blocks_instead_of_faulting_in_fresh_pages():
    assert tune_malloc({}) is True
    tuned, system = _faults("tuned"), _faults("system")
    # glibc's defaults trim the freed memory each step, so every step faults pages in again
    # (hundreds per step); tuned, the first step's pages are reused
    assert system > 50 * 500
    assert tuned < system / 10
