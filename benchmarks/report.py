"""Markdown output: the timing table, the correctness probes and the notes under them.

Rows are dicts with ``workload``, ``engine`` and ``status``; rows with status "ok" also carry
the fields of `benchmarks.harness.aggregate`.
"""

from __future__ import annotations

from typing import Any

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


def timing_table(rows: list[Row]) -> str:
    """workload | engine | ms (median) | peak RSS MB | ratio tracegrad/engine | first loss."""
    lines = []
    for row in rows:
        name = [row["workload"], row["engine"]]
        if row["status"] != "ok":
            lines.append([*name, row["status"], "—", "—", "—"])
            continue
        ref = _reference(rows, row["workload"])
        ratio = fmt_ratio(ref["ms"] / row["ms"]) if ref else "—"
        lines.append(
            [
                *name,
                fmt_ms(row["ms"]),
                f"{row['peak_rss_mb']:.0f}",
                ratio,
                fmt_value(row["first_loss"]),
            ]
        )
    header = [
        "workload",
        "engine",
        "ms (median)",
        "peak RSS MB",
        "ratio tracegrad/engine",
        "first loss",
    ]
    return _table(header, lines)


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


def render(rows: list[Row], extra_notes: list[str], header: str) -> str:
    """The full markdown report: header line, timing table, probes, notes."""
    seen = {row["engine"]: row["version"] for row in rows if row["status"] == "ok"}
    versions = ", ".join(f"{engine} {v}" for engine, v in seen.items())
    parts = [
        header,
        f"Versions: {versions}",
        "",
        timing_table(rows),
        "",
        "Correctness probes (losses and one gradient entry; they should agree to float32 "
        "rounding):",
        "",
        probe_table(rows),
    ]
    found = notes(rows, extra_notes)
    if found:
        parts += ["", "Notes:", ""] + [f"- {n}" for n in found]
    return "\n".join(parts)
