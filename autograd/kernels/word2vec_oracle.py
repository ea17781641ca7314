"""Slow numpy reference for the word2vec kernel (tests only), named after it with ``_oracle``.

`word2vec_train_epoch_oracle` takes the arguments of `autograd.kernels.word2vec`'s
``word2vec_train_epoch`` and does the same thing one numpy operation at a time: the same
48-bit generator (r ← (r · 25214903917 + 11) mod 2^48, drawing ``r >> 16``), subsampling,
reduced windows and learning-rate schedule, negatives by ``np.searchsorted`` in the cumulative
table, each update as a vector expression in float64 (with negatives, the rows of ``w_out``
one after the other, as the kernel does).
"""

from __future__ import annotations

import numpy as np

_MASK48 = (1 << 48) - 1
_LCG_A = 25214903917


def _lcg(r: int) -> int:
    return (r * _LCG_A + 11) & _MASK48


def _negatives(cum: np.ndarray, k: int, r: int) -> tuple[np.ndarray, int]:
    out = np.empty(k, np.int64)
    for q in range(k):
        out[q] = np.searchsorted(cum, (r >> 16) % int(cum[-1]), side="right")
        r = _lcg(r)
    return out, r


def _step(
    h: np.ndarray, w_out: np.ndarray, target: int, negs: np.ndarray | None, lr: float
) -> np.ndarray:
    """-lr · dL/dh for input h; updates w_out in place (rows sequentially, like the kernel)."""
    if negs is None:
        z = w_out @ h.astype(np.float64)
        p = np.exp(z - z.max())
        p /= p.sum()
        g = (np.eye(w_out.shape[0])[target] - p) * lr
        work = g @ w_out
        w_out += np.outer(g, h).astype(w_out.dtype)
        return work
    work = np.zeros(h.shape, np.float64)
    for j, label in [(target, 1.0), *((int(k), 0.0) for k in negs)]:
        if label == 0.0 and j == target:
            continue
        s = float(w_out[j].astype(np.float64) @ h)
        g = (label - 1.0 / (1.0 + np.exp(-s))) * lr
        work += g * w_out[j]
        w_out[j] += (g * h).astype(w_out.dtype)
    return work


def word2vec_train_epoch_oracle(
    w_in: np.ndarray,
    w_out: np.ndarray,
    tokens: np.ndarray,
    offsets: np.ndarray,
    keep: np.ndarray,
    cum: np.ndarray,
    sg: int,
    negative: int,
    window: int,
    alpha: float,
    min_alpha: float,
    words_before: int,
    total_words: int,
    r: int,
) -> tuple[int, int]:
    """Reference for `word2vec_train_epoch`: the same algorithm, one numpy op at a time."""
    done, kept = words_before, 0
    for s in range(len(offsets) - 1):
        lr = max(alpha - (alpha - min_alpha) * done / total_words, min_alpha)
        sent = []
        for w in tokens[offsets[s] : offsets[s + 1]]:
            if keep[w] < 1.0:
                u = (r >> 16) / 4294967296.0
                r = _lcg(r)
                if keep[w] < u:
                    continue
            sent.append(int(w))
        done += int(offsets[s + 1] - offsets[s])
        kept += len(sent)
        n = len(sent)
        for i in range(n):
            b = (r >> 16) % window
            r = _lcg(r)
            ctx = [j for j in range(max(0, i - window + b), min(n, i + window + 1 - b)) if j != i]
            if sg:
                for j in ctx:
                    negs = None
                    if negative > 0:
                        negs, r = _negatives(cum, negative, r)
                    h = w_in[sent[j]].astype(np.float64)
                    w_in[sent[j]] += _step(h, w_out, sent[i], negs, lr).astype(w_in.dtype)
            elif ctx:
                rows = [sent[j] for j in ctx]
                h = w_in[rows].astype(np.float64).mean(axis=0)
                negs = None
                if negative > 0:
                    negs, r = _negatives(cum, negative, r)
                work = _step(h, w_out, sent[i], negs, lr).astype(w_in.dtype)
                for row in rows:
                    w_in[row] += work
    return r, kept
