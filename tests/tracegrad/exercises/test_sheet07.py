"""Notebook 07's checkers accept what the engine and the data give and reject typical mistakes
with a hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from nn.data import Vocab, corpora
from nn.word2vec import Word2Vec
from tracegrad.exercises import notebook07 as check


def _toy_counts():
    sentence = "the king and the queen rule the land".split()  # noqa: SIM905
    n, m = len(sentence), 2
    present = [[0 <= j < n for j in (*range(c - m, c), *range(c + 1, c + m + 1))] for c in range(n)]
    return int(np.sum(present)), n


def _losers(power, min_count=1):
    vocab = Vocab.build(corpora.load_bible_sentences(), specials=())
    counts = np.array(vocab.counts, dtype=np.float64)
    counts = counts[counts >= min_count]
    noise = counts**power / (counts**power).sum()
    return int((noise < counts / counts.sum()).sum()), len(counts)


def _y_hat(V, U, center):
    z = U @ V[:, center]
    return np.exp(z - z.max()) / np.exp(z - z.max()).sum()


def _by_engine(V, U, center, context):
    """dJ/dv_c from Word2Vec's own loss and backward, J the sum over the context positions."""
    model = Word2Vec(U.shape[0], U.shape[1], sg=1, negative=0)
    model.in_embed.weight.data[...] = V.T
    model.out_embed.weight.data[...] = U
    model(np.full(len(context), center), np.asarray(context)).backward()
    return model.in_embed.weight.grad[center] * len(context)


def test_the_right_answers_are_accepted():
    assert check.exercise1(*_toy_counts())
    assert check.exercise2(_losers(0.75)[0], _losers(0)[0])
    assert check.exercise3(_by_engine)


def test_the_checker_keeps_the_students_generator():
    nn.manual_seed(3)
    expected = nn.init.generator().random()
    nn.manual_seed(3)
    assert check.exercise3(_y_minus)
    assert nn.init.generator().random() == expected


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ((32, 8), "fewer than 2m context words exist"),
        ((6, 8), "missing context slots"),
        ((8, 26), "you swapped them"),
        ((26, 26), "CBOW averages the whole context"),
        ((26, 7), "how many centre words"),
        ((25, 8), "count, for every centre word"),
        ((25.5, 8), "a whole number"),
        (("twenty-six", 8), "should be one number"),
    ],
)
def test_pairs_and_examples_mistakes(answer, hint):
    verdict = check.exercise1(*answer)
    assert not verdict
    assert hint in verdict.message
    assert "26" not in verdict.message


def test_words_that_lose_mistakes():
    (at_075, words), (at_0, _) = _losers(0.75), _losers(0)
    for answer, hint in [
        ((at_0, at_075), "you swapped the two powers"),
        ((words - at_075, at_0), "you counted the words that gain"),
        ((0, at_0), "0 is the answer for power 1"),
        ((_losers(0.75, min_count=5)[0], at_0), "the trained model's vocabulary"),
        ((at_075, _losers(0.5)[0]), "belongs to another power"),
        ((at_075 + 3, at_0), "compare count^p / Σ count^p"),
        (("many", at_0), "should be one number"),
    ]:
        verdict = check.exercise2(*answer)
        assert not verdict, answer
        assert hint in verdict.message, (answer, verdict.message)
        assert str(at_075) not in verdict.message
        assert str(at_0) not in verdict.message


def _y_minus(V, U, center, context, sign=1.0, scale=1.0):
    y_hat = _y_hat(V, U, center)
    return scale * sign * sum(U.T @ (y_hat - np.eye(len(y_hat))[o]) for o in context)


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda V, U, c, ctx: _y_minus(V, U, c, ctx, sign=-1.0), "wrong sign"),
        (lambda V, U, c, ctx: _y_minus(V, U, c, ctx, scale=1 / len(ctx)), "off by the number"),
        (lambda V, U, c, ctx: len(ctx) * U.T @ _y_hat(V, U, c), "you left out y"),
        (
            lambda V, U, c, ctx: U.T @ (len(ctx) * _y_hat(V, U, c) - np.isin(range(len(U)), ctx)),
            "counts twice",
        ),
        (lambda V, U, c, ctx: -sum(U[o] for o in ctx), "you left out ŷ"),
        (lambda V, U, c, ctx: _y_minus(V, U, c, ctx)[:2], "should have shape (4,)"),
        (lambda V, U, c, ctx: V[:, c] - _y_minus(V, U, c, ctx), "not right yet"),
        (lambda V, U, c, ctx: V @ U, "should have shape (4,)"),
        (lambda V, U, c, ctx: U @ V[c], "raised ValueError"),
        ("U.T @ (y_hat - y)", "should be a function"),
    ],
)
def test_skipgram_grad_mistakes(mistake, hint):
    verdict = check.exercise3(mistake)
    assert not verdict
    assert hint in verdict.message
