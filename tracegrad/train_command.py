"""``tracegrad train MODEL [--data ...] [--epochs N] [--lr X] [--batch-size B] [--seed S]
[--out DIR] [--no-attention]``: check the options against the model's recipe
(`tracegrad.recipes.MODELS`), then run `tracegrad.image_recipes` or
`tracegrad.sequence_recipes` and print the final metrics as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tracegrad.args import Parser, folder_problem, run_error, train_option_problem
from tracegrad.recipes import IMAGE_RECIPES, MODELS


def check_train_args(parser: Parser, args: argparse.Namespace) -> tuple[str | None, Path]:
    """Refuse what ``args.model`` would ignore or cannot use, before any training starts;
    returns the image data set (None for the sequence models) and the output folder."""
    from nn.data.cache import load_cached

    model = MODELS[args.model]
    given = {
        "--data": args.data,
        "--epochs": args.epochs,
        "--lr": args.lr,
        "--batch-size": args.batch_size,
        "--no-attention": True if args.no_attention else None,
    }
    refused = train_option_problem(args.model, [k for k, v in given.items() if v is not None])
    if refused:
        parser.fail(*refused)
    data = None
    if model.kind == "image":
        data = args.data if args.data is not None else model.data
        if (args.model, data) not in IMAGE_RECIPES:
            parser.fail("--data", f"{args.model} needs 28×28 images: use --data mnist5k or mnist")
    needs = [("--data", "mnist")] if data == "mnist" else []
    needs += [("model", name) for name in model.fetched]
    for argument, name in needs:  # fetched data sets: present and verified before training
        try:
            load_cached(name)
        except (FileNotFoundError, ValueError) as err:
            parser.fail(argument, f"{args.model} needs the {name} data set: {err}")
    out = args.out if args.out is not None else Path("runs") / args.model
    if problem := folder_problem(out):
        parser.fail("--out", problem)
    return data, out


def _run(args: argparse.Namespace, data: str | None, out: Path) -> dict:
    """Train ``args.model`` into ``out`` with the given options (None: the recipe's)."""
    from tracegrad import image_recipes, sequence_recipes

    if data is None:
        return sequence_recipes.train_sequence_model(
            args.model,
            out,
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            seed=args.seed,
            attention=not args.no_attention,
        )
    return image_recipes.train_main(
        args.model,
        data,
        out,
        epochs=args.epochs,
        lr=args.lr,
        batch=args.batch_size,
        seed=args.seed,
    )


def run_train(parser: Parser, args: argparse.Namespace) -> int:
    """Check the options, train, print the metrics; 0, 1 (the run failed: one line on
    stderr), 2 (a bad argument, or a given --lr that diverged) or 130 (Ctrl-C)."""
    data, out = check_train_args(parser, args)
    try:
        # numpy's overflow warnings stay quiet: a diverging run is reported below, in one line
        with np.errstate(all="ignore"):
            metrics = _run(args, data, out)
    except KeyboardInterrupt:
        return 130
    except FloatingPointError as err:
        if args.lr is not None:
            parser.fail("--lr", f"training diverged with lr={args.lr} ({err}); try a smaller --lr")
        return run_error("train", err)
    except (ValueError, OSError) as err:
        return run_error("train", err)
    print(json.dumps(metrics, indent=2, ensure_ascii=False))
    print(f"wrote {out}")
    return 0
