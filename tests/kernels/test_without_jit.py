"""The small kernel-vs-oracle checks again with NUMBA_DISABLE_JIT=1: the kernels' Python source
(what coverage and a debugger see) must compute the same as the compiled code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

KERNEL_TESTS = Path(__file__).resolve().parent


def test_small_kernel_checks_pass_without_jit():
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-m",
            "small",
            "-p",
            "no:cacheprovider",
            str(KERNEL_TESTS),
        ],
        cwd=KERNEL_TESTS.parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed, result.stdout[-2000:]
    assert int(passed.group(1)) >= 5
