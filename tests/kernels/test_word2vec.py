"""The word2vec training kernel against its numpy oracle (same generator, same updates), and
the op that reaches it (`autograd.ops.word2vec.word2vec_sgd_epoch`)."""

from __future__ import annotations

import numpy as np
import pytest

from autograd.kernels.word2vec import sgns_pair_update, word2vec_train_epoch
from autograd.kernels.word2vec_oracle import word2vec_train_epoch_oracle
from autograd.ops.word2vec import word2vec_sgd_epoch


def _problem(dtype, v=9, d=5, n=60, seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, v, n).astype(np.int32)
    offsets = np.array([0, 1, 13, 13, 40, n], np.int64)  # a 1-word and an empty sentence
    keep = np.where(np.arange(v) < 2, 0.5, 1.0)  # the two most frequent ids are subsampled
    cum = np.cumsum(rng.integers(1, 50, v)).astype(np.int64)
    w_in = rng.uniform(-0.5, 0.5, (v, d)).astype(dtype)
    w_out = rng.uniform(-0.5, 0.5, (v, d)).astype(dtype)
    return w_in, w_out, tokens, offsets, keep, cum


@pytest.mark.small
@pytest.mark.parametrize(("sg", "negative"), [(1, 3), (0, 3), (1, 0), (0, 0)])
def test_word2vec_epoch_matches_oracle(sg, negative):
    w_in, w_out, tokens, offsets, keep, cum = _problem(np.float64)
    a_in, a_out, b_in, b_out = w_in.copy(), w_out.copy(), w_in.copy(), w_out.copy()
    args = (tokens, offsets, keep, cum, sg, negative, 3, 0.1, 0.001, 10, 200, 12345)
    r1, kept1 = word2vec_train_epoch(a_in, a_out, *args)
    r2, kept2 = word2vec_train_epoch_oracle(b_in, b_out, *args)
    assert (r1, kept1) == (r2, kept2)
    np.testing.assert_allclose(a_in, b_in, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-10, atol=1e-12)
    assert not np.array_equal(a_in, w_in)


@pytest.mark.small
def test_word2vec_epoch_float32_matches_oracle():
    w_in, w_out, tokens, offsets, keep, cum = _problem(np.float32)
    a_in, a_out, b_in, b_out = w_in.copy(), w_out.copy(), w_in.copy(), w_out.copy()
    args = (tokens, offsets, keep, cum, 1, 2, 2, 0.05, 0.0001, 0, 60, 7)
    word2vec_train_epoch(a_in, a_out, *args)
    word2vec_train_epoch_oracle(b_in, b_out, *args)
    np.testing.assert_allclose(a_in, b_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a_out, b_out, rtol=1e-5, atol=1e-6)


@pytest.mark.small
def test_word2vec_epoch_is_reproducible():
    w_in, w_out, tokens, offsets, keep, cum = _problem(np.float32)
    runs = []
    for _ in range(2):
        a_in, a_out = w_in.copy(), w_out.copy()
        word2vec_train_epoch(a_in, a_out, tokens, offsets, keep, cum, 1, 3, 3, 0.1, 0.001, 0, 60, 3)
        runs.append(a_in)
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.small
def test_sgns_pair_update_skips_negative_equal_to_target():
    rng = np.random.default_rng(0)
    w_in, w_out = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    a_in, a_out, b_in, b_out = w_in.copy(), w_out.copy(), w_in.copy(), w_out.copy()
    sgns_pair_update(a_in, a_out, 0, 1, np.array([2, 1], np.int64), 0.1)
    sgns_pair_update(b_in, b_out, 0, 1, np.array([2], np.int64), 0.1)
    np.testing.assert_allclose(a_in, b_in)
    np.testing.assert_allclose(a_out, b_out)


_SETTINGS = {
    "sg": 1,
    "negative": 3,
    "window": 3,
    "alpha": 0.1,
    "min_alpha": 0.001,
    "words_before": 10,
    "total_words": 200,
    "state": 12345,
}


@pytest.mark.parametrize(("sg", "negative"), [(1, 3), (0, 0)])
def test_word2vec_sgd_epoch_op_runs_the_kernel(sg, negative):
    w_in, w_out, tokens, offsets, keep, cum = _problem(np.float32)
    a_in, a_out, b_in, b_out = w_in.copy(), w_out.copy(), w_in.copy(), w_out.copy()
    settings = {**_SETTINGS, "sg": sg, "negative": negative}
    got = word2vec_sgd_epoch(a_in, a_out, tokens, offsets, keep, cum, **settings)
    want = word2vec_train_epoch(b_in, b_out, tokens, offsets, keep, cum, *settings.values())
    assert got == want
    np.testing.assert_array_equal(a_in, b_in)
    np.testing.assert_array_equal(a_out, b_out)
    assert not np.array_equal(a_in, w_in)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"tokens": np.array([0, 9], np.int32)}, IndexError, "token id 9 is out of range for 9"),
        ({"tokens": np.array([-1, 2], np.int32)}, IndexError, "token id -1 is out of range"),
        ({"offsets": np.array([0, 70], np.int64)}, ValueError, "offsets must be"),
        (
            {"offsets": np.array([0, 40, 30, 60], np.int64)},
            ValueError,
            r"offsets .* rising from 0 to len\(tokens\) = 60",
        ),
        ({"w_out": np.zeros((9, 4), np.float32)}, ValueError, r"\(9, 5\) float32 and \(9, 4\)"),
        ({"keep": np.ones(8)}, ValueError, r"keep and cum must have shape \(V,\) = \(9,\)"),
        ({"tokens": np.zeros(60)}, TypeError, "tokens must be a 1-D integer array"),
    ],
)
def test_word2vec_sgd_epoch_op_rejects_bad_arrays_clearly(change, error, match):
    names = ("w_in", "w_out", "tokens", "offsets", "keep", "cum")
    arrays = dict(zip(names, _problem(np.float32)))
    arrays.update(change)
    with pytest.raises(error, match=match) as info:
        word2vec_sgd_epoch(*arrays.values(), **_SETTINGS)
    assert str(info.value).startswith("word2vec_sgd_epoch: ")
