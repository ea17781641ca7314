"""``tracegrad predict RUN INPUT`` and ``tracegrad sample RUN``: the inference half of the
models ``tracegrad train`` trains (`tracegrad.inference`), by what the run in folder RUN
trained:

- mlp, lenet: INPUT is an image file of a digit; prints ``class K`` and the ``--top``
  (default 3) classes with their probabilities;
- autoencoder: INPUT is an image file; prints the reconstruction's squared error and the
  code, and with ``--out FILE.png`` draws the image above its reconstruction;
- seq2seq-dates, -poems, -kjv: INPUT is text; prints its translation (a date in ISO form,
  a poem's second line, a verse in modern English);
- word2vec: INPUT is a word; prints the ``--top`` (default 10) nearest words and cosines;
- lstm-poems: ``tracegrad sample RUN [--lines N] [--seed S] [--temperature T] [--start
  TEXT]`` prints N poems (``predict`` refers a user there, and ``sample`` refers the other
  models to ``predict``).

A bad folder or input is one line on stderr naming the argument, exit status 2.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from tracegrad.args import Parser, file_problem
from tracegrad.recipes import MODELS

if TYPE_CHECKING:
    from tracegrad.inference import LoadedRun

DEFAULT_TOP = {"classify": 3, "similar": 10}


def _load(parser: Parser, folder: Path) -> LoadedRun:
    from tracegrad.inference import load_run

    try:
        return load_run(folder)
    except ValueError as err:
        parser.fail("run", str(err))


def _users(infer: str) -> str:
    return ", ".join(name for name, m in MODELS.items() if m.infer == infer)


def run_predict(parser: Parser, args: argparse.Namespace) -> int:
    """Load the run, check the options fit it, predict for the input and print the result;
    0, or 2 with one line on stderr."""
    from tracegrad import inference

    run = _load(parser, args.run)
    if run.infer == "sample":
        parser.fail(
            "run",
            f"{args.run} holds a {run.name} run, which writes text: use "
            f"tracegrad sample {args.run}",
        )
    if args.out is not None and run.infer != "reconstruct":
        parser.fail("--out", f"only the autoencoder draws a picture, not {run.name}")
    if args.top is not None and run.infer not in DEFAULT_TOP:
        parser.fail(
            "--top",
            f"{run.name} gives one answer; --top is for {_users('classify')}, {_users('similar')}",
        )
    if args.out is not None and (problem := file_problem(args.out)):
        parser.fail("--out", problem)
    top = args.top if args.top is not None else DEFAULT_TOP.get(run.infer, 1)
    try:
        if run.infer in ("classify", "reconstruct"):
            from tracegrad.digit_image import load_digit

            image = load_digit(Path(args.input), inference.image_side(run))
            if run.infer == "classify":
                _print_classes(inference.classify(run, image), top)
            else:
                _reconstruction(run, image, args.out)
        elif run.infer == "translate":
            text, unknown = inference.translate(run, args.input)
            print(text)
            if unknown:
                print(f"note: not in the vocabulary, read as <unk>: {' '.join(unknown)}")
        else:
            for word, cosine in inference.similar(run, args.input, top):
                print(f"{word}\t{cosine:.4f}")
    except inference.RunError as err:
        parser.fail("run", str(err))
    except ValueError as err:  # the input: unreadable image, unknown word, empty text
        parser.fail("input", str(err))
    return 0


def _print_classes(probs: np.ndarray, top: int) -> None:
    order = np.argsort(-probs, kind="stable")[: min(top, len(probs))]
    print(f"class {int(order[0])}")
    for k in order:
        print(f"  {int(k)}: {probs[k]:.4f}")


def _reconstruction(run: LoadedRun, image: np.ndarray, out: Path | None) -> None:
    from tracegrad.inference import reconstruct

    rec, code, mse = reconstruct(run, image)
    print(f"reconstruction MSE {mse:.6f}")
    print("code " + " ".join(f"{v:.4f}" for v in code))
    if out is not None:
        from viz.plots import plot_reconstructions

        plot_reconstructions(
            image[None], rec[None], title=f"{run.name}: input and output", path=out
        )
        print(f"wrote {out}")


def run_sample(parser: Parser, args: argparse.Namespace) -> int:
    """Load a char-LSTM run and print ``--lines`` samples; 0, or 2 with one line."""
    from tracegrad import inference

    run = _load(parser, args.run)
    if run.infer != "sample":
        parser.fail(
            "run",
            f"{args.run} holds a {run.name} run; tracegrad sample needs a "
            f"{_users('sample')} run (use tracegrad predict {args.run} INPUT)",
        )
    rng = np.random.default_rng(args.seed)
    try:
        lines = inference.sample(run, args.lines, args.temperature, rng, args.start)
    except inference.RunError as err:
        parser.fail("run", str(err))
    except ValueError as err:
        parser.fail("--start", str(err))
    print("\n".join(lines))
    return 0
