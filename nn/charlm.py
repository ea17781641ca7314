"""A character-level LSTM language model: Embedding -> LSTM (fused) -> Linear to the vocabulary.

Sequences are time-major: x (T, B) integer ids; the model predicts x_{t+1} from x_1 … x_t.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

import autograd.functional as F
from autograd import Tensor, no_grad
from nn.layers import Embedding, Linear
from nn.module import Module
from nn.rnn import LSTM


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
