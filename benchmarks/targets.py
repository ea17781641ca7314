"""The speed targets of the project's speed issue, and the table that checks a run against
them: each workload's tracegrad/peer time ratio (lower is better), its share of the measured
sgemm peak where one is set, and tracegrad's peak RSS against PyTorch's.

A target is met when the measured value is on the right side of it in this run; the table
says so per line, it never fails a run (timings belong here, not in asserting tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.flops import gflops_per_s

Row = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """``tracegrad`` time / ``peer`` time ≤ ``ratio`` on ``workload``."""

    workload: str
    peer: str
    ratio: float


#: time ratios (tracegrad / peer), from the speed issue
RATIOS = [
    Target("scalar_chain", "torch", 0.5),
    Target("scalar_chain", "micrograd", 0.4),
    Target("moons_mlp", "torch", 1.0),
    Target("mlp_step", "torch", 0.7),
    Target("lenet_step", "torch", 1.0),
    Target("lstm_step", "torch", 1.0),
    Target("skipgram_step", "torch", 0.8),
    Target("conv2d", "torch", 1.0),
    Target("seq2seq_step", "torch", 1.0),
]
#: least share of the measured numpy sgemm peak, per workload
PEAK_SHARE = {"conv2d": 0.5}
#: most tracegrad peak RSS over PyTorch's, on every workload both ran
RSS_RATIO = 0.5


def _ok(rows: list[Row], workload: str, engine: str) -> Row | None:
    for row in rows:
        if row["workload"] == workload and row["engine"] == engine and row["status"] == "ok":
            return row
    return None


def _verdict(met: bool) -> str:
    return "yes" if met else "**no**"


def target_lines(rows: list[Row], peak_gflops: float | None) -> list[list[str]]:
    """One line per target whose workload ran: what, measured, target, met."""
    lines = []
    for t in RATIOS:
        ours, peer = _ok(rows, t.workload, "tracegrad"), _ok(rows, t.workload, t.peer)
        if ours is None or peer is None:
            continue
        ratio = ours["ms"] / peer["ms"]
        what = f"time vs {t.peer}"
        lines.append([t.workload, what, f"{ratio:.2f}", f"≤ {t.ratio}", _verdict(ratio <= t.ratio)])
    for workload, share in PEAK_SHARE.items():
        ours = _ok(rows, workload, "tracegrad")
        if ours is None or not ours.get("flops") or not peak_gflops:
            continue
        got = gflops_per_s(ours["flops"], ours["ms"]) / peak_gflops
        lines.append(
            [
                workload,
                "share of sgemm peak",
                f"{got:.0%}",
                f"≥ {share:.0%}",
                _verdict(got >= share),
            ]
        )
    for ours in rows:
        if ours["engine"] != "tracegrad" or ours["status"] != "ok":
            continue
        torch = _ok(rows, ours["workload"], "torch")
        if torch is None:
            continue
        got = ours["peak_rss_mb"] / torch["peak_rss_mb"]
        lines.append(
            [
                ours["workload"],
                "peak RSS vs torch",
                f"{got:.2f}",
                f"≤ {RSS_RATIO}",
                _verdict(got <= RSS_RATIO),
            ]
        )
    return lines
