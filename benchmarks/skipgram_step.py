"""Workload ``skipgram_step``: one SGD step of skip-gram with negative sampling.

Vocabulary 10,000, vectors of 100, a batch of 512 (centre, context) pairs, 5 negatives each.
For pair k: v = W_in[centre_k], u_j = W_out[word_j] for the context (label 1) and the
negatives (label 0); loss = Σ_j BCE-with-logits(u_j · v, label_j), averaged over the batch.
SGD with lr 0.025 (word2vec's default). Centres and contexts follow a Zipf law and negatives
the unigram^0.75 table, so rows repeat within a batch as they do in text.

Engines:
- ``tracegrad``: what a user writes: two ``nn.Embedding(10_000, 100)`` with their defaults
  (the shared tables loaded; dense (V, D) gradients, the only kind ``nn.Embedding`` makes),
  ``nn.optim.SGD([...], lr=0.025)``, ``opt.step()``, ``opt.zero_grad()``.
- ``tracegrad-sparse``: a hand-written fast path no layer takes: the gathered rows are leaf
  tensors, autograd computes their gradients, and the update adds ``-lr · grad`` back into
  only those rows of the numpy tables (`scatter_add_rows`, a Numba kernel; repeated words
  accumulate) — sparse row updates, as word2vec implementations do; no optimizer.
- ``torch``: two ``torch.nn.Embedding(10_000, 100)`` with their defaults (dense gradients),
  ``torch.optim.SGD`` (its default, the per-parameter loop on CPU), ``step()``,
  ``zero_grad()``.
- ``torch-sparse``: ``torch.nn.Embedding(..., sparse=True)`` and the same ``torch.optim.SGD``
  on its sparse gradients.
- ``numpy``: the same math by hand, rows updated with ``np.add.at``.

The gradient probe is d loss / d W_in[c, 0] for the first centre word c.
"""

from __future__ import annotations

import numpy as np

from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "skip-gram, negative sampling: vocab 10k, dim 100, batch 512, 5 negatives, SGD"
ENGINES = ("tracegrad", "tracegrad-sparse", "torch", "torch-sparse", "numpy")
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


def _tracegrad() -> Prepared:
    import autograd.functional as F
    import nn
    from nn.optim import SGD

    w_in, w_out, centres, words, labels = _problem()
    emb_in, emb_out = nn.Embedding(VOCAB, DIM), nn.Embedding(VOCAB, DIM)
    emb_in.load_state_dict({"weight": w_in})
    emb_out.load_state_dict({"weight": w_out})
    opt = SGD([emb_in.weight, emb_out.weight], lr=LR)

    def step() -> StepResult:
        v = emb_in(centres)
        u = emb_out(words)
        scores = (u * v.reshape(BATCH, 1, DIM)).sum(axis=2)
        loss = F.binary_cross_entropy_with_logits(scores, labels, reduction="sum") / BATCH
        loss.backward()
        probe = float(emb_in.weight.grad[centres[0], 0])
        opt.step()
        opt.zero_grad()
        return float(loss.data), probe

    return Prepared(step)


def _tracegrad_sparse() -> Prepared:
    import autograd.functional as F
    from autograd import Tensor
    from autograd.kernels.embedding import scatter_add_rows

    w_in, w_out, centres, words, labels = _problem()
    flat_words = words.reshape(-1)
    first = centres == centres[0]

    def step() -> StepResult:
        v = Tensor(w_in[centres], requires_grad=True)
        u = Tensor(w_out[words], requires_grad=True)
        scores = (u * v.reshape(BATCH, 1, DIM)).sum(axis=2)
        loss = F.binary_cross_entropy_with_logits(scores, labels, reduction="sum") / BATCH
        loss.backward()
        probe = float(v.grad[first, 0].sum())
        scatter_add_rows(w_in, centres, -LR * v.grad)
        scatter_add_rows(w_out, flat_words, -LR * u.grad.reshape(-1, DIM))
        return float(loss.data), probe

    return Prepared(step)


def _torch(sparse: bool) -> Prepared:
    import torch
    import torch.nn.functional as F

    w_in, w_out, centres, words, labels = _problem()
    # nn.Embedding(V, D) is the default layer; sparse=True is its sparse-gradient option
    if sparse:
        emb_in = torch.nn.Embedding(VOCAB, DIM, sparse=True)
        emb_out = torch.nn.Embedding(VOCAB, DIM, sparse=True)
    else:
        emb_in, emb_out = torch.nn.Embedding(VOCAB, DIM), torch.nn.Embedding(VOCAB, DIM)
    emb_in.load_state_dict({"weight": torch.from_numpy(w_in)})
    emb_out.load_state_dict({"weight": torch.from_numpy(w_out)})
    centres_t, words_t = torch.from_numpy(centres), torch.from_numpy(words)
    labels_t = torch.from_numpy(labels)
    opt = torch.optim.SGD([emb_in.weight, emb_out.weight], lr=LR)

    def step() -> StepResult:
        v = emb_in(centres_t)
        u = emb_out(words_t)
        scores = (u * v.unsqueeze(1)).sum(dim=2)
        loss = F.binary_cross_entropy_with_logits(scores, labels_t, reduction="sum") / BATCH
        loss.backward()
        grad = emb_in.weight.grad
        probe = (grad.coalesce().to_dense() if sparse else grad)[centres[0], 0].item()
        opt.step()
        opt.zero_grad()
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
        "tracegrad": _tracegrad,
        "tracegrad-sparse": _tracegrad_sparse,
        "torch": lambda: _torch(sparse=False),
        "torch-sparse": lambda: _torch(sparse=True),
        "numpy": _numpy,
    }
    if engine not in builders:
        raise ValueError(f"skipgram_step: unknown engine {engine!r}")
    return builders[engine]()
