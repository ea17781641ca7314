"""The batch builders of the text data: ``pair_batches`` (Seq2Seq) and ``lm_batches``
(next-token prediction), time-major and padded like the RNNs."""

from __future__ import annotations

import numpy as np

from nn.data import lm_batches, pair_batches, poem_text


def test_pair_batches_pad_time_major_and_cover_every_pair():
    pairs = [(np.arange(1, n + 1), np.arange(1, n + 3)) for n in range(1, 8)]
    seen = 0
    for src, tgt in pair_batches(pairs, 3, pad_id=0, rng=np.random.default_rng(0)):
        assert src.shape[1] == tgt.shape[1] <= 3
        assert tgt.shape[0] == src.shape[0] + 2  # every target is two longer here
        seen += src.shape[1]
    assert seen == len(pairs)


def test_pair_batches_keep_order_without_rng_and_shuffle_with_one():
    pairs = [(np.array([n]), np.array([n, n])) for n in range(1, 7)]
    in_order = [src[0].tolist() for src, _ in pair_batches(pairs, 2, pad_id=0)]
    assert in_order == [[1, 2], [3, 4], [5, 6]]
    rng = np.random.default_rng(0)
    shuffled = [src[0].tolist() for src, _ in pair_batches(pairs, 6, pad_id=0, rng=rng)]
    assert sorted(shuffled[0]) == [1, 2, 3, 4, 5, 6]
    assert shuffled[0] != [1, 2, 3, 4, 5, 6]


def test_lm_batches_shift_targets_by_one_and_pad():
    seqs = [np.array([1, 2, 3, 4]), np.array([1, 5, 4])]
    [(x, y)] = list(lm_batches(seqs, 2, pad_id=0))
    np.testing.assert_array_equal(x, [[1, 1], [2, 5], [3, 4]])
    np.testing.assert_array_equal(y, [[2, 5], [3, 4], [4, 0]])


def test_poem_text_punctuates_a_quatrain():
    assert poem_text(["一二三四五", "六七八九十", "甲乙丙丁戊", "己庚辛壬癸"]) == (
        "一二三四五，六七八九十。甲乙丙丁戊，己庚辛壬癸。"
    )
