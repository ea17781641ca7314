"""Measure one (workload, engine) pair in this process and print one JSON line on stdout.

Usage: ``python -m benchmarks.run_one WORKLOAD ENGINE [--repeats N] [--warmup N]``

Meant to be started by ``python -m benchmarks`` in a fresh interpreter, but runs on its own
too. Anything a workload prints goes to stderr, so stdout holds only the report; an engine
that cannot be imported gives ``{"status": "skipped", ...}`` and exit code 0.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
from typing import Any

from benchmarks import WORKLOADS, engines, harness, load_workload


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_one", description=__doc__)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("engine")
    parser.add_argument("--repeats", type=int, help="timed repeats (default: the workload's)")
    parser.add_argument("--warmup", type=int, help="untimed steps first (default: workload's)")
    return parser.parse_args(argv)


def run(workload: str, engine: str, repeats: int | None, warmup: int | None) -> dict[str, Any]:
    """Set up and measure; return the report (status "ok" or "skipped")."""
    report: dict[str, Any] = {"workload": workload, "engine": engine}
    module = load_workload(workload)
    if engine not in module.ENGINES:
        raise SystemExit(f"{workload} has no engine {engine!r}; it has {module.ENGINES}")
    try:
        engines.load(engine)
    except ImportError as e:
        return {**report, "status": "skipped", "reason": f"{type(e).__name__}: {e}"}
    report["import_rss_mb"] = harness.peak_rss_mb()
    prepared = module.setup(engine)
    stats = harness.measure(
        prepared,
        repeats=repeats or module.REPEATS[engine],
        warmup=warmup or module.WARMUP[engine],
    )
    report.update(stats)
    report.update(
        status="ok",
        peak_rss_mb=harness.peak_rss_mb(),
        notes=prepared.notes,
        version=engines.version(engine),
        python=platform.python_version(),
    )
    report["blas"] = blas_kernel()
    return report


def blas_kernel() -> str | None:
    """numpy's BLAS kernel in this process (threadpoolctl's ``architecture``, e.g.
    ``SkylakeX``), read after measuring; None if numpy or threadpoolctl is not loaded."""
    if "numpy" not in sys.modules:
        return None
    try:
        from benchmarks.machine import blas_info
    except ImportError:
        return None
    try:
        found = blas_info()
    except ImportError:
        return None
    return found[0]["architecture"] if found else None


def main(argv: list[str] | None = None) -> None:
    """Entry point: parse arguments, measure, print the JSON report."""
    for key, value in harness.THREAD_ENV.items():  # effective only if numpy is not yet imported
        os.environ.setdefault(key, value)
    args = _parse(argv)
    with contextlib.redirect_stdout(sys.stderr):
        report = run(args.workload, args.engine, args.repeats, args.warmup)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
