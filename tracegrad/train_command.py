"""``tracegrad train MODEL [--data ...] [--epochs N] [--lr X] [--batch-size B] [--seed S]
[--out DIR] [--no-attention] [--resume DIR]``: check the options against the model's recipe
(`tracegrad.recipes.MODELS`), then run `tracegrad.image_recipes` or
`tracegrad.sequence_recipes` and print the final metrics as JSON.

``--resume DIR`` continues the run saved in DIR (`tracegrad.run_state`) from its last complete
epoch up to ``--epochs`` (default: the epochs it was started with), with the settings it was
started with: the other options may only repeat them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from tracegrad.args import Parser, folder_problem, run_error, train_option_problem
from tracegrad.recipes import IMAGE_RECIPES, MODELS

RESUME_FILE = "resume.npz"  # `tracegrad.run_state.RESUME_FILE`, without loading nn here


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
    if args.resume is not None:
        resume_args(parser, args)
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


def resume_args(parser: Parser, args: argparse.Namespace) -> None:
    """Fill ``args`` from the run saved in ``args.resume`` (its settings, folder and target
    epochs), refusing in one line a model that cannot resume, a folder without a usable
    ``resume.npz`` or with another model's run, a setting other than the saved one, and
    ``--epochs`` that the run has reached already."""
    from tracegrad.run_state import saved_run

    model, folder = MODELS[args.model], args.resume
    if model.resume:
        parser.fail("--resume", f"cannot resume {args.model}: {model.resume}")
    if args.out is not None and args.out.resolve() != folder.resolve():
        parser.fail("--out", f"a resumed run writes into its own folder {folder}; leave --out out")
    try:
        saved, done = saved_run(folder, args.model)
    except ValueError as err:
        parser.fail("--resume", str(err))
    batch = "batch" if model.kind == "image" else "batch_size"
    options = [("--data", "data", "data"), ("--lr", "lr", "lr"), ("--seed", "seed", "seed")]
    options.append(("--batch-size", "batch_size", batch))
    for option, attr, key in options:
        value = getattr(args, attr)
        if value is not None and value != saved.get(key):
            parser.fail(
                option,
                f"the run in {folder} was started with {key}={saved.get(key)!r} (None: the "
                f"recipe's); a resumed run keeps its settings: leave {option} out",
            )
        setattr(args, attr, saved.get(key))
    if args.no_attention and saved.get("attention") is not False:
        parser.fail("--no-attention", f"the run in {folder} was started with attention")
    args.no_attention = saved.get("attention") is False
    epochs = saved["epochs"] if args.epochs is None else args.epochs
    if epochs <= done:
        parser.fail(
            "--epochs",
            f"the run in {folder} has trained {done} of its {saved['epochs']} epochs; pass "
            f"--epochs N with N > {done} to train it further",
        )
    args.epochs, args.out, args.limit = epochs, folder, saved.get("limit")


def _run(args: argparse.Namespace, data: str | None, out: Path) -> dict:
    """Train ``args.model`` into ``out`` with the given options (None: the recipe's)."""
    from tracegrad import image_recipes, sequence_recipes

    seed = 0 if args.seed is None else args.seed
    resume = args.resume is not None
    if data is None:
        return sequence_recipes.train_sequence_model(
            args.model,
            out,
            epochs=args.epochs,
            lr=args.lr,
            batch_size=args.batch_size,
            seed=seed,
            attention=not args.no_attention,
            resume=resume,
            limit=getattr(args, "limit", None),  # a resumed quick run's (library runs only)
        )
    return image_recipes.train_main(
        args.model,
        data,
        out,
        epochs=args.epochs,
        lr=args.lr,
        batch=args.batch_size,
        seed=seed,
        resume=resume,
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
        if MODELS[args.model].kind == "sequence" and (out / RESUME_FILE).is_file():
            print(f"\ninterrupted: tracegrad train {args.model} --resume {out} continues the run")
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
