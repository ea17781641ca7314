"""Measurement machinery: process isolation, timing, peak RSS and aggregation over rounds.

The parent calls `run_child` once per (workload, engine, round); the child
(`benchmarks.run_one`) calls `measure` on the workload's `Prepared` step and prints one JSON
object. Nothing here imports numpy or an engine.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.engines import THREADS

#: thread limits for every measuring subprocess, so BLAS pools are the same size everywhere
THREAD_ENV = {
    name: str(THREADS) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
}

#: variables removed from every measuring subprocess's environment, always together: this
#: machine sets them to pin OpenBLAS to an older kernel (on these cores float32 matmul drops
#: from about 416 to about 229 GFLOP/s), which users' machines do not do. Only the benchmark
#: commands drop them; tests and CI keep the environment they are given.
UNSET_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

#: directory holding the ``benchmarks`` package (the child's working directory)
ROOT = Path(__file__).resolve().parent.parent

#: one iteration's result: (loss, one gradient entry used as a correctness probe)
StepResult = tuple[float, float]


@dataclass
class Prepared:
    """A workload set up for one engine: ``step()`` runs one timed iteration.

    ``step`` returns ``(loss, grad_probe)``: the loss it computed and one entry of a gradient
    it backpropagated, both as Python floats, so engines can be compared for correctness.
    ``notes`` are remarks found during setup, shown under the table.
    """

    step: Callable[[], StepResult]
    notes: list[str] = field(default_factory=list)


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a measuring subprocess: ``base`` (default ours) plus the thread
    limits, without `UNSET_ENV` (OpenBLAS then picks the kernel for the CPU it runs on)."""
    env = dict(os.environ if base is None else base)
    for name in UNSET_ENV:
        env.pop(name, None)
    env.update(THREAD_ENV)
    return env


def removed_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The `UNSET_ENV` variables set in ``base`` (default ours), which `child_env` drops."""
    env = os.environ if base is None else base
    return {name: env[name] for name in UNSET_ENV if name in env}


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KB)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0


def measure(prepared: Prepared, repeats: int, warmup: int) -> dict[str, Any]:
    """Run ``warmup`` untimed then ``repeats`` timed steps; return times and losses.

    The first loss is the one computed by the very first step (the initial weights); the
    second is the loss after one update, which also checks the backward pass and the update.
    """
    if repeats < 1 or warmup < 1:
        raise ValueError("measure: repeats and warmup must be at least 1")
    step = prepared.step
    results = [step() for _ in range(warmup)]
    gc.collect()  # start the timed repeats with no garbage left over from setup or warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = step()
        times.append((time.perf_counter() - start) * 1e3)
        results.append(result)
    return {
        "median_ms": statistics.median(times),
        "times_ms": times,
        "first_loss": results[0][0],
        "second_loss": results[1][0] if len(results) > 1 else None,
        "last_loss": results[-1][0],
        "grad_probe": results[0][1],
        "warmup": warmup,
        "repeats": repeats,
    }


def run_child(workload: str, engine: str, repeats: int | None, timeout: float) -> dict[str, Any]:
    """Measure one (workload, engine) pair in a fresh interpreter; return its JSON report.

    Never raises for a failing child: the report then has ``status`` "error" and the tail of
    the child's stderr.
    """
    cmd = [sys.executable, "-m", "benchmarks.run_one", workload, engine]
    if repeats is not None:
        cmd += ["--repeats", str(repeats)]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"status": "error", "error": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"status": "error", "error": f"exit {proc.returncode}: " + " | ".join(tail)}
    try:
        return json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"status": "error", "error": f"unparsable child output: {lines[-1][:200]}"}


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Combine one engine's successful per-round reports on one workload.

    ``ms`` is the median over rounds of each round's median; ``peak_rss_mb`` the largest
    peak seen; the losses come from the first round, and ``deterministic`` says whether every
    round computed the same first loss. ``versions`` lists the engine versions seen: more
    than one means the engine changed during the run.
    """
    per_round = [r["median_ms"] for r in runs]
    first = runs[0]
    return {
        "ms": statistics.median(per_round),
        "round_medians_ms": per_round,
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "import_rss_mb": max(r["import_rss_mb"] for r in runs),
        "first_loss": first["first_loss"],
        "second_loss": first["second_loss"],
        "grad_probe": first["grad_probe"],
        "deterministic": all(r["first_loss"] == first["first_loss"] for r in runs),
        "version": first["version"],
        "versions": sorted({r["version"] for r in runs}),
        "blas": sorted({r["blas"] for r in runs if r.get("blas")}),
    }
