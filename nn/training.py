"""A small training loop for classifiers and autoencoders, with tqdm progress bars.

``fit`` runs epochs of minibatch steps and returns the history (per-epoch train and test
loss, and accuracy for classifiers) that ``viz.plot_curves`` draws. ``on_epoch`` is
called after every epoch (the CLI saves a checkpoint there, atomically, so Ctrl-C keeps
the last one intact).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from tqdm.std import tqdm  # text bars everywhere; tqdm.auto wants ipywidgets

import autograd.functional as F
from autograd import Tensor, no_grad
from nn.module import Module

TASKS = ("classify", "reconstruct")


def _loss(task: str, model: Module, x: Tensor, y: Tensor) -> tuple[Tensor, int]:
    """The batch loss and the number of correct predictions (classifiers only)."""
    if task == "classify":
        logits = model(x)
        correct = int((logits.data.argmax(axis=1) == y.data).sum())
        return F.cross_entropy(logits, y), correct
    flat = x.reshape(x.shape[0], -1)
    return F.mse_loss(model(flat), flat), 0


def evaluate(model: Module, loader: Iterable, task: str = "classify") -> dict[str, float]:
    """Mean loss (and accuracy for classifiers) over ``loader``, in eval mode, no graph."""
    was_training = model.training
    model.eval()
    total, correct, count = 0.0, 0, 0
    try:
        with no_grad():
            for x, y in loader:
                loss, right = _loss(task, model, x, y)
                total += float(loss.data) * x.shape[0]
                correct += right
                count += x.shape[0]
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no batches")
    out = {"loss": total / count}
    if task == "classify":
        out["acc"] = correct / count
    return out


def fit(
    model: Module,
    optimizer: Any,
    train_loader: Iterable,
    test_loader: Iterable | None = None,
    *,
    epochs: int = 1,
    task: str = "classify",
    on_epoch: Callable[[int, dict[str, list[float]]], None] | None = None,
    progress: bool = True,
    scheduler: Any = None,
) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs``; returns ``{"train loss": [...], "test acc": [...], …}``.

    ``task`` is "classify" (cross-entropy on logits, integer labels) or "reconstruct"
    (mean squared error of the model's output against its flattened input).
    ``scheduler`` (e.g. ``nn.optim.StepLR``) is stepped after every epoch.
    """
    if task not in TASKS:
        raise ValueError(f"fit: task must be one of {TASKS}, got {task!r}")
    if epochs < 1:
        raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
    history: dict[str, list[float]] = {}
    for epoch in range(1, epochs + 1):
        model.train()
        total, correct, count = 0.0, 0, 0
        # closed even when a step raises, so an error message starts on its own line
        with tqdm(
            train_loader, desc=f"epoch {epoch}/{epochs}", disable=not progress, leave=True
        ) as bar:
            for x, y in bar:
                loss, right = _loss(task, model, x, y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                value = float(loss.data)
                if not np.isfinite(value):
                    raise FloatingPointError(f"fit: loss became {value} in epoch {epoch}")
                total += value * x.shape[0]
                correct += right
                count += x.shape[0]
                shown = {"loss": f"{total / count:.4f}"}
                if task == "classify":
                    shown["acc"] = f"{correct / count:.3f}"
                bar.set_postfix(shown, refresh=False)
        history.setdefault("train loss", []).append(total / max(count, 1))
        if task == "classify":
            history.setdefault("train acc", []).append(correct / max(count, 1))
        if scheduler is not None:
            scheduler.step()
        if test_loader is not None:
            for k, v in evaluate(model, test_loader, task).items():
                history.setdefault(f"test {k}", []).append(v)
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history
