"""The shared training loops for Seq2Seq and the char-LM."""

from __future__ import annotations

import numpy as np

import nn
from nn.seq_training import exact_match, lm_batches, pair_batches, train_charlm, train_seq2seq


def test_pair_batches_pad_time_major_and_cover_every_pair():
    pairs = [(np.arange(1, n + 1), np.arange(1, n + 3)) for n in range(1, 8)]
    seen = 0
    for src, tgt in pair_batches(pairs, 3, pad_id=0, rng=np.random.default_rng(0)):
        assert src.shape[1] == tgt.shape[1] <= 3
        assert tgt.shape[0] == src.shape[0] + 2  # every target is two longer here
        seen += src.shape[1]
    assert seen == len(pairs)


def test_train_charlm_learns_a_cycle_and_records_perplexity():
    seqs = [np.array([1] + [2, 3, 4] * 4 + [5]) for _ in range(16)]
    nn.manual_seed(0)
    model = nn.CharLSTM(6, 8, 16)
    history = train_charlm(
        model, seqs, pad_id=0, epochs=15, batch_size=4, lr=2e-2, held_out=seqs[:2], progress=False
    )
    assert history["train loss"][-1] < history["train loss"][0] / 5
    assert len(history["held-out perplexity"]) == 15
    assert history["held-out perplexity"][-1] < 1.5
    x, y = next(lm_batches(seqs, 4, pad_id=0))
    np.testing.assert_array_equal(x[1:], y[:-1])  # y is x shifted by one step


def test_train_seq2seq_learns_to_copy_and_calls_back_each_epoch():
    rng = np.random.default_rng(0)
    sos, eos = 1, 2
    pairs = []
    for _ in range(200):
        s = rng.integers(3, 8, rng.integers(2, 5))
        pairs.append((s, np.concatenate([[sos], s, [eos]])))
    nn.manual_seed(0)
    model = nn.Seq2Seq(8, 8, 8, 24)
    calls = []
    history = train_seq2seq(
        model,
        pairs,
        epochs=20,
        lr=1e-2,
        evaluate=lambda m: {"exact acc": 0.0},
        on_epoch=lambda epoch, h: calls.append(epoch),
        progress=False,
    )
    assert calls == list(range(1, 21))
    assert len(history["exact acc"]) == 20
    assert history["train loss"][-1] < history["train loss"][0] / 5
    acc, decoded = exact_match(model, pairs[:50], sos=sos, eos=eos, max_len=6)
    assert acc > 0.8
    assert len(decoded) == 50
