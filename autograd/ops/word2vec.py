"""word2vec's SGD epoch: a fused training routine in gensim's style, not a differentiable op.

gensim trains word2vec with a loop of its own (word2vec.c's ``train_batch_sg`` /
``train_batch_cbow``) rather than with an autograd engine and an optimizer: each pair touches
a few rows of two tables, and updating those rows in place as the pairs stream by is what
makes it fast. `word2vec_sgd_epoch` is that loop (in `autograd.kernels.word2vec`), reached
through the ops layer as every kernel is. It records nothing in the graph, returns no Tensor
and has no backward: it changes the two tables in place, which ``nn.Word2Vec.fit`` passes as
its parameters' arrays (``in_embed.weight.data``, ``out_embed.weight.data``).

Its update for one pair is SGD with step α on the loss of ``nn.Word2Vec``'s differentiable
forward (negative sampling: L = -log σ(u_o · h) - Σ_k log σ(-u_k · h); ``negative=0``: the
softmax cross-entropy over all V rows); the kernel module states the semantics in full
(subsampling, reduced windows, the decaying learning rate, the 48-bit generator).
"""

from __future__ import annotations

import numpy as np

from autograd.kernels.word2vec import word2vec_train_epoch
from autograd.tensor import Tensor


def _check(
    w_in: np.ndarray,
    w_out: np.ndarray,
    tokens: np.ndarray,
    offsets: np.ndarray,
    keep: np.ndarray,
    cum: np.ndarray,
) -> None:
    """Raise where the kernel would otherwise read or write outside an array."""
    where = "word2vec_sgd_epoch"
    if w_in.ndim != 2 or w_in.shape != w_out.shape or w_in.dtype != w_out.dtype:
        raise ValueError(
            f"{where}: w_in and w_out must be (V, D) tables of one shape and dtype, got "
            f"{w_in.shape} {w_in.dtype} and {w_out.shape} {w_out.dtype}"
        )
    if w_in.dtype not in (np.float32, np.float64):
        raise TypeError(f"{where}: the tables must be float32 or float64, got {w_in.dtype}")
    v = w_in.shape[0]
    if keep.shape != (v,) or cum.shape != (v,):
        raise ValueError(
            f"{where}: keep and cum must have shape (V,) = ({v},), got {keep.shape} and {cum.shape}"
        )
    if tokens.ndim != 1 or tokens.dtype.kind not in "iu":
        raise TypeError(f"{where}: tokens must be a 1-D integer array, got {tokens.dtype}")
    if tokens.size:
        lo, hi = int(tokens.min()), int(tokens.max())
        if lo < 0 or hi >= v:
            bad = lo if lo < 0 else hi
            raise IndexError(f"{where}: token id {bad} is out of range for {v} words")
    ends_ok = offsets.size >= 1 and offsets[0] == 0 and offsets[-1] == tokens.size
    if offsets.ndim != 1 or not ends_ok or (np.diff(offsets) < 0).any():
        raise ValueError(
            f"{where}: offsets must be (S+1,), rising from 0 to len(tokens) = {tokens.size}"
        )


def word2vec_sgd_epoch(
    w_in: Tensor | np.ndarray,
    w_out: Tensor | np.ndarray,
    tokens: np.ndarray,
    offsets: np.ndarray,
    keep: np.ndarray,
    cum: np.ndarray,
    *,
    sg: int,
    negative: int,
    window: int,
    alpha: float,
    min_alpha: float,
    words_before: int,
    total_words: int,
    state: int,
) -> tuple[int, int]:
    """One pass of word2vec's SGD over a corpus, updating ``w_in`` and ``w_out`` in place.

    w_in (V, D), the word vectors, and w_out (V, D), the output vectors: float32 or float64
    arrays of one dtype. tokens (N,) int32 word ids; sentence s is
    ``tokens[offsets[s]:offsets[s + 1]]`` with offsets (S+1,) int64; keep (V,) float64 the
    probability of keeping each word (subsampling); cum (V,) int64 the cumulative
    unigram^0.75 weights negatives are drawn from. ``sg``: 1 skip-gram, 0 CBOW; ``negative``:
    negatives per pair, 0 for the full softmax; ``window``: the largest reach. The learning
    rate falls linearly from ``alpha`` to ``min_alpha`` as the words seen grow from
    ``words_before`` to ``total_words`` (all epochs). ``state`` is the 48-bit generator state.

    The tables may be Tensors (a model's parameters): their arrays are updated and their
    versions bumped, as by any in-place change, so a backward still pending on the old
    values raises instead of using the new ones.

    Returns ``(state, kept)``: the generator state to pass to the next epoch, and how many
    words were trained on after subsampling. Not differentiable; records nothing.
    """
    tables = [t for t in (w_in, w_out) if isinstance(t, Tensor)]
    a_in, a_out = (t.data if isinstance(t, Tensor) else t for t in (w_in, w_out))
    _check(a_in, a_out, tokens, offsets, keep, cum)
    state, kept = word2vec_train_epoch(
        a_in,
        a_out,
        tokens,
        offsets,
        keep,
        cum,
        sg,
        negative,
        window,
        alpha,
        min_alpha,
        words_before,
        total_words,
        state,
    )
    for t in tables:
        t._counter().value += 1
    return int(state), int(kept)
