"""The ``tracegrad`` command line.

- ``tracegrad demo [--out DIR]``: the course's two circuits, printed edge by edge and
  written as SVG pictures and step-through HTML players.
- ``tracegrad graph EXPR name=value ... [--out f.svg|f.png|f.dot|f.html]``: draw any
  scalar expression (parsed from an AST whitelist, never evaluated as Python).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from pathlib import Path

import numpy as np

from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.cli_args import (
    DATA_SETS,
    MODEL_CACHES,
    TRAIN_OPTIONS,
    Parser,
    file_problem,
    fmt_spec,
    folder_arg,
    folder_problem,
    graph_out,
    nonnegative_int,
    positive_float,
    positive_int,
    train_option_problem,
)
from viz.expr import ExpressionError, parse_assignments, parse_expression
from viz.graph import draw_graph
from viz.steps import backprop_steps
from viz.text import edge_table

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


def _graph(parser: Parser, args: argparse.Namespace) -> int:
    try:
        values = parse_assignments(args.values)
    except ExpressionError as err:
        parser.fail("name=value", str(err))
    try:
        f = parse_expression(args.expr, values)
    except ExpressionError as err:
        parser.fail("expr", str(err))
    if not f.requires_grad:
        parser.fail("expr", f"{args.expr!r} uses no variable: there is no gradient to draw")
    tree = ast.parse(args.expr.strip(), mode="eval")  # parse_expression accepted it
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if unused := [name for name in values if name not in used]:
        parser.fail("name=value", f"{unused[0]} is not used in {args.expr!r}")
    if problem := file_problem(args.out):
        parser.fail("--out", problem)
    out, fmt = args.out, args.fmt
    if out.suffix.lower() == ".html":
        backprop_steps(f, fmt=fmt, title=args.expr).save_html(out)
    else:
        f.backward()
        draw_graph(f, fmt=fmt, show=args.show).save(out)
        print(edge_table(f, fmt))
    print(f"wrote {out}")
    return 0


def _run_error(command: str, err: BaseException, status: int = 1) -> int:
    """A failure after the arguments were accepted: one line on stderr."""
    print(f"tracegrad {command}: error: {' '.join(str(err).split())}", file=sys.stderr)
    return status


def _check_train_args(parser: Parser, args: argparse.Namespace) -> tuple[str | None, Path]:
    """Refuse what ``args.model`` would ignore or cannot use, before any training starts;
    returns the image data set (None for the sequence models) and the output folder."""
    from nn.data.cache import load_cached
    from viz.train_cli import RECIPES
    from viz.train_seq import SEQ_MODELS

    model = args.model
    given = {
        "--data": args.data,
        "--epochs": args.epochs,
        "--lr": args.lr,
        "--batch-size": args.batch_size,
        "--no-attention": True if args.no_attention else None,
    }
    refused = train_option_problem(model, [k for k, v in given.items() if v is not None])
    if refused:
        parser.fail(*refused)
    data = None
    if model not in SEQ_MODELS:
        data = args.data if args.data is not None else ("mnist5k" if model == "lenet" else "digits")
        if (model, data) not in RECIPES:
            parser.fail("--data", f"{model} needs 28×28 images: use --data mnist5k or mnist")
    needs = [("--data", "mnist")] if data == "mnist" else []
    needs += [("model", name) for name in MODEL_CACHES.get(model, ())]
    for argument, name in needs:  # fetched data sets: present and verified before training
        try:
            load_cached(name)
        except (FileNotFoundError, ValueError) as err:
            parser.fail(argument, f"{model} needs the {name} data set: {err}")
    out = args.out if args.out is not None else Path("runs") / model
    if problem := folder_problem(out):
        parser.fail("--out", problem)
    return data, out


def _train(parser: Parser, args: argparse.Namespace) -> int:
    from viz.train_cli import train_main
    from viz.train_seq import train_sequence_model

    data, out = _check_train_args(parser, args)
    model = args.model
    try:
        # numpy's overflow warnings stay quiet: a diverging run is reported below, in one line
        with np.errstate(all="ignore"):
            if data is None:
                metrics = train_sequence_model(
                    model,
                    out,
                    epochs=args.epochs,
                    lr=args.lr,
                    batch_size=args.batch_size,
                    seed=args.seed,
                    attention=not args.no_attention,
                )
            else:
                metrics = train_main(
                    model,
                    data,
                    out,
                    epochs=args.epochs,
                    lr=args.lr,
                    batch=args.batch_size,
                    seed=args.seed,
                )
    except KeyboardInterrupt:
        return 130
    except FloatingPointError as err:
        if args.lr is not None:
            parser.fail("--lr", f"training diverged with lr={args.lr} ({err}); try a smaller --lr")
        return _run_error("train", err)
    except (ValueError, OSError) as err:
        return _run_error("train", err)
    print(json.dumps(metrics, indent=2, ensure_ascii=False))
    print(f"wrote {out}")
    return 0


def _fetch(parser: Parser, args: argparse.Namespace) -> int:
    from nn.data.cache import data_dir
    from nn.data.fetch import FETCHERS, FetchError

    if problem := folder_problem(data_dir(args.cache_dir)):
        env = os.environ.get("TRACEGRAD_DATA")
        if args.cache_dir is None and env:
            parser.error(f"TRACEGRAD_DATA={env}: {problem}; set it to a folder or give --cache-dir")
        parser.fail("--cache-dir", problem)
    try:
        path = FETCHERS[args.name](args.cache_dir, force=args.force, log=print)
    except KeyboardInterrupt:
        return 130
    except FetchError as err:  # keeps pip's last lines: they say what went wrong
        print(f"tracegrad data fetch {args.name}: error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        return _run_error(f"data fetch {args.name}", err)
    print(path)
    return 0


def build_parser() -> Parser:
    """The ``tracegrad`` argument parser: one-line errors, values checked by ``type=``."""
    parser = Parser(prog="tracegrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="backprop through the course's worked examples")
    demo.add_argument("--out", type=folder_arg, default=Path("tracegrad-demo"), help="folder")
    demo.add_argument("--no-train", action="store_true", help="only the circuits (seconds)")
    graph = sub.add_parser("graph", help="draw a scalar expression and its gradients")
    graph.add_argument("expr", help='e.g. "(x+y)*z"; + - * / ** exp log tanh sigmoid relu')
    graph.add_argument("values", nargs="*", metavar="name=value", help="e.g. x=-2 y=5 z=-4")
    graph.add_argument(
        "--out", type=graph_out, default=Path("graph.svg"), help=".svg .png .dot .html"
    )
    graph.add_argument(
        "--fmt", type=fmt_spec, default=".4g", help="number format, e.g. .4g (default), .3f, .2e"
    )
    graph.add_argument("--show", choices=("both", "forward", "backward"), default="both")
    train = sub.add_parser("train", help="train a model on bundled data")
    train.add_argument("model", choices=tuple(TRAIN_OPTIONS))
    train.add_argument("--no-attention", action="store_true", help="Seq2Seq without attention")
    train.add_argument("--data", choices=("digits", "mnist5k", "mnist"), default=None)
    train.add_argument(
        "--epochs", type=positive_int, default=None, help="default: the model's recipe"
    )
    train.add_argument(
        "--lr", type=positive_float, default=None, help="learning rate (Adam; word2vec's alpha)"
    )
    train.add_argument("--batch-size", type=positive_int, default=None)
    train.add_argument("--seed", type=nonnegative_int, default=0)
    train.add_argument("--out", type=folder_arg, default=None, help="folder (default runs/MODEL)")
    data = sub.add_parser("data", help="fetch a data set that is too big to ship")
    fetch = data.add_subparsers(dest="action", required=True).add_parser(
        "fetch", help="download a data set into the local cache"
    )
    fetch.add_argument("name", choices=DATA_SETS)
    fetch.add_argument(
        "--cache-dir",
        type=folder_arg,
        default=None,
        help="default: $TRACEGRAD_DATA or ~/.cache/tracegrad",
    )
    fetch.add_argument("--force", action="store_true", help="download again even if present")
    for command in (demo, graph, train, fetch):
        command.set_defaults(command_parser=command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tracegrad`` console script; exit status 0, 1 (a run failed),
    2 (a bad argument: one line on stderr naming it) or 130 (interrupted)."""
    try:
        return _main(argv)
    except SystemExit as e:  # argparse's errors and --help: the status, as from any error
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    sub = args.command_parser  # the subcommand's parser: its errors carry its prog
    if args.command == "train":
        return _train(sub, args)
    if args.command == "data":
        return _fetch(sub, args)
    if args.command == "demo":
        if problem := folder_problem(args.out):
            sub.fail("--out", problem)
        return _demo(args.out, train=not args.no_train)
    return _graph(sub, args)


if __name__ == "__main__":
    sys.exit(main())
