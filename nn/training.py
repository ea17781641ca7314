"""The one training loop of `nn`: ``fit``, for every model, with tqdm progress bars.

``fit`` runs epochs of minibatch steps (loss, ``zero_grad``, backward, optional gradient-norm
clipping, ``step``) and returns a `History`: per-epoch train loss and metrics, which
``viz.plot_curves`` draws, and every step's loss in ``history.batch_losses``. After each epoch
it steps the scheduler, evaluates (a test loader and/or an ``evaluate`` callback) and calls
``on_epoch(epoch, history)``, where a caller writes its checkpoint atomically: Ctrl-C (or
any error) in a later epoch then leaves the last complete checkpoint intact, and the
progress bar is closed so the message starts on its own line.

Schedulers are stepped the way PyTorch's documentation uses them: ``OneCycleLR`` after every
batch, ``ReduceLROnPlateau`` once per epoch with the monitored loss, any other once per epoch.
``initial_epoch`` and ``history`` continue a run that stopped (`nn.train_state` saves and
restores everything else it needs).

    history = fit(model, Adam(model.parameters(), lr=3e-3), train_loader, test_loader,
                  epochs=10, scheduler=..., on_epoch=lambda e, h: model.save("m.npz"))
    history = fit(lm, opt, lambda: lm_batches(seqs, 64, pad, rng), loss_fn=my_loss,
                  clip_grad_norm=5.0, evaluate=lambda m: {"perplexity": ...})
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.std import tqdm  # text bars everywhere; tqdm.auto wants ipywidgets

import autograd.functional as F
from autograd import Tensor, no_grad
from nn.lr_policies import OneCycleLR, ReduceLROnPlateau
from nn.module import Module
from nn.utils import clip_grad_norm_

TASKS = ("classify", "reconstruct")


@dataclass
class BatchLoss:
    """One batch's result from a loss function: ``loss`` (a scalar Tensor to backpropagate),
    ``size`` (the examples it averages over: the epoch's train loss is the mean weighted by
    it) and ``counts`` (sums over the batch, e.g. ``{"acc": correct}``: recorded per epoch as
    ``"train <name>"`` = their total / the total size)."""

    loss: Tensor
    size: int = 1
    counts: dict[str, float] = field(default_factory=dict)


LossFn = Callable[[Module, Any], "Tensor | BatchLoss"]
Batches = Iterable[Any] | Callable[[], Iterable[Any]]


class History(dict):
    """``{"train loss": [...], "test acc": [...], …}``: one value per epoch for each key
    (what ``viz.plot_curves`` draws and what is written to JSON), and ``batch_losses``:
    the loss of every step, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.batch_losses: list[float] = []

    @classmethod
    def restore(
        cls, series: Mapping[str, Iterable[float]], batch_losses: Iterable[float] = ()
    ) -> History:
        """A History holding copies of ``series`` (key -> per-epoch values) and
        ``batch_losses``: e.g. a saved one, for ``fit(..., history=...)`` to continue."""
        history = cls()
        for key, values in series.items():
            history[str(key)] = [float(v) for v in values]
        history.batch_losses = [float(v) for v in batch_losses]
        return history

    def record(self, key: str, value: float) -> None:
        """Append ``value`` to the per-epoch series ``key``."""
        self.setdefault(key, []).append(value)


def task_loss(task: str) -> LossFn:
    """The loss function of a built-in task, for ``(x, y)`` batches of Tensors:
    "classify": cross-entropy of the model's logits (N, C) on integer labels y (N,), with the
    correct predictions counted as "acc"; "reconstruct": mean squared error of the model's
    output against its input x flattened to (N, D) (y unused)."""
    if task not in TASKS:
        raise ValueError(f"fit: task must be one of {TASKS}, got {task!r}")

    def classify(model: Module, batch: tuple[Tensor, Tensor]) -> BatchLoss:
        x, y = batch
        logits = model(x)
        correct = int((logits.data.argmax(axis=1) == y.data).sum())
        return BatchLoss(F.cross_entropy(logits, y), x.shape[0], {"acc": correct})

    def reconstruct(model: Module, batch: tuple[Tensor, Tensor]) -> BatchLoss:
        x, _ = batch
        flat = x.reshape(x.shape[0], -1)
        return BatchLoss(F.mse_loss(model(flat), flat), x.shape[0])

    return classify if task == "classify" else reconstruct


def evaluate(model: Module, loader: Iterable, task: str = "classify") -> dict[str, float]:
    """Mean loss (and accuracy for classifiers) over ``loader`` of (x, y) batches, in eval
    mode, no graph; the model's train/eval mode is restored afterwards."""
    loss_of = task_loss(task)
    was_training = model.training
    model.eval()
    total, count, sums = 0.0, 0, {}
    try:
        with no_grad():
            for batch in loader:
                result = loss_of(model, batch)
                total += float(result.loss.data) * result.size
                count += result.size
                for k, v in result.counts.items():
                    sums[k] = sums.get(k, 0) + v
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("evaluate: the loader yielded no batches")
    return {"loss": total / count, **{k: v / count for k, v in sums.items()}}


_evaluate_loader = evaluate  # fit's keyword argument ``evaluate`` shadows the name inside it


def _check(epochs: int, initial_epoch: int, clip_grad_norm: float | None) -> None:
    if epochs < 1:
        raise ValueError(f"fit: epochs must be >= 1, got {epochs}")
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, int):
        raise ValueError(f"fit: initial_epoch must be a whole number, got {initial_epoch!r}")
    if not 0 <= initial_epoch < epochs:
        raise ValueError(
            f"fit: initial_epoch must be in [0, epochs): {initial_epoch} epochs are done of "
            f"epochs={epochs}, so there is nothing left to train"
        )
    if clip_grad_norm is not None and not clip_grad_norm > 0:
        raise ValueError(f"fit: clip_grad_norm must be > 0 or None, got {clip_grad_norm}")


def _monitored(scheduler: Any, monitor: str | None, test_loader: Iterable | None) -> str | None:
    """The history key whose latest value ``ReduceLROnPlateau.step`` receives (None for other
    schedulers): ``monitor``, else "test loss" with a test loader, else "train loss"."""
    if not isinstance(scheduler, ReduceLROnPlateau):
        if monitor is not None:
            raise ValueError(
                f"fit: monitor={monitor!r} is for a ReduceLROnPlateau scheduler, got "
                f"{type(scheduler).__name__ if scheduler is not None else 'no scheduler'}"
            )
        return None
    if monitor is not None:
        return monitor
    return "test loss" if test_loader is not None else "train loss"


def _step_on_plateau(scheduler: ReduceLROnPlateau, history: History, monitor: str) -> None:
    if monitor not in history:
        raise ValueError(
            f"fit: ReduceLROnPlateau monitors {monitor!r}, which this run does not record; "
            f"it records {sorted(history)}"
        )
    scheduler.step(history[monitor][-1])


def _train_epoch(
    model: Module,
    optimizer: Any,
    batches: Iterable[Any],
    loss_fn: LossFn,
    *,
    history: History,
    epoch: int,
    epochs: int,
    clip_grad_norm: float | None,
    progress: bool,
    after_step: Callable[[], None] | None = None,
) -> tuple[float, dict[str, float]]:
    """One pass over ``batches``, calling ``after_step()`` after each optimizer step (a
    per-batch scheduler); returns the size-weighted mean loss and the mean counts."""
    model.train()
    params = list(model.parameters())
    total, size, sums = 0.0, 0, {}
    # closed even when a step raises (Ctrl-C too), so a message starts on its own line
    desc = f"epoch {epoch}/{epochs}"
    with tqdm(batches, desc=desc, disable=not progress, leave=True) as bar:
        for batch in bar:
            result = loss_fn(model, batch)
            if not isinstance(result, BatchLoss):
                result = BatchLoss(result)
            optimizer.zero_grad()
            result.loss.backward()
            if clip_grad_norm is not None:
                clip_grad_norm_(params, clip_grad_norm)
            optimizer.step()
            if after_step is not None:
                after_step()
            value = float(result.loss.data)
            if not np.isfinite(value):
                raise FloatingPointError(f"fit: loss became {value} in epoch {epoch}")
            history.batch_losses.append(value)
            total += value * result.size
            size += result.size
            for k, v in result.counts.items():
                sums[k] = sums.get(k, 0) + v
            shown = {"loss": f"{total / size:.4f}"}
            shown.update({k: f"{v / size:.3f}" for k, v in sums.items()})
            bar.set_postfix(shown, refresh=False)
    return total / max(size, 1), {k: v / max(size, 1) for k, v in sums.items()}


def fit(
    model: Module,
    optimizer: Any,
    batches: Batches,
    test_loader: Iterable | None = None,
    *,
    epochs: int = 1,
    task: str = "classify",
    loss_fn: LossFn | None = None,
    scheduler: Any = None,
    clip_grad_norm: float | None = None,
    evaluate: Callable[[Module], dict[str, float]] | None = None,
    on_epoch: Callable[[int, History], None] | None = None,
    progress: bool = True,
    monitor: str | None = None,
    initial_epoch: int = 0,
    history: Mapping[str, list[float]] | None = None,
) -> History:
    """Train ``model`` until epoch ``epochs``; returns the `History`.

    ``batches``: iterated once per epoch (a ``DataLoader``, a list), or a callable returning
    each epoch's batches (e.g. a fresh shuffle: ``lambda: pair_batches(pairs, 64, pad, rng)``).
    ``loss_fn(model, batch)`` returns the batch's loss Tensor (each batch then weighs the
    same in the epoch's mean) or a `BatchLoss`; without it, ``task`` picks `task_loss`
    ("classify": also records "train acc"; "reconstruct"). ``clip_grad_norm``: the maximum
    global gradient norm (``nn.utils.clip_grad_norm_``) before each step.

    ``scheduler`` is stepped as PyTorch's documentation does: ``OneCycleLR`` after every
    optimizer step (build it with ``epochs`` and ``steps_per_epoch=len(loader)``);
    ``ReduceLROnPlateau`` once per epoch after evaluation, with ``step(history[monitor][-1])``
    (``monitor`` defaults to "test loss" when there is a ``test_loader``, else "train loss";
    any key the run records, e.g. one that ``evaluate`` returns, may be named; ``monitor``
    with another scheduler is a ValueError); any other scheduler (``StepLR``, ...) once per
    epoch, before evaluation.

    After each epoch ``test_loader`` is scored with `evaluate` for the task ("test loss",
    "test acc") and ``evaluate(model)`` is called in eval mode without a graph, its dict
    recorded as given; then ``on_epoch(epoch, history)`` (epochs count from 1). A non-finite
    loss raises FloatingPointError.

    Resuming: ``initial_epoch`` epochs are done already (0 <= initial_epoch < epochs), so
    the loop runs epochs ``initial_epoch + 1 … epochs`` and appends to a copy of ``history``
    (a `History`, or a dict of per-epoch lists), the one those epochs recorded. The model,
    optimizer, scheduler and random generators must be restored by the caller
    (`nn.train_state.load_training_state`).
    """
    loss_fn = loss_fn if loss_fn is not None else task_loss(task)
    _check(epochs, initial_epoch, clip_grad_norm)
    monitored = _monitored(scheduler, monitor, test_loader)
    per_batch = scheduler.step if isinstance(scheduler, OneCycleLR) else None
    per_epoch = scheduler is not None and per_batch is None and monitored is None
    if history is None:
        history = History()
    else:
        history = History.restore(history, getattr(history, "batch_losses", ()))
    for epoch in range(initial_epoch + 1, epochs + 1):
        epoch_batches = list(batches()) if callable(batches) else batches
        loss, means = _train_epoch(
            model,
            optimizer,
            epoch_batches,
            loss_fn,
            history=history,
            epoch=epoch,
            epochs=epochs,
            clip_grad_norm=clip_grad_norm,
            progress=progress,
            after_step=per_batch,
        )
        history.record("train loss", loss)
        for k, v in means.items():
            history.record(f"train {k}", v)
        if per_epoch:
            scheduler.step()
        if test_loader is not None:
            for k, v in _evaluate_loader(model, test_loader, task).items():
                history.record(f"test {k}", v)
        if evaluate is not None:
            _record_callback(model, evaluate, history)
        if monitored is not None:
            _step_on_plateau(scheduler, history, monitored)
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history


def _record_callback(
    model: Module, evaluate: Callable[[Module], dict[str, float]], history: History
) -> None:
    """``evaluate(model)`` in eval mode without a graph, its values appended to history."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            metrics = evaluate(model)
    finally:
        model.train(was_training)
    for k, v in metrics.items():
        history.record(k, v)
