"""Training loops for the sequence models: ``Seq2Seq`` on (source, target) id pairs and
``CharLSTM`` on id sequences. Batches are padded time-major (T, B) like the RNNs; Adam with
gradient-norm clipping; tqdm progress bars; a history dict that ``viz.plot_curves`` draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from tqdm.std import tqdm  # text bars everywhere; tqdm.auto wants ipywidgets

import autograd.functional as F
from autograd import Tensor
from nn.data.text import pad_batch
from nn.module import Module
from nn.optim import Adam
from nn.utils import clip_grad_norm_

Pair = tuple[np.ndarray, np.ndarray]
OnEpoch = Callable[[int, dict[str, list[float]]], None]


def pair_batches(
    pairs: Sequence[Pair], batch_size: int, pad_id: int, rng: np.random.Generator | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Shuffled (when ``rng`` is given) batches of padded ``src (T_in, B)`` and ``tgt (T_out, B)``.

    Each pair is (source ids, target ids); targets should hold ``sos … eos``.
    """
    order = rng.permutation(len(pairs)) if rng is not None else np.arange(len(pairs))
    for start in range(0, len(order), batch_size):
        chunk = [pairs[i] for i in order[start : start + batch_size]]
        src, _ = pad_batch([s for s, _ in chunk], pad_id)
        tgt, _ = pad_batch([t for _, t in chunk], pad_id)
        yield src, tgt


def _train(
    model: Module,
    loss_of: Callable[[Any], Tensor],
    batches: Callable[[np.random.Generator], Iterator[Any]],
    *,
    epochs: int,
    lr: float,
    gamma: float,
    clip: float,
    seed: int,
    evaluate: Callable[[Module], dict[str, float]] | None,
    on_epoch: OnEpoch | None,
    progress: bool,
) -> dict[str, list[float]]:
    """The loop both trainers share: per epoch, Adam steps with gradient-norm clipping over
    ``batches(rng)``, the mean loss recorded, lr × ``gamma``, then ``evaluate`` (eval mode)
    and ``on_epoch``."""
    rng = np.random.default_rng(seed)
    opt = Adam(model.parameters(), lr=lr)
    params = list(model.parameters())
    history: dict[str, list[float]] = {}
    for epoch in range(1, epochs + 1):
        model.train()
        desc = f"epoch {epoch}/{epochs}"
        total, count = 0.0, 0
        # closed even when a step raises, so an error message starts on its own line
        with tqdm(list(batches(rng)), desc=desc, disable=not progress, leave=True) as bar:
            for batch in bar:
                loss = loss_of(batch)
                opt.zero_grad()
                loss.backward()
                clip_grad_norm_(params, clip)
                opt.step()
                value = float(loss.data)
                if not math.isfinite(value):
                    raise FloatingPointError(f"{desc}: the loss became {value}")
                total, count = total + value, count + 1
                bar.set_postfix(loss=f"{total / count:.4f}", refresh=False)
        history.setdefault("train loss", []).append(total / max(count, 1))
        for group in opt.param_groups:
            group["lr"] *= gamma
        if evaluate is not None:
            model.eval()
            for k, v in evaluate(model).items():
                history.setdefault(k, []).append(v)
        if on_epoch is not None:
            on_epoch(epoch, history)
    return history


def train_seq2seq(
    model: Module,
    train_pairs: Sequence[Pair],
    *,
    epochs: int,
    batch_size: int = 64,
    lr: float = 2e-3,
    gamma: float = 1.0,
    clip: float = 5.0,
    seed: int = 0,
    evaluate: Callable[[Module], dict[str, float]] | None = None,
    on_epoch: OnEpoch | None = None,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Teacher-forced training of ``model`` (a `nn.Seq2Seq`); returns the history.

    ``evaluate(model)`` (optional) is called after each epoch and its values are recorded
    (e.g. {"test exact": 0.97}); the learning rate is multiplied by ``gamma`` per epoch.
    """
    return _train(
        model,
        lambda batch: model.loss(*batch),
        lambda rng: pair_batches(train_pairs, batch_size, model.pad_id, rng),
        epochs=epochs,
        lr=lr,
        gamma=gamma,
        clip=clip,
        seed=seed,
        evaluate=evaluate,
        on_epoch=on_epoch,
        progress=progress,
    )


def exact_match(
    model: Module, pairs: Sequence[Pair], *, sos: int, eos: int, max_len: int
) -> tuple[float, list[list[int]]]:
    """Share of pairs whose greedy decode equals the target exactly (sos/eos stripped),
    and the decoded id lists."""
    decoded, right = [], 0
    for src, tgt in pairs:
        tokens, _ = model.greedy_decode(src, max_len, sos, eos)
        expected = [int(t) for t in tgt if t not in (sos, eos)]
        right += tokens == expected
        decoded.append(tokens)
    return right / max(len(pairs), 1), decoded


def lm_batches(
    sequences: Sequence[np.ndarray],
    batch_size: int,
    pad_id: int,
    rng: np.random.Generator | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Batches ``(x (T, B), y (T, B))`` for next-token prediction: y is x shifted by one."""
    order = rng.permutation(len(sequences)) if rng is not None else np.arange(len(sequences))
    for start in range(0, len(order), batch_size):
        padded, _ = pad_batch([sequences[i] for i in order[start : start + batch_size]], pad_id)
        yield padded[:-1], padded[1:]


def train_charlm(
    model: Module,
    sequences: Sequence[np.ndarray],
    *,
    pad_id: int,
    epochs: int,
    batch_size: int = 64,
    lr: float = 2e-3,
    gamma: float = 1.0,
    clip: float = 5.0,
    seed: int = 0,
    held_out: Sequence[np.ndarray] | None = None,
    on_epoch: OnEpoch | None = None,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train a `nn.CharLSTM` on id sequences (each sos … eos); returns the history with
    train loss and, given ``held_out``, its perplexity per epoch."""

    def loss_of(batch: tuple[np.ndarray, np.ndarray]) -> Tensor:
        x, y = batch
        logits, _ = model(x)
        flat = logits.reshape(-1, logits.shape[-1])
        return F.cross_entropy(flat, y.reshape(-1), ignore_index=pad_id)

    def perplexity(m: Module) -> dict[str, float]:
        ppl = m.perplexity(lm_batches(held_out, 256, pad_id), pad_id=pad_id)
        return {"held-out perplexity": ppl}

    return _train(
        model,
        loss_of,
        lambda rng: lm_batches(sequences, batch_size, pad_id, rng),
        epochs=epochs,
        lr=lr,
        gamma=gamma,
        clip=clip,
        seed=seed,
        evaluate=perplexity if held_out is not None else None,
        on_epoch=on_epoch,
        progress=progress,
    )
