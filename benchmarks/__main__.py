"""``python -m benchmarks``: compare tracegrad with its peers, one fresh process per run.

For each workload, engines are alternated over rounds: every round measures every engine once,
in an order rotated by one each round, so slow drift of the machine hits all engines alike.
An engine's time is the median over rounds of its per-round medians. Progress goes to
stderr; the markdown report goes to stdout (and ``--json`` writes everything measured).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import WORKLOADS, load_workload, machine, scalar_chain_scaling
from benchmarks.engines import THREADS
from benchmarks.harness import THREAD_ENV, UNSET_ENV, aggregate, removed_env, run_child
from benchmarks.report import disagreements, render

#: measurements that are not workloads of the main table but can be chosen with --only
EXTRAS = ("scalar_chain_scaling",)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per workload (default 3)")
    parser.add_argument(
        "--repeats",
        type=int,
        help="timed repeats per run, for every engine (default: each "
        "workload's own, e.g. 5 for scalar_chain)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=WORKLOADS + EXTRAS,
        metavar="WORKLOAD",
        help=f"run only this workload (repeatable; one of {', '.join(WORKLOADS + EXTRAS)})",
    )
    parser.add_argument(
        "--no-machine",
        action="store_true",
        help="skip the machine section (BLAS kernel, sgemm peak; about 10 s)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds allowed per run (default 1800)"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or (args.repeats is not None and args.repeats < 1):
        parser.error("--rounds and --repeats must be at least 1")
    return args


def rotated(items: tuple[str, ...], k: int) -> list[str]:
    """``items`` rotated left by ``k`` (round k starts with a different engine)."""
    k %= len(items)
    return [*items[k:], *items[:k]]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_workload(name: str, args: argparse.Namespace, skipped: dict[str, str]) -> list[dict]:
    """All rounds of one workload; returns one row per engine (see `benchmarks.report`).

    ``skipped`` maps engines found missing to the reason, so they are tried only once.
    """
    module = load_workload(name)
    engines = module.ENGINES
    tolerance = getattr(module, "TOLERANCE", None)
    flops = getattr(module, "FLOPS", None)
    runs: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    errors: dict[str, str] = {}
    for r in range(args.rounds):
        for engine in rotated(engines, r):
            if engine in skipped or engine in errors:
                continue
            report = run_child(name, engine, args.repeats, args.timeout)
            status = report.get("status")
            if status == "skipped":
                skipped[engine] = report["reason"]
                _log(f"[{name} round {r + 1}/{args.rounds}] {engine}: skipped")
            elif status != "ok":
                errors[engine] = report.get("error", "unknown error")
                _log(f"[{name} round {r + 1}/{args.rounds}] {engine}: FAILED {errors[engine]}")
            else:
                runs[engine].append(report)
                _log(
                    f"[{name} round {r + 1}/{args.rounds}] {engine}: "
                    f"{report['median_ms']:.3f} ms (median of {report['repeats']}), "
                    f"first loss {report['first_loss']:.8g}"
                )
    rows = []
    for engine in engines:
        row: dict[str, Any] = {
            "workload": name,
            "engine": engine,
            "tolerance": tolerance,
            "flops": flops,
        }
        if engine in errors:
            row.update(status="error", error=errors[engine], runs=runs[engine])
        elif engine in skipped:
            row.update(status="skipped", reason=skipped[engine])
        else:
            row.update(status="ok", **aggregate(runs[engine]), runs=runs[engine])
        rows.append(row)
    return rows


def run_scaling(args: argparse.Namespace) -> list[dict]:
    """`benchmarks.scalar_chain_scaling` at every size, once per round, sizes alternated."""
    runs: dict[int, list[dict[str, Any]]] = {n: [] for n in scalar_chain_scaling.SIZES}
    for r in range(args.rounds):
        for nodes in scalar_chain_scaling.SIZES:
            report = scalar_chain_scaling.run_child(nodes, args.timeout)
            runs[nodes].append(report)
            if report["status"] == "ok":
                _log(
                    f"[scalar_chain_scaling round {r + 1}/{args.rounds}] {report['nodes']:,} "
                    f"nodes: {report['us_per_node']:.2f} us/node, "
                    f"{report['bytes_per_node']:.0f} bytes/node"
                )
            else:
                _log(f"[scalar_chain_scaling] {nodes:,} nodes: FAILED {report['error']}")
    return [scalar_chain_scaling.aggregate(r) for r in runs.values()]


def probe_machine() -> tuple[dict[str, Any], dict[str, str], dict[str, Any] | None]:
    """The machine section: (probe with the measuring runs' environment, the OpenBLAS
    variables removed from it, and a numpy-only probe with them kept, if there were any)."""
    removed = removed_env()
    _log(f"[machine] BLAS kernel and sgemm peak (without {', '.join(UNSET_ENV)})")
    found = machine.probe()
    pinned = None
    if removed:
        _log(f"[machine] the same with {', '.join(removed)} as set here, for comparison")
        pinned = machine.probe({**os.environ, **THREAD_ENV}, with_torch=False)
    return found, removed, pinned


def main(argv: list[str] | None = None) -> None:
    """Run the selected workloads, print the markdown report, optionally write JSON.

    Exits with status 1 if a run failed or an engine's losses disagree with tracegrad's.
    """
    args = _parse(argv)
    workloads = [w for w in WORKLOADS if not args.only or w in args.only]
    with_scaling = not args.only or "scalar_chain_scaling" in args.only
    started = time.time()
    load_at_start = os.getloadavg()
    found, removed, pinned = (None, {}, None) if args.no_machine else probe_machine()
    skipped: dict[str, str] = {}
    rows = []
    for name in workloads:
        rows += run_workload(name, args, skipped)
    scaling = run_scaling(args) if with_scaling else None
    child_notes = [n for row in rows for run in row.get("runs", []) for n in run["notes"]]
    threads = ", ".join(f"{k}={v}" for k, v in THREAD_ENV.items())
    header = (
        f"tracegrad benchmarks: {args.rounds} round(s), repeats "
        f"{args.repeats or 'per workload'}; Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {threads}, "
        f"torch.set_num_threads({THREADS}); ratio > 1 means tracegrad is slower"
    )
    print(
        render(
            rows,
            child_notes,
            header,
            machine=found,
            removed=removed,
            pinned=pinned,
            scaling=scaling,
            targets=(scalar_chain_scaling.TARGET_US, scalar_chain_scaling.TARGET_BYTES),
        )
    )
    if args.json:
        payload = {
            "config": {
                "rounds": args.rounds,
                "repeats": args.repeats,
                "workloads": workloads,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "loadavg_at_start": load_at_start,
                "thread_env": THREAD_ENV,
                "removed_env": removed,
                "machine": found,
                "machine_with_removed_env": pinned,
                "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
                "seconds": round(time.time() - started, 1),
            },
            "results": rows,
            "scalar_chain_scaling": scaling,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        _log(f"wrote {args.json}")
    failed_scaling = any(s["status"] != "ok" for s in scaling or [])
    if any(row["status"] == "error" for row in rows) or disagreements(rows) or failed_scaling:
        sys.exit(1)


if __name__ == "__main__":
    main()
