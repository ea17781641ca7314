"""The ``tracegrad`` command line.

- ``tracegrad demo [--out DIR]``: the course's two circuits, printed edge by edge and
  written as SVG pictures and step-through HTML players.
- ``tracegrad graph EXPR name=value ... [--out f.svg|f.png|f.dot|f.html]``: draw any
  scalar expression (parsed from an AST whitelist, never evaluated as Python).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.expr import ExpressionError, parse_assignments, parse_expression
from viz.graph import draw_graph
from viz.steps import backprop_steps
from viz.text import edge_table

GRAPH_SUFFIXES = (".svg", ".png", ".dot", ".html")


# the demo's short training runs: (model, data set, epochs, folder)
DEMO_RUNS = (("mlp", "digits", 10, "mlp_digits"), ("lenet", "mnist5k", 4, "lenet_mnist5k"))


def _demo_training(out: Path) -> None:
    from viz.train_cli import train_main

    for model, data, epochs, folder in DEMO_RUNS:
        print(f"# training {model} on {data} for {epochs} epochs")
        metrics = train_main(model, data, out / folder, epochs=epochs)
        print(f"held-out accuracy {metrics['test acc']:.3f} in {metrics['seconds']} s\n")
    # the graph of one LeNet-5 step, one node per layer
    import numpy as np

    import autograd.functional as F
    import nn
    from autograd import Tensor

    nn.manual_seed(0)
    net = nn.LeNet5()
    x = Tensor(np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32))
    loss = F.cross_entropy(net(x), np.array([3, 7]))
    loss.backward()
    draw_graph(loss, depth=2).save(out / "lenet5_graph.svg")


def _demo(out: Path, train: bool = True) -> int:
    out.mkdir(parents=True, exist_ok=True)
    circuits = [
        ("add_mul", "f = (x + y)·z at x=-2, y=5, z=-4", add_mul_circuit()["f"], ".4g"),
        (
            "sigmoid_neuron",
            "f = 1/(1 + e^-(w0·x0 + w1·x1 + w2)), w=(2,-3,-3), x=(-1,-2)",
            sigmoid_neuron()["f"],
            ".2f",
        ),
    ]
    text = []
    for stem, title, f, fmt in circuits:
        f.backward()
        text.append(f"# {title}\n{edge_table(f, fmt)}")
        draw_graph(f, fmt=fmt).save(out / f"{stem}.svg")
        backprop_steps(f, fmt=fmt, title=title).save_html(out / f"{stem}_steps.html")
    body = "\n\n".join(text) + "\n"
    print(body)
    (out / "circuits.txt").write_text(body, encoding="utf-8")
    if train:
        _demo_training(out)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        print(f"wrote {path}")
    return 0


def _graph(expr: str, assignments: list[str], out: Path, fmt: str, show: str) -> int:
    if out.suffix.lower() not in GRAPH_SUFFIXES:
        print(
            f"tracegrad graph: --out must end in one of {', '.join(GRAPH_SUFFIXES)}",
            file=sys.stderr,
        )
        return 2
    try:
        values = parse_assignments(assignments)
        f = parse_expression(expr, values)
    except ExpressionError as err:
        print(f"tracegrad graph: {err}", file=sys.stderr)
        return 2
    if out.suffix.lower() == ".html":
        backprop_steps(f, fmt=fmt, title=expr).save_html(out)
    else:
        f.backward()
        draw_graph(f, fmt=fmt, show=show).save(out)
        print(edge_table(f, fmt))
    print(f"wrote {out}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from viz.train_cli import train_main
    from viz.train_seq import SEQ_MODELS, train_sequence_model

    data = args.data or ("digits" if args.model != "lenet" else "mnist5k")
    out = args.out or Path("runs") / args.model
    try:
        if args.model in SEQ_MODELS:
            metrics = train_sequence_model(
                args.model, out, epochs=args.epochs, seed=args.seed, attention=not args.no_attention
            )
        else:
            metrics = train_main(
                args.model,
                data,
                out,
                epochs=args.epochs,
                lr=args.lr,
                batch=args.batch_size,
                seed=args.seed,
            )
    except (ValueError, FileNotFoundError) as err:
        print(f"tracegrad train: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(json.dumps(metrics, indent=2, ensure_ascii=False))
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tracegrad`` console script."""
    parser = argparse.ArgumentParser(prog="tracegrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="backprop through the course's worked examples")
    demo.add_argument("--out", type=Path, default=Path("tracegrad-demo"), help="output folder")
    demo.add_argument("--no-train", action="store_true", help="only the circuits (seconds)")
    graph = sub.add_parser("graph", help="draw a scalar expression and its gradients")
    graph.add_argument("expr", help='e.g. "(x+y)*z"; + - * / ** exp log tanh sigmoid relu')
    graph.add_argument("values", nargs="*", metavar="name=value", help="e.g. x=-2 y=5 z=-4")
    graph.add_argument("--out", type=Path, default=Path("graph.svg"), help=".svg .png .dot .html")
    graph.add_argument("--fmt", default=".4g", help="number format (default .4g)")
    graph.add_argument("--show", choices=("both", "forward", "backward"), default="both")
    train = sub.add_parser("train", help="train a model on bundled data")
    train.add_argument(
        "model",
        choices=(
            "mlp",
            "lenet",
            "autoencoder",
            "lstm-poems",
            "seq2seq-dates",
            "seq2seq-poems",
            "seq2seq-kjv",
            "word2vec",
        ),
    )
    train.add_argument("--no-attention", action="store_true", help="Seq2Seq without attention")
    train.add_argument("--data", choices=("digits", "mnist5k", "mnist"), default=None)
    train.add_argument("--epochs", type=int, default=None, help="default: the model's recipe")
    train.add_argument("--lr", type=float, default=None, help="Adam's learning rate")
    train.add_argument("--batch-size", type=int, default=None)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--out", type=Path, default=None, help="folder (default runs/MODEL)")
    data = sub.add_parser("data", help="fetch a data set that is too big to ship")
    data.add_argument("action", choices=("fetch",))
    data.add_argument("rest", nargs=argparse.REMAINDER, help="e.g. mnist")
    args = parser.parse_args(argv)
    if args.command == "train":
        return _train(args)
    if args.command == "data":
        from nn.data import fetch_main

        return fetch_main(args.rest)
    if args.command == "demo":
        return _demo(args.out, train=not args.no_train)
    if args.command == "graph":
        return _graph(args.expr, args.values, args.out, args.fmt, args.show)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
