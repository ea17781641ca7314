"""The ``tracegrad`` command line: ``tracegrad demo [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.text import edge_table


def _demo(out: Path | None) -> int:
    sections = []
    c = add_mul_circuit()
    c["f"].backward()
    sections.append(("f = (x + y)·z at x=-2, y=5, z=-4", edge_table(c["f"])))
    n = sigmoid_neuron()
    n["f"].backward()
    sections.append(
        ("f = 1/(1 + e^-(w0·x0 + w1·x1 + w2)), w=(2,-3,-3), x=(-1,-2)", edge_table(n["f"], ".2f"))
    )
    text = "\n\n".join(f"# {title}\n{body}" for title, body in sections) + "\n"
    print(text)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "circuits.txt").write_text(text, encoding="utf-8")
        print(f"wrote {out / 'circuits.txt'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tracegrad`` console script."""
    parser = argparse.ArgumentParser(prog="tracegrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="backprop through the course's worked examples")
    demo.add_argument("--out", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args.out)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
