"""word2vec training loops: skip-gram and CBOW, negative sampling or full softmax, in place.

Two tables of vectors (V, D): ``w_in`` (gensim's ``syn0``, the word vectors) and ``w_out``
(``syn1neg``). One update for an input vector h (a word's row of ``w_in``, or for CBOW the
mean of the context rows) and a target word o, with negatives k_1…k_K (label 0)::

    s_j = u_j · h        g_j = α (label_j - σ(s_j))          for j in {o, k_1, …, k_K}
    u_j += g_j h         work += g_j u_j (before u_j moves)  h's rows += work

which is SGD with step α on L = -log σ(u_o · h) - Σ_k log σ(-u_k · h):
# d/ds_j: σ(s_j) - label_j, so -α dL/du_j = g_j h and -α dL/dh = Σ_j g_j u_j.
Full softmax (``negative=0``) uses every row of ``w_out``: z = W_out h, ŷ = softmax(z),
# d/dz: ŷ - onehot(o), so -α dL/du_j = α (onehot_j - ŷ_j) h.

Semantics follow gensim's ``train_batch_sg`` / ``train_batch_cbow`` (word2vec.c): frequent
words are dropped with probability 1 - keep[w]; each centre word gets a reduced window
b ∈ [0, window) (reach window - b); skip-gram trains pairs with the *context* word's input
vector predicting the centre word; CBOW (cbow_mean) adds the full ``work`` to every context
row, like gensim, rather than work / count; a negative equal to the target is skipped; the
learning rate decays linearly from ``alpha`` to ``min_alpha`` over all words of all epochs
(updated per sentence). Unlike gensim, σ is exact (no table, no skipping of |s| ≥ 6).

Randomness is word2vec.c's 48-bit linear congruential generator
r ← (r · 25214903917 + 11) mod 2^48, drawing ``r >> 16``; it runs the same compiled or
under NUMBA_DISABLE_JIT and never touches numpy's global state. Negatives are drawn from
the unigram^0.75 distribution by binary search in a cumulative table of integer weights.

Sequential on purpose: rows repeat constantly (frequent words), and the result must be
reproducible for a seed. `autograd.kernels.word2vec_oracle` is a slow numpy transcription
for tests. σ is `autograd.kernels.activations.sigmoid`: every score here is float64 (the dot
products accumulate in float64), so it takes its libm path in both dtypes.
"""

from __future__ import annotations

import math

import numpy as np

from autograd.kernels.activations import sigmoid
from autograd.kernels.jit import njit

_MASK48 = (1 << 48) - 1
_LCG_A = 25214903917


@njit
def _lcg_next(r: int) -> int:
    """One step of the 48-bit LCG; ``r >> 16`` is a uniform 32-bit draw."""
    return (r * _LCG_A + 11) & _MASK48


@njit
def _dot_vec(h: np.ndarray, b: np.ndarray, j: int) -> float:
    """h · b[j] for a vector h (D,), four partial sums (a fixed, exact order)."""
    d = h.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    n4 = d - d % 4
    for t in range(0, n4, 4):
        s0 += h[t] * b[j, t]
        s1 += h[t + 1] * b[j, t + 1]
        s2 += h[t + 2] * b[j, t + 2]
        s3 += h[t + 3] * b[j, t + 3]
    for t in range(n4, d):
        s0 += h[t] * b[j, t]
    return (s0 + s1) + (s2 + s3)


@njit
def _ns_update(
    h: np.ndarray,
    w_out: np.ndarray,
    target: int,
    negatives: np.ndarray,
    alpha: float,
    work: np.ndarray,
) -> None:
    """Negative sampling for input vector h (D,) and ``target``: updates the rows of
    ``w_out`` in place and adds -α dL/dh into ``work`` (D,); negatives (K,) int64."""
    d = h.shape[0]
    for k in range(negatives.shape[0] + 1):
        if k == 0:
            j, label = target, 1.0
        else:
            j, label = negatives[k - 1], 0.0
            if j == target:
                continue
        g = (label - sigmoid(_dot_vec(h, w_out, j))) * alpha
        for t in range(d):
            work[t] += g * w_out[j, t]
        for t in range(d):
            w_out[j, t] += g * h[t]


@njit
def _softmax_update(
    h: np.ndarray,
    w_out: np.ndarray,
    target: int,
    alpha: float,
    work: np.ndarray,
    z: np.ndarray,
) -> None:
    """Full softmax over all V rows of ``w_out`` for input h (D,): updates every row in
    place and adds -α dL/dh into ``work``; z (V,) is scratch."""
    v, d = w_out.shape
    zmax = -np.inf
    for j in range(v):
        z[j] = _dot_vec(h, w_out, j)
        zmax = max(zmax, z[j])
    total = 0.0
    for j in range(v):
        z[j] = math.exp(z[j] - zmax)
        total += z[j]
    for j in range(v):
        g = ((1.0 if j == target else 0.0) - z[j] / total) * alpha
        for t in range(d):
            work[t] += g * w_out[j, t]
        for t in range(d):
            w_out[j, t] += g * h[t]


@njit
def sgns_pair_update(
    w_in: np.ndarray,
    w_out: np.ndarray,
    word: int,
    target: int,
    negatives: np.ndarray,
    alpha: float,
) -> None:
    """One skip-gram negative-sampling step with explicit negatives (K,): the input row
    ``w_in[word]`` predicts ``target``; both tables change in place.

    The inner update of `word2vec_train_epoch` on its own; no op calls it: tests compare it
    with autograd's gradient of the same loss."""
    h = w_in[word].copy()
    work = np.zeros_like(h)
    _ns_update(h, w_out, target, negatives, alpha, work)
    for t in range(h.shape[0]):
        w_in[word, t] += work[t]


@njit
def _draw_negatives(cum: np.ndarray, out: np.ndarray, r: int) -> int:
    """Fill ``out`` with draws from the cumulative integer weights ``cum`` (V,); returns r."""
    total = cum[cum.shape[0] - 1]
    for k in range(out.shape[0]):
        x = (r >> 16) % total
        r = _lcg_next(r)
        lo, hi = 0, cum.shape[0] - 1
        while lo < hi:  # first index with cum[index] > x
            mid = (lo + hi) // 2
            if cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        out[k] = lo
    return r


@njit
def word2vec_train_epoch(
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
    """One pass over the corpus, updating ``w_in``, ``w_out`` (V, D) in place.

    tokens (N,) int32 word ids; sentence s is ``tokens[offsets[s]:offsets[s + 1]]``;
    keep (V,) the probability of keeping a word (subsampling); cum (V,) int64 cumulative
    unigram^0.75 weights; the learning rate is
    ``alpha - (alpha - min_alpha) · done / total_words`` with ``done`` counting raw words
    from ``words_before``. Returns (the generator state r, words kept after subsampling).
    """
    v, d = w_in.shape
    longest = 0
    for s in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[s + 1] - offsets[s])
    sent = np.empty(longest, np.int64)
    negs = np.empty(max(negative, 0), np.int64)
    h = np.empty(d, w_in.dtype)
    work = np.empty(d, w_in.dtype)
    z = np.empty(v if negative == 0 else 0, np.float64)
    done, kept = words_before, 0
    for s in range(offsets.shape[0] - 1):
        lr = alpha - (alpha - min_alpha) * done / total_words
        lr = max(lr, min_alpha)
        n = 0
        for p in range(offsets[s], offsets[s + 1]):
            w = tokens[p]
            if keep[w] < 1.0:
                u = (r >> 16) / 4294967296.0
                r = _lcg_next(r)
                if keep[w] < u:
                    continue
            sent[n] = w
            n += 1
        done += offsets[s + 1] - offsets[s]
        kept += n
        for i in range(n):
            b = (r >> 16) % window
            r = _lcg_next(r)
            lo, hi = max(0, i - window + b), min(n, i + window + 1 - b)
            if sg:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    # the context word's input vector predicts the centre word (gensim)
                    c = sent[j]
                    for t in range(d):
                        h[t] = w_in[c, t]
                        work[t] = 0.0
                    if negative > 0:
                        r = _draw_negatives(cum, negs, r)
                        _ns_update(h, w_out, sent[i], negs, lr, work)
                    else:
                        _softmax_update(h, w_out, sent[i], lr, work, z)
                    for t in range(d):
                        w_in[c, t] += work[t]
            else:
                count = hi - lo - 1
                if count == 0:
                    continue
                for t in range(d):
                    h[t] = 0.0
                    work[t] = 0.0
                for j in range(lo, hi):
                    if j != i:
                        for t in range(d):
                            h[t] += w_in[sent[j], t]
                for t in range(d):
                    h[t] /= count
                if negative > 0:
                    r = _draw_negatives(cum, negs, r)
                    _ns_update(h, w_out, sent[i], negs, lr, work)
                else:
                    _softmax_update(h, w_out, sent[i], lr, work, z)
                for j in range(lo, hi):
                    if j != i:
                        for t in range(d):
                            w_in[sent[j], t] += work[t]
    return r, kept
