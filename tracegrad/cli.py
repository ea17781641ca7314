"""The ``tracegrad`` command line.

- ``tracegrad demo [--out DIR]``: the course's two circuits, printed edge by edge and
  written as SVG pictures and step-through HTML players.
- ``tracegrad graph EXPR name=value ... [--out f.svg|f.png|f.dot|f.html] [--order N
  [--wrt NAME]]``: draw any scalar expression (parsed from an AST whitelist, never
  evaluated as Python), or with ``--order N`` the recorded graph of its (N-1)-th derivative.
- ``tracegrad train MODEL [...] [--resume DIR]``: train a model on its bundled data, or
  continue a run from its last complete epoch.
- ``tracegrad predict RUN INPUT`` / ``tracegrad sample RUN``: what a trained run does with
  an image, a text or a word, or the poems it writes.
- ``tracegrad export RUN [--format onnx] [--out FILE]``: a trained run's model as ONNX.
- ``tracegrad data fetch NAME``: download a data set too big to ship.

Each command lives in its own module (`tracegrad.demo`, `tracegrad.graph_command`,
`tracegrad.train_command`, `tracegrad.predict_command`, `tracegrad.export_command`,
`tracegrad.data_command`); this one builds the parser and dispatches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from autograd import __version__
from tracegrad import demo, graph_command
from tracegrad.args import (
    Parser,
    derivative_order,
    fmt_spec,
    folder_arg,
    folder_problem,
    graph_out,
    nonnegative_int,
    positive_float,
    positive_int,
)
from tracegrad.recipes import FETCHABLE, IMAGE_DATA, MODELS


def build_parser() -> Parser:
    """The ``tracegrad`` argument parser: one-line errors, values checked by ``type=``."""
    parser = Parser(prog="tracegrad", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"tracegrad {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo_cmd = sub.add_parser("demo", help="backprop through the course's worked examples")
    demo_cmd.add_argument("--out", type=folder_arg, default=Path("tracegrad-demo"), help="folder")
    demo_cmd.add_argument("--no-train", action="store_true", help="only the circuits (seconds)")
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
    graph.add_argument(
        "--order",
        type=derivative_order,
        default=1,
        help="1: the expression and its gradients (default); N >= 2: the recorded graph of "
        "its (N-1)-th derivative, its edges annotated with the N-th",
    )
    graph.add_argument(
        "--wrt", metavar="NAME", default=None, help="with --order >= 2: the variable (if several)"
    )
    train = sub.add_parser("train", help="train a model on bundled data")
    train.add_argument("model", choices=tuple(MODELS))
    train.add_argument("--no-attention", action="store_true", help="Seq2Seq without attention")
    train.add_argument("--data", choices=IMAGE_DATA, default=None)
    train.add_argument(
        "--epochs", type=positive_int, default=None, help="default: the model's recipe"
    )
    train.add_argument(
        "--lr", type=positive_float, default=None, help="learning rate (Adam; word2vec's alpha)"
    )
    train.add_argument("--batch-size", type=positive_int, default=None)
    train.add_argument("--seed", type=nonnegative_int, default=None, help="default 0")
    train.add_argument("--out", type=folder_arg, default=None, help="folder (default runs/MODEL)")
    train.add_argument(
        "--resume",
        type=folder_arg,
        metavar="DIR",
        default=None,
        help="continue the run in DIR from its last complete epoch (up to --epochs)",
    )
    predict = sub.add_parser("predict", help="what a trained run makes of an input")
    predict.add_argument("run", type=folder_arg, help="the folder tracegrad train wrote")
    predict.add_argument(
        "input", help="a digit image file (mlp, lenet, autoencoder), a text (seq2seq), a word"
    )
    predict.add_argument(
        "--top", type=positive_int, default=None, help="classes (3) or words (10) to list"
    )
    predict.add_argument(
        "--out", type=folder_arg, default=None, help="autoencoder: draw input and output (.png)"
    )
    sample = sub.add_parser("sample", help="poems from a trained lstm-poems run")
    sample.add_argument("run", type=folder_arg, help="the folder tracegrad train wrote")
    sample.add_argument("--lines", type=positive_int, default=5, help="how many (default 5)")
    sample.add_argument(
        "--seed", type=nonnegative_int, default=None, help="default: different each time"
    )
    sample.add_argument(
        "--temperature", type=positive_float, default=0.8, help="0.8 by default; lower: safer"
    )
    sample.add_argument("--start", default="", help="the characters each poem begins with")
    export = sub.add_parser("export", help="write a trained run's model as an ONNX file")
    export.add_argument("run", type=folder_arg, help="the folder tracegrad train wrote")
    export.add_argument("--format", choices=("onnx",), default="onnx", help="onnx (default)")
    export.add_argument(
        "--out", type=folder_arg, default=None, help="the file (default RUN/model.onnx)"
    )
    data = sub.add_parser("data", help="fetch a data set that is too big to ship")
    fetch = data.add_subparsers(dest="action", required=True).add_parser(
        "fetch", help="download a data set into the local cache"
    )
    fetch.add_argument("name", choices=FETCHABLE)
    fetch.add_argument(
        "--cache-dir",
        type=folder_arg,
        default=None,
        help="default: $TRACEGRAD_DATA or ~/.cache/tracegrad",
    )
    fetch.add_argument("--force", action="store_true", help="download again even if present")
    for command in (demo_cmd, graph, train, predict, sample, export, fetch):
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
        from tracegrad.train_command import run_train

        return run_train(sub, args)
    if args.command in ("predict", "sample"):
        from tracegrad.predict_command import run_predict, run_sample

        return (run_predict if args.command == "predict" else run_sample)(sub, args)
    if args.command == "export":
        from tracegrad.export_command import run_export

        return run_export(sub, args)
    if args.command == "data":
        from tracegrad.data_command import run_fetch

        return run_fetch(sub, args)
    if args.command == "demo":
        if problem := folder_problem(args.out):
            sub.fail("--out", problem)
        return demo.run_demo(args.out, train=not args.no_train)
    return graph_command.run_graph(sub, args)


if __name__ == "__main__":
    sys.exit(main())
