"""What every ``tracegrad train`` run writes into its folder, each file atomically
(`nn.checkpoint.atomic_write`): ``run.json`` before training (what ``tracegrad predict`` and
``tracegrad sample`` need to rebuild the model and prepare its input), then the checkpoint,
``resume.npz`` (`tracegrad.run_state`) and ``curves.png`` after every epoch, then
``metrics.json`` and text such as ``samples.txt``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nn
from nn.checkpoint import atomic_write
from viz.plots import plot_curves

RUN_INFO = "run.json"


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: an interrupted run keeps the old file."""
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data))


def write_json(path: Path, data: dict, *, ensure_ascii: bool = False) -> None:
    """Write ``data`` as indented JSON (one trailing newline) to ``path`` atomically."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=ensure_ascii) + "\n")


def write_run_info(folder: Path, model: str, checkpoint: str, **info: Any) -> None:
    """``folder/run.json``: the ``model`` name (a key of `tracegrad.recipes.MODELS`), its
    ``checkpoint`` file name and what inference needs (`tracegrad.inference.load_run`): the
    ``architecture`` ({"class": ..., "kwargs": ...}, `tracegrad.architectures`), the input's
    preparation, vocabulary files, ..."""
    write_json(folder / RUN_INFO, {"model": model, "checkpoint": checkpoint, **info})


def checkpoint_each_epoch(
    model: nn.Module,
    checkpoint: Path,
    curves: Path,
    title: str,
    save_state: Callable[[int, dict[str, list[float]]], None] | None = None,
) -> Callable[[int, dict[str, list[float]]], None]:
    """An ``on_epoch`` for `nn.training.fit`: save ``model`` to ``checkpoint`` (atomic, so
    Ctrl-C keeps the last complete epoch), then ``save_state(epoch, history)`` (the run's
    resume file), and redraw the curves so far into ``curves``."""

    def on_epoch(epoch: int, history: dict[str, list[float]]) -> None:
        model.save(checkpoint)
        if save_state is not None:
            save_state(epoch, history)
        plot_curves(history, title=title, path=curves)

    return on_epoch
