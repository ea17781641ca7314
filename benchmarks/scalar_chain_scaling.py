"""``scalar_chain_scaling``: tracegrad's cost per node of the scalar chain at 10k, 100k, 1M nodes.

The step of `benchmarks.scalar_chain` (``x <- relu(x * a + b)``, 3 recorded ops per link,
build + backward + dropping the graph) with ``round(nodes / 3)`` links. Each size runs in its
own fresh process (``python -m benchmarks.scalar_chain_scaling NODES``, the environment of
every measuring run), which:

1. imports tracegrad and runs a 100-link chain once (warm-up), then ``gc.collect()``;
2. reads the current RSS (``/proc/self/statm``) as the baseline;
3. runs the chain once, then reads the peak RSS (``ru_maxrss``): the growth over the baseline
   divided by the node count is ``bytes/node`` (the graph, its gradients and whatever the
   backward pass holds at its peak);
4. times that run and `REPEATS` more (``time.perf_counter`` around the step):
   ``µs/node`` is the median time over the node count.

If the cost is linear, both columns stay flat from 10k to 1M nodes. The parent
(``python -m benchmarks``) runs every size once per round and reports the median time and
the largest bytes/node over rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import sys
import time
from typing import Any

from benchmarks import engines, harness

#: node counts measured
SIZES = (10_000, 100_000, 1_000_000)

#: further timed runs after the first, by node count (the 1M chain takes seconds)
REPEATS = {10_000: 10, 100_000: 3, 1_000_000: 1}

#: links of the warm-up chain: small, since the memory it frees stays in the allocator's arenas
#: and the next chain reuses it without growing RSS (1,000 links hid ~160 bytes/node at 10k)
WARMUP_LINKS = 100

#: the issue's targets, shown under the table
TARGET_US, TARGET_BYTES = 3.0, 300.0


def current_rss_bytes() -> int:
    """Resident set size now (Linux ``/proc/self/statm``; the peak so far elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return int(harness.peak_rss_mb() * 1024 * 1024)


def measure(nodes: int, repeats: int | None = None) -> dict[str, Any]:
    """Time and memory of one size in this process (see the module docstring)."""
    from benchmarks.scalar_chain import tracegrad_step

    engines.load("tracegrad")
    links = max(1, round(nodes / 3))
    tracegrad_step(WARMUP_LINKS)
    gc.collect()
    base = current_rss_bytes()
    times = []
    start = time.perf_counter()
    result = tracegrad_step(links)
    times.append(time.perf_counter() - start)
    peak = harness.peak_rss_mb() * 1024 * 1024
    for _ in range(REPEATS.get(nodes, 3) if repeats is None else repeats):
        start = time.perf_counter()
        tracegrad_step(links)
        times.append(time.perf_counter() - start)
    real_nodes = 3 * links
    median_s = statistics.median(times)
    return {
        "status": "ok",
        "nodes": real_nodes,
        "links": links,
        "times_s": times,
        "median_s": median_s,
        "us_per_node": median_s / real_nodes * 1e6,
        "rss_base_mb": base / 2**20,
        "peak_rss_mb": peak / 2**20,
        "bytes_per_node": (peak - base) / real_nodes,
        "loss": result[0],
        "version": engines.version("tracegrad"),
    }


def run_child(nodes: int, timeout: float) -> dict[str, Any]:
    """`measure` ``nodes`` in a fresh interpreter (never raises: ``status`` "error")."""
    import subprocess

    cmd = [sys.executable, "-m", "benchmarks.scalar_chain_scaling", str(nodes)]
    try:
        proc = subprocess.run(
            cmd,
            cwd=harness.ROOT,
            env=harness.child_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"status": "error", "nodes": nodes, "error": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return {"status": "error", "nodes": nodes, "error": f"exit {proc.returncode}: {tail}"}
    return json.loads(lines[-1])


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One size over rounds: median µs/node (and ms), largest bytes/node and peak RSS."""
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok:
        return {"status": "error", "nodes": runs[0]["nodes"], "error": runs[0].get("error")}
    return {
        "status": "ok",
        "nodes": ok[0]["nodes"],
        "ms": statistics.median(r["median_s"] for r in ok) * 1e3,
        "us_per_node": statistics.median(r["us_per_node"] for r in ok),
        "bytes_per_node": max(r["bytes_per_node"] for r in ok),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ok),
        "rounds": len(ok),
        "version": ok[0].get("version"),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.scalar_chain_scaling NODES [--repeats N]``: one JSON line."""
    for key, value in harness.THREAD_ENV.items():
        os.environ.setdefault(key, value)
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scalar_chain_scaling")
    parser.add_argument("nodes", type=int)
    parser.add_argument("--repeats", type=int, help="timed runs after the first")
    args = parser.parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):
        report = measure(args.nodes, args.repeats)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
