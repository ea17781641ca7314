"""What every ``tracegrad train`` run writes into its folder, each file atomically
(`nn.checkpoint.atomic_write`): the checkpoint and ``curves.png`` after every epoch, then
``metrics.json`` and text such as ``samples.txt``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import nn
from nn.checkpoint import atomic_write
from viz.plots import plot_curves


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: an interrupted run keeps the old file."""
    data = text.encode("utf-8")
    atomic_write(path, lambda f: f.write(data))


def write_json(path: Path, data: dict, *, ensure_ascii: bool = False) -> None:
    """Write ``data`` as indented JSON (one trailing newline) to ``path`` atomically."""
    write_text(path, json.dumps(data, indent=2, ensure_ascii=ensure_ascii) + "\n")


def checkpoint_each_epoch(
    model: nn.Module, checkpoint: Path, curves: Path, title: str
) -> Callable[[int, dict[str, list[float]]], None]:
    """An ``on_epoch`` for `nn.training.fit`: save ``model`` to ``checkpoint`` (atomic, so
    Ctrl-C keeps the last complete epoch) and redraw the curves so far into ``curves``."""

    def on_epoch(epoch: int, history: dict[str, list[float]]) -> None:
        model.save(checkpoint)
        plot_curves(history, title=title, path=curves)

    return on_epoch
