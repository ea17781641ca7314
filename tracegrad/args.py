"""Argument checking for the ``tracegrad`` command: every argument error is one line.

An argument error is one line on stderr, argparse style, and exit status 2::

    tracegrad train: error: argument --epochs: must be >= 1, got 0

- `Parser`: an ``ArgumentParser`` whose errors are that one line (no usage block);
- `positive_int`, `nonnegative_int`, `positive_float`, `folder_arg`, `graph_out`,
  `fmt_spec`, `derivative_order`: argparse ``type=`` validators, so the messages are uniform;
- `folder_problem`, `file_problem`: why an output path cannot be written (None if it can);
- `train_option_problem`: an option the model does not use (`tracegrad.recipes.MODELS`);
- `check_settings`: the same rules for the library entry points (``ValueError``);
- `run_error`: a failure after the arguments were accepted, in one line (exit status 1).

No nn import here: the training code is loaded only by the commands that train.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from tracegrad.recipes import MODELS, NOT_USED
from viz import check_fmt

GRAPH_SUFFIXES = (".svg", ".png", ".dot", ".html")
# highest `tracegrad graph --order`: each order can double the graph (tanh(x) at order 7
# already records 932 nodes, far past a readable picture)
MAX_ORDER = 6


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, ``PROG: error: MESSAGE``, exit status 2."""

    def error(self, message: str) -> NoReturn:
        """Print the one-line error and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")

    def fail(self, argument: str, message: str) -> NoReturn:
        """An error about one argument, worded like argparse's own."""
        self.error(f"argument {argument}: {message}")


# -- the rules (shared by the command line and the library entry points) ----------------


def setting_problem(name: str, value: object) -> str | None:
    """Why ``value`` is not a valid ``name`` ("epochs", "batch_size": an int >= 1; "lr": a
    finite number > 0; "seed": an int >= 0), or None if it is valid."""
    if name in ("epochs", "batch_size", "seed"):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, got {value!r}"
        low = 0 if name == "seed" else 1
        return None if value >= low else f"must be >= {low}, got {value}"
    if name == "lr":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {value!r}"
        if not math.isfinite(value):
            return f"must be a finite number, got {value}"
        return None if value > 0 else f"must be > 0, got {value}"
    raise KeyError(name)


def check_settings(**settings: object) -> None:
    """Raise ValueError naming the first setting that breaks its rule (`setting_problem`);
    settings given as None mean "the recipe's default" and are not checked."""
    for name, value in settings.items():
        if value is not None and (problem := setting_problem(name, value)):
            raise ValueError(f"{name} {problem}")


def _number(text: str, kind: type) -> int | float:
    try:
        return kind(text)
    except (ValueError, OverflowError):
        what = "a whole number" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def _checked(name: str, value: int | float) -> int | float:
    problem = setting_problem(name, value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1 (``--epochs``, ``--batch-size``)."""
    return _checked("epochs", _number(text, int))


def nonnegative_int(text: str) -> int:
    """argparse type: a whole number >= 0 (``--seed``)."""
    return _checked("seed", _number(text, int))


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (``--lr``); refuses nan, inf, 0 and negatives."""
    return _checked("lr", _number(text, float))


def folder_arg(text: str) -> Path:
    """argparse type: a path (a folder is checked later by `folder_problem`)."""
    if "\0" in text:
        raise argparse.ArgumentTypeError("a path cannot contain a NUL character")
    return Path(text)


def graph_out(text: str) -> Path:
    """argparse type: a picture file name ending in .svg, .png, .dot or .html."""
    path = folder_arg(text)
    if path.suffix.lower() not in GRAPH_SUFFIXES:
        raise argparse.ArgumentTypeError(f"{text!r} must end in one of {', '.join(GRAPH_SUFFIXES)}")
    return path


def derivative_order(text: str) -> int:
    """argparse type: ``--order``, a whole number from 1 (the gradient) to `MAX_ORDER`."""
    order = positive_int(text)
    if order > MAX_ORDER:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_ORDER}, got {order}: each order can double the graph"
        )
    return order


def fmt_spec(text: str) -> str:
    """argparse type: a bounded float format spec viz can print numbers with
    (`viz.check_fmt`: e.g. ".4g", ".3f", "+.2e"; width and precision bounded)."""
    try:
        return check_fmt(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("viz: ")) from None


# -- output paths -------------------------------------------------------------------------


def folder_problem(path: Path) -> str | None:
    """Why ``path`` cannot be used as an output folder, or None (it then exists).

    Creates the folder (and its parents) if needed, and probes it with a temporary file:
    permission bits do not tell the whole story (root, read-only mounts, ACLs)."""
    try:
        if path.exists() and not path.is_dir():
            return f"{path} is a file; a folder is needed here"
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"cannot create the folder {path}: {e.strerror or e}"
    try:
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        return f"cannot write in the folder {path}: {e.strerror or e}"
    return None


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be written as an output file, or None (its folder then exists)."""
    try:
        if path.is_dir():
            return f"{path} is a folder; give a file name, e.g. {path / 'graph.svg'}"
    except OSError as e:
        return f"cannot use {path}: {e.strerror or e}"
    return folder_problem(path.parent)


def train_option_problem(model: str, given: list[str]) -> tuple[str, str] | None:
    """The first option in ``given`` that ``model`` does not use, with the reason; or None."""
    for option in given:
        if option not in MODELS[model].options:
            why = NOT_USED.get(option, "it is not used by this model")
            return option, f"does not apply to {model}: {why}"
    return None


def run_error(command: str, err: BaseException, status: int = 1) -> int:
    """A failure after the arguments were accepted: one line on stderr; returns ``status``."""
    print(f"tracegrad {command}: error: {' '.join(str(err).split())}", file=sys.stderr)
    return status
