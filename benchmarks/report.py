"""Markdown output: the timing table, the correctness probes and the notes under them.

Rows are dicts with ``workload``, ``engine`` and ``status``; rows with status "ok" also carry
the fields of `benchmarks.harness.aggregate`.
"""

from __future__ import annotations

from typing import Any

from benchmarks.flops import gflops_per_s
from benchmarks.targets import target_lines

#: relative difference above which two engines' losses (or gradient probes) are flagged
TOLERANCE = 1e-4

#: ratio of the slowest to the fastest per-round median above which a result is flagged noisy
NOISY = 1.5

REFERENCE = "tracegrad"

Row = dict[str, Any]


def fmt_ms(ms: float) -> str:
    """Milliseconds with about three significant digits, without exponent notation."""
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    if ms >= 1:
        return f"{ms:.2f}"
    return f"{ms:.3f}"


def fmt_ratio(r: float) -> str:
    """Two decimals, or two significant digits for ratios below 0.1 (0.00077)."""
    return f"{r:.2f}" if r >= 0.1 else f"{r:.2g}"


def fmt_value(x: float | None) -> str:
    """A loss or gradient with enough digits to compare float32 results."""
    return "—" if x is None else f"{x:.8g}"


def rel_diff(a: float | None, b: float | None) -> float | None:
    """``|a - b|`` relative to the larger magnitude (None if either is missing)."""
    if a is None or b is None:
        return None
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def _reference(rows: list[Row], workload: str) -> Row | None:
    for row in rows:
        if row["workload"] == workload and row["engine"] == REFERENCE and row["status"] == "ok":
            return row
    return None


def _table(header: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(cells) + " |" for cells in lines]
    return "\n".join(out)


def gflops_cells(row: Row, peak_gflops: float | None) -> list[str]:
    """``[GFLOP/s, % of sgemm peak]`` of an "ok" row whose workload declares ``flops`` per
    step (the same count for every engine), "—" where unknown."""
    flops = row.get("flops")
    if not flops or row.get("status") != "ok":
        return ["—", "—"]
    rate = gflops_per_s(flops, row["ms"])
    share = f"{100 * rate / peak_gflops:.0f}%" if peak_gflops else "—"
    return [f"{rate:.1f}", share]


def rss_vs_torch(rows: list[Row], row: Row) -> str:
    """tracegrad's peak RSS over torch's on the same workload (the target is ≤ 0.5)."""
    if row["engine"] != REFERENCE or row["status"] != "ok":
        return "—"
    for other in rows:
        if (
            other["workload"] == row["workload"]
            and other["engine"] == "torch"
            and other["status"] == "ok"
        ):
            return f"{row['peak_rss_mb'] / other['peak_rss_mb']:.2f}"
    return "—"


def timing_table(rows: list[Row], peak_gflops: float | None = None) -> str:
    """workload | engine | ms (median) | GFLOP/s | % of sgemm peak | peak RSS MB |
    RSS tracegrad/torch | ratio tracegrad/engine | first loss.

    ``peak_gflops`` is the measured numpy sgemm peak (`benchmarks.machine`); GFLOP/s come
    from the workload's ``FLOPS`` per step (`benchmarks.flops`) and the median time.
    """
    lines = []
    for row in rows:
        name = [row["workload"], row["engine"]]
        if row["status"] != "ok":
            lines.append([*name, row["status"], "—", "—", "—", "—", "—", "—"])
            continue
        ref = _reference(rows, row["workload"])
        ratio = fmt_ratio(ref["ms"] / row["ms"]) if ref else "—"
        lines.append(
            [
                *name,
                fmt_ms(row["ms"]),
                *gflops_cells(row, peak_gflops),
                f"{row['peak_rss_mb']:.0f}",
                rss_vs_torch(rows, row),
                ratio,
                fmt_value(row["first_loss"]),
            ]
        )
    header = [
        "workload",
        "engine",
        "ms (median)",
        "GFLOP/s",
        "% of sgemm peak",
        "peak RSS MB",
        "RSS tracegrad/torch",
        "ratio tracegrad/engine",
        "first loss",
    ]
    return _table(header, lines)


def machine_section(machine: dict[str, Any], removed: dict[str, str], pinned: Any) -> str:
    """The machine table: numpy's BLAS kernel, the sgemm peaks, and the OpenBLAS variables
    removed from the measuring runs (with the kernel and peak they would pin, if measured)."""
    if "error" in machine:
        return f"Machine: probe FAILED ({machine['error']})"
    lines = []
    for blas in machine.get("numpy_blas") or [{}]:
        lines.append(
            [
                "numpy BLAS (threadpoolctl)",
                f"{blas.get('internal_api')} {blas.get('version')}, kernel "
                f"**{blas.get('architecture')}**, {blas.get('num_threads')} threads "
                f"({blas.get('filepath')}, numpy {machine.get('numpy_version')})",
            ]
        )
    lines.append(["numpy sgemm peak", _peak_cell(machine.get("numpy_sgemm"))])
    torch_sgemm = machine.get("torch_sgemm")
    if torch_sgemm is not None:
        lines.append(
            [
                f"torch sgemm peak (reference, torch {machine.get('torch_version', '?')})",
                _peak_cell(torch_sgemm),
            ]
        )
    if removed:
        names = ", ".join(f"{k}={v}" for k, v in removed.items())
        cell = f"set here ({names}); removed from every measuring run"
        if isinstance(pinned, dict) and "error" not in pinned:
            pinned_blas = (pinned.get("numpy_blas") or [{}])[0]
            cell += (
                f"; with them numpy runs kernel {pinned_blas.get('architecture')} at "
                f"{pinned['numpy_sgemm']['peak_gflops']:.0f} GFLOP/s"
            )
        lines.append(["OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE", cell])
    else:
        lines.append(
            ["OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE", "not set (the measuring runs unset them)"]
        )
    return _table(["machine", "value"], lines)


def _peak_cell(sgemm: dict[str, Any] | None) -> str:
    if not sgemm:
        return "—"
    if "error" in sgemm:
        return f"FAILED ({sgemm['error']})"
    sizes = sgemm["per_size_gflops"]
    detail = ", ".join(f"n={n}: {g:.0f}" for n, g in sizes.items())
    return (
        f"**{sgemm['peak_gflops']:.1f} GFLOP/s** (float32 square `a @ b`, best of 5 per size; "
        f"{detail})"
    )


def scaling_table(sizes: list[Row], target_us: float, target_bytes: float) -> str:
    """nodes | ms build+backward | µs/node | bytes/node | peak RSS MB, and the targets."""
    lines = []
    for s in sizes:
        if s["status"] != "ok":
            lines.append([f"{s['nodes']:,}", "FAILED", "—", "—", "—"])
            continue
        lines.append(
            [
                f"{s['nodes']:,}",
                fmt_ms(s["ms"]),
                f"{s['us_per_node']:.2f}",
                f"{s['bytes_per_node']:.0f}",
                f"{s['peak_rss_mb']:.0f}",
            ]
        )
    table = _table(["nodes", "ms build+backward", "µs/node", "bytes/node", "peak RSS MB"], lines)
    return (
        f"{table}\n\nTarget: ≤ {target_us:g} µs and ≤ {target_bytes:g} bytes a node, flat "
        "(linear cost) from 10k to 1M nodes."
    )


def probe_table(rows: list[Row]) -> str:
    """Per engine: first loss, loss after one update, gradient probe, and the largest
    relative difference of those three from tracegrad's."""
    lines = []
    for row in rows:
        if row["status"] != "ok":
            continue
        ref = _reference(rows, row["workload"])
        diffs = [
            rel_diff(row[key], ref[key]) if ref else None
            for key in ("first_loss", "second_loss", "grad_probe")
        ]
        known = [d for d in diffs if d is not None]
        worst = f"{max(known):.1e}" if known and row is not ref else "—"
        lines.append(
            [
                row["workload"],
                row["engine"],
                fmt_value(row["first_loss"]),
                fmt_value(row["second_loss"]),
                fmt_value(row["grad_probe"]),
                worst,
            ]
        )
    header = [
        "workload",
        "engine",
        "first loss",
        "loss after 1 step",
        "grad probe",
        "max rel. diff vs tracegrad",
    ]
    return _table(header, lines)


def disagreements(rows: list[Row]) -> list[str]:
    """One line per loss or gradient probe that differs from tracegrad's beyond `TOLERANCE`
    (or the workload's own ``TOLERANCE``: key -> bound), and per engine whose first loss
    changed between rounds."""
    out = []
    for row in rows:
        if row["status"] != "ok":
            continue
        where = f"{row['workload']} / {row['engine']}"
        if not row["deterministic"]:
            out.append(f"{where}: the first loss DIFFERED between rounds (nondeterminism)")
        ref = _reference(rows, row["workload"])
        if ref is None or ref is row:
            continue
        bounds = row.get("tolerance") or {}
        for key in ("first_loss", "second_loss", "grad_probe"):
            bound = bounds.get(key, TOLERANCE)
            d = rel_diff(row[key], ref[key])
            if d is not None and d > bound:
                out.append(
                    f"{where}: {key} {row[key]!r} DISAGREES with tracegrad's {ref[key]!r} "
                    f"(relative difference {d:.1e} > {bound:g})"
                )
    return out


def notes(rows: list[Row], extra: list[str]) -> list[str]:
    """Skipped and failed engines, noisy timings, `disagreements`, and ``extra`` notes from
    the workloads (duplicates removed, order kept)."""
    out = list(extra)
    for row in rows:
        where = f"{row['workload']} / {row['engine']}"
        if row["status"] == "skipped":
            out.append(f"{where}: skipped ({row['reason']})")
        elif row["status"] == "error":
            out.append(f"{where}: FAILED ({row['error']})")
        else:
            if len(row["versions"]) > 1:
                out.append(
                    f"{where}: the engine changed between rounds ({', '.join(row['versions'])}); "
                    "its rounds measured different code"
                )
            low, high = min(row["round_medians_ms"]), max(row["round_medians_ms"])
            if high > NOISY * low:
                out.append(
                    f"{where}: per-round medians ranged {fmt_ms(low)}-{fmt_ms(high)} ms "
                    f"(x{high / low:.1f}); the machine was probably busy, rerun for stable "
                    "numbers"
                )
    out += disagreements(rows)
    return list(dict.fromkeys(out))


def blas_notes(rows: list[Row], machine: dict[str, Any] | None) -> list[str]:
    """Runs whose numpy BLAS kernel differs from the one the machine section reports."""
    blas = (machine or {}).get("numpy_blas") or []
    if not blas:
        return []
    expected = blas[0].get("architecture")
    out = []
    for row in rows:
        seen = [k for k in row.get("blas") or [] if k != expected]
        if row["status"] == "ok" and seen:
            out.append(
                f"{row['workload']} / {row['engine']}: numpy ran BLAS kernel "
                f"{', '.join(seen)}, not the machine's {expected}"
            )
    return out


def render(
    rows: list[Row],
    extra_notes: list[str],
    header: str,
    machine: dict[str, Any] | None = None,
    removed: dict[str, str] | None = None,
    pinned: Any = None,
    scaling: list[Row] | None = None,
    targets: tuple[float, float] = (3.0, 300.0),
) -> str:
    """The full markdown report: header line, machine section (if probed), timing table,
    scaling table (if measured), probes, notes."""
    seen = {row["engine"]: row["version"] for row in rows if row["status"] == "ok"}
    for size in scaling or []:
        if size["status"] == "ok" and size.get("version"):
            seen.setdefault(REFERENCE, size["version"])
    versions = ", ".join(f"{engine} {v}" for engine, v in seen.items())
    peak = None
    if machine and "error" not in machine:
        peak = (machine.get("numpy_sgemm") or {}).get("peak_gflops")
    parts = [header, f"Versions: {versions}", ""]
    if machine is not None:
        parts += [machine_section(machine, removed or {}, pinned), ""]
    goals = target_lines(rows, peak)
    if goals:
        parts += [
            "Targets (the speed issue's; ratios are tracegrad / peer from this run):",
            "",
            _table(["workload", "measure", "measured", "target", "met"], goals),
            "",
        ]
    if rows:
        parts += [
            timing_table(rows, peak),
            "",
            "Correctness probes (losses and one gradient entry; they should agree to float32 "
            "rounding):",
            "",
            probe_table(rows),
        ]
    if scaling:
        if parts[-1]:
            parts.append("")
        parts += [
            "scalar_chain_scaling (tracegrad: build + backward + drop of the scalar chain, "
            "per recorded node; bytes/node = peak RSS growth over the node count):",
            "",
            scaling_table(scaling, *targets),
        ]
    found = notes(rows, extra_notes + blas_notes(rows, machine))
    if found:
        parts += ["", "Notes:", ""] + [f"- {n}" for n in found]
    return "\n".join(parts)
