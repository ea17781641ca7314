"""A character-level LSTM language model: Embedding -> LSTM (fused) -> Linear to the vocabulary.

Sequences are time-major: x (T, B) integer ids; the model predicts x_{t+1} from x_1 … x_t.
`train_charlm` trains it with the one loop (`nn.training.fit`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

import autograd.functional as F
from autograd import Tensor, no_grad
from nn.data.text import lm_batches
from nn.layers import Embedding, Linear
from nn.module import Module
from nn.optim import Adam, StepLR
from nn.rnn import LSTM
from nn.training import History, fit


class CharLSTM(Module):
    """Submodules (state-dict prefixes): ``embed`` (Embedding(vocab_size, embed_dim)),
    ``lstm`` (``LSTM(embed_dim, hidden_size, num_layers)``, fused), ``out``
    (``Linear(hidden_size, vocab_size)``)."""

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 1):
        super().__init__()
        self.vocab_size, self.embed_dim = vocab_size, embed_dim
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.embed = Embedding(vocab_size, embed_dim)
        self.lstm = LSTM(embed_dim, hidden_size, num_layers)
        self.out = Linear(hidden_size, vocab_size)

    def forward(self, x: Any, state: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x (T, B) int, state (h, c) each (L, B, H) or None -> (logits (T, B, V), (h, c))."""
        ids = np.asarray(x.data if isinstance(x, Tensor) else x)
        h, state = self.lstm(self.embed(ids), state)
        return self.out(h), state

    def sample(
        self,
        vocab: Sequence[str] | None,
        start_ids: Sequence[int] | str,
        length: int,
        temperature: float = 1.0,
        rng: np.random.Generator | None = None,
        stop_id: int | None = None,
    ) -> list[int]:
        """Generate up to ``length`` ids after priming with ``start_ids`` (not repeated in the
        result); stop early at ``stop_id`` (excluded).

        ``vocab`` (id -> character) or None: with a vocabulary, ``start_ids`` may be a string,
        encoded through it (``"".join(vocab[i] for i in ids)`` decodes the result).
        Each id is drawn from softmax(logits / temperature): temperature → 0 approaches the
        argmax path, 1 samples the model's distribution, larger flattens it. ``rng``: the
        generator to draw from (a fresh unseeded one if None).
        """
        if not temperature > 0:
            raise ValueError(f"CharLSTM.sample: temperature must be > 0, got {temperature}")
        if isinstance(start_ids, str):
            if vocab is None:
                raise ValueError("CharLSTM.sample: a string start needs vocab to encode it")
            index = {ch: i for i, ch in enumerate(vocab)}
            start_ids = [index[ch] for ch in start_ids]
        ids = [int(i) for i in start_ids]
        if not ids:
            raise ValueError("CharLSTM.sample: start_ids must not be empty")
        rng = rng if rng is not None else np.random.default_rng()
        result: list[int] = []
        with no_grad():
            logits, state = self(np.array(ids)[:, None])
            z = logits.data[-1, 0].astype(np.float64)
            for _ in range(length):
                # softmax(z / T) computed stably; tiny T gives a one-hot at the argmax
                z = z / temperature
                p = np.exp(z - z.max())
                p /= p.sum()
                nxt = int(rng.choice(len(p), p=p))
                if nxt == stop_id:
                    break
                result.append(nxt)
                logits, state = self(np.array([[nxt]]), state)
                z = logits.data[-1, 0].astype(np.float64)
        return result

    def perplexity(self, batches: Iterable[Any], pad_id: int | None = None) -> float:
        """exp(mean NLL per predicted token) over ``batches`` of ``(x, y)`` pairs, each (T, B)
        int (y: the next ids), or of single arrays s (T+1, B) read as x = s[:-1], y = s[1:].
        Targets equal to ``pad_id`` are not counted."""
        total, count = 0.0, 0
        with no_grad():
            for batch in batches:
                if isinstance(batch, tuple | list) and len(batch) == 2:
                    x, y = (np.asarray(b) for b in batch)
                else:
                    s = np.asarray(batch)
                    x, y = s[:-1], s[1:]
                logits, _ = self(x)
                flat = logits.reshape(-1, self.vocab_size)
                targets = y.reshape(-1)
                total += F.cross_entropy(flat, targets, "sum", ignore_index=pad_id).item()
                count += int(targets.size if pad_id is None else (targets != pad_id).sum())
        if count == 0:
            raise ValueError("CharLSTM.perplexity: no tokens to score")
        return float(np.exp(total / count))

    def extra_repr(self) -> str:
        return (
            f"vocab_size={self.vocab_size}, embed_dim={self.embed_dim}, "
            f"hidden_size={self.hidden_size}, num_layers={self.num_layers}"
        )


def train_charlm(
    model: CharLSTM,
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
    on_epoch: Callable[[int, History], None] | None = None,
    progress: bool = True,
) -> History:
    """Train ``model`` on id sequences (each ``sos … eos``) to predict the next id, with
    `nn.training.fit`: Adam at ``lr`` times ``gamma`` per epoch (StepLR), gradient norm
    clipped at ``clip``, batches (`lm_batches`) reshuffled each epoch from ``seed``; padding
    is not scored. Returns the history: "train loss" per epoch and, given ``held_out``
    sequences, their "held-out perplexity"."""

    # fit passes ``model`` back as a Module (its callbacks are typed for any model)
    def loss_of(m: Module, batch: tuple[np.ndarray, np.ndarray]) -> Tensor:
        x, y = batch
        logits, _ = m(x)
        flat = logits.reshape(-1, logits.shape[-1])
        return F.cross_entropy(flat, y.reshape(-1), ignore_index=pad_id)

    def perplexity(m: Module) -> dict[str, float]:
        assert held_out is not None  # fit gets this function only with held_out
        ppl = m.perplexity(lm_batches(held_out, 256, pad_id), pad_id=pad_id)
        return {"held-out perplexity": ppl}

    optimizer = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    return fit(
        model,
        optimizer,
        lambda: lm_batches(sequences, batch_size, pad_id, rng),
        loss_fn=loss_of,
        epochs=epochs,
        scheduler=StepLR(optimizer, step_size=1, gamma=gamma),
        clip_grad_norm=clip,
        evaluate=perplexity if held_out is not None else None,
        on_epoch=on_epoch,
        progress=progress,
    )
