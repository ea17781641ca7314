"""Workload ``skipgram_step``: one SGD step of skip-gram with negative sampling.

Vocabulary 10,000, vectors of 100, a batch of 512 (centre, context) pairs, 5 negatives each.
For pair k: v = W_in[centre_k], u_j = W_out[word_j] for the context (label 1) and the
negatives (label 0); loss = Σ_j BCE-with-logits(u_j · v, label_j), averaged over the batch.
SGD with lr 0.025 (word2vec's default). Centres and contexts follow a Zipf law and negatives
the unigram^0.75 table, so rows repeat within a batch as they do in text.

Engines:
- ``tracegrad``: the gathered rows are leaf tensors; autograd computes their gradients, and
  the update adds ``-lr · grad`` back into only those rows (`scatter_add_rows`, a Numba
  kernel; repeated words accumulate) — sparse row updates, as word2vec implementations do.
- ``tracegrad-dense``: ``F.embedding`` on the full tables, dense (V, D) gradients, dense SGD.
- ``torch``: ``F.embedding`` with dense gradients (PyTorch's default) and an SGD step.
- ``torch-sparse``: ``F.embedding(sparse=True)`` and ``torch.optim.SGD`` on sparse gradients.
- ``numpy``: the same math by hand, rows updated with ``np.add.at``.

The gradient probe is d loss / d W_in[c, 0] for the first centre word c.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "skip-gram, negative sampling: vocab 10k, dim 100, batch 512, 5 negatives, SGD"
ENGINES = ("tracegrad", "tracegrad-dense", "torch", "torch-sparse", "numpy")
REPEATS = dict.fromkeys(ENGINES, 50)
WARMUP = dict.fromkeys(ENGINES, 5)

VOCAB, DIM, BATCH, NEGATIVES, LR = 10_000, 100, 512, 5, 0.025


def _problem() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """W_in, W_out (V, D) float32; centres (B,); words (B, 1 + K): context then negatives;
    labels (B, 1 + K) float32."""
    rng = np.random.default_rng(0)
    w_in = rng.uniform(-0.5, 0.5, (VOCAB, DIM)).astype(np.float32) / DIM
    w_out = rng.uniform(-0.5, 0.5, (VOCAB, DIM)).astype(np.float32) / DIM
    zipf = 1.0 / np.arange(1, VOCAB + 1)
    zipf /= zipf.sum()
    unigram = zipf**0.75 / (zipf**0.75).sum()
    centres = rng.choice(VOCAB, BATCH, p=zipf)
    contexts = rng.choice(VOCAB, (BATCH, 1), p=zipf)
    negatives = rng.choice(VOCAB, (BATCH, NEGATIVES), p=unigram)
    words = np.concatenate([contexts, negatives], axis=1)
    labels = np.zeros(words.shape, np.float32)
    labels[:, 0] = 1
    return w_in, w_out, centres, words, labels


def _tracegrad(dense: bool) -> Prepared:
    import autograd.functional as F
    from autograd import Tensor
    from autograd.kernels.embedding import scatter_add_rows

    w_in, w_out, centres, words, labels = _problem()
    flat_words = words.reshape(-1)
    first = centres == centres[0]
    if dense:
        w_in_t, w_out_t = Tensor(w_in, requires_grad=True), Tensor(w_out, requires_grad=True)

    def step() -> StepResult:
        if dense:
            v = F.embedding(w_in_t, centres)
            u = F.embedding(w_out_t, words)
        else:
            v = Tensor(w_in[centres], requires_grad=True)
            u = Tensor(w_out[words], requires_grad=True)
        scores = (u * v.reshape(BATCH, 1, DIM)).sum(axis=2)
        loss = F.binary_cross_entropy_with_logits(scores, labels, reduction="sum") / BATCH
        loss.backward()
        if dense:
            probe = float(w_in_t.grad[centres[0], 0])
            for w in (w_in_t, w_out_t):
                w.data -= LR * w.grad
                w.grad = None
        else:
            probe = float(v.grad[first, 0].sum())
            scatter_add_rows(w_in, centres, -LR * v.grad)
            scatter_add_rows(w_out, flat_words, -LR * u.grad.reshape(-1, DIM))
        return float(loss.data), probe

    return Prepared(step)


def _torch(sparse: bool) -> Prepared:
    import torch
    import torch.nn.functional as F

    w_in, w_out, centres, words, labels = _problem()
    w_in_t = torch.from_numpy(w_in).requires_grad_()
    w_out_t = torch.from_numpy(w_out).requires_grad_()
    centres_t, words_t = torch.from_numpy(centres), torch.from_numpy(words)
    labels_t = torch.from_numpy(labels)
    sgd = torch.optim.SGD([w_in_t, w_out_t], lr=LR)

    def step() -> StepResult:
        v = F.embedding(centres_t, w_in_t, sparse=sparse)
        u = F.embedding(words_t, w_out_t, sparse=sparse)
        scores = (u * v.unsqueeze(1)).sum(dim=2)
        loss = F.binary_cross_entropy_with_logits(scores, labels_t, reduction="sum") / BATCH
        loss.backward()
        grad = w_in_t.grad.coalesce().to_dense() if sparse else w_in_t.grad
        probe = grad[centres[0], 0].item()
        sgd.step()
        sgd.zero_grad(set_to_none=True)
        return loss.item(), probe

    return Prepared(step)


def _numpy() -> Prepared:
    w_in, w_out, centres, words, labels = _problem()
    flat_words = words.reshape(-1)
    first = centres == centres[0]

    def step() -> StepResult:
        v = w_in[centres]  # (B, D)
        u = w_out[words]  # (B, 1+K, D)
        scores = np.einsum("bkd,bd->bk", u, v)
        # BCE with logits, stably; d loss / d score = (σ(score) - label) / B
        loss = np.maximum(scores, 0) - scores * labels + np.log1p(np.exp(-np.abs(scores)))
        sig = 1 / (1 + np.exp(-scores))
        d_scores = (sig - labels) / BATCH
        d_v = np.einsum("bk,bkd->bd", d_scores, u)
        d_u = d_scores[:, :, None] * v[:, None, :]
        probe = float(d_v[first, 0].sum())
        np.add.at(w_in, centres, -LR * d_v)
        np.add.at(w_out, flat_words, -LR * d_u.reshape(-1, DIM))
        return float(loss.sum() / BATCH), probe

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (one of ``ENGINES``)."""
    builders = {
        "tracegrad": lambda: _tracegrad(dense=False),
        "tracegrad-dense": lambda: _tracegrad(dense=True),
        "torch": lambda: _torch(sparse=False),
        "torch-sparse": lambda: _torch(sparse=True),
        "numpy": _numpy,
    }
    if engine not in builders:
        raise ValueError(f"skipgram_step: unknown engine {engine!r}")
    return builders[engine]()
