"""Checkers for notebook 07, word vectors: what skip-gram and CBOW each train on, which words
the unigram^0.75 noise distribution draws less often than the text, and the skip-gram
gradient with respect to the centre vector, written by hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np

from nn.data import Vocab, corpora
from nn.word2vec import Word2Vec
from tracegrad.exercises.checking import (
    Sheet,
    StudentError,
    array,
    call,
    close,
    exercise,
    number,
    seeded,
)

# exercise 1: the toy sentence of the notebook, a window of m = 2 words on each side
SENTENCE = ("the", "king", "and", "the", "queen", "rule", "the", "land")
M = 2


def _whole(value: float, what: str) -> int:
    """``value`` as a count, or a hint."""
    got = number(value, what)
    if got != round(got) or got < 0:
        raise StudentError(f"{what} is a count: a whole number, not {got}.")
    return round(got)


@exercise(
    "7.1",
    praise="CBOW makes one prediction per word, skip-gram one per (centre, context) pair, "
    "about 2m times as many: that is why sg=0 trains several times faster.",
)
def _pairs_and_examples(pairs: int, examples: int) -> str | None:
    """Per pass over the toy sentence (m = 2): skip-gram's pairs and CBOW's examples."""
    pairs, examples = _whole(pairs, "pairs"), _whole(examples, "examples")
    n = len(SENTENCE)
    want_pairs = sum(min(c, M) + min(n - 1 - c, M) for c in range(n))
    if (pairs, examples) == (want_pairs, n):
        return None
    if (pairs, examples) == (n, want_pairs):
        return "you swapped them: which of the two predicts one word from all its context?"
    if pairs == 2 * M * n:
        return (
            "pairs: at the ends of the sentence fewer than 2m context words exist "
            "(the notebook marks the missing ones with -1); count only the words present."
        )
    if pairs == 2 * M * n - want_pairs:
        return "pairs: that is the number of missing context slots (the -1s), not of pairs."
    if pairs != want_pairs:
        return "pairs: count, for every centre word, the context words that exist around it."
    if examples == want_pairs:
        return "examples: CBOW averages the whole context into one vector, then predicts once."
    return "examples: how many centre words does one pass over the sentence visit?"


@cache
def _bible_counts() -> np.ndarray:
    sentences = corpora.load_bible_sentences()
    return np.array(Vocab.build(sentences, specials=()).counts, dtype=np.float64)


def _losers(power: float, min_count: int = 1) -> int:
    """How many words the noise distribution count^power draws less often than the text."""
    counts = _bible_counts()
    counts = counts[counts >= min_count]
    unigram = counts / counts.sum()
    noise = counts**power / (counts**power).sum()
    return int((noise < unigram).sum())


@exercise(
    "7.2",
    praise="the power flattens the distribution: at 0.75 only the hundred or so most frequent "
    "words lose; at 0 (uniform) every word above the mean count does.",
)
def _words_that_lose(at_075: int, at_0: int) -> str | None:
    """How many Bible words are drawn less often than their unigram share, at power 0.75 and 0."""
    at_075, at_0 = _whole(at_075, "at_075"), _whole(at_0, "at_0")
    words = len(_bible_counts())
    for got, power, what in ((at_075, 0.75, "at_075"), (at_0, 0.0, "at_0")):
        want = _losers(power)
        if got == want:
            continue
        if got == words - want:
            return f"{what}: you counted the words that gain probability; count those that lose."
        if got == 0 and power != 1:
            return f"{what}: 0 is the answer for power 1, where noise and unigram are equal."
        if (power, got) == (0.75, _losers(0.0)) or (power, got) == (0.0, _losers(0.75)):
            return "you swapped the two powers: which one flattens the counts more?"
        if got == _losers(power, min_count=5):
            return (
                f"{what}: that is over the trained model's vocabulary (words seen 5 times or "
                "more); count over every word of the Bible part, as the notebook's bible_vocab."
            )
        if got in (_losers(p) for p in (0.5, 0.25)):
            return f"{what}: that count belongs to another power; check the exponent."
        return (
            f"{what} is not right yet: compare count^p / Σ count^p with count / Σ count "
            "word by word, over the whole vocabulary of the Bible part."
        )
    return None


# exercise 3: a toy vocabulary and dimension (D != |V|, so a transpose shows)
N_WORDS, DIM = 7, 4
CASES = ((3, (0, 5, 2, 5)), (1, (6, 2)), (4, (2, 2, 2)))


def _engine_grad(model: Word2Vec, center: int, context: Sequence[int]) -> np.ndarray:
    """dJ/dv_c for J summed over the context positions, from the module's mean loss."""
    model.zero_grad()
    model(np.full(len(context), center), np.asarray(context)).backward()
    grad = model.in_embed.weight.grad
    assert grad is not None
    return grad[center] * len(context)


@exercise(
    "7.3",
    praise="each context position pushes v_c along U^T(ŷ − y): towards its own output vector, "
    "away from the probability-weighted average of all of them.",
)
def _skipgram_grad(skipgram_grad: Callable[..., Any]) -> str | None:
    """skipgram_grad(V, U, center, context) -> dJ/dv_c (D,), J the skip-gram loss summed."""
    rng = np.random.default_rng(7)
    with seeded(7):
        model = Word2Vec(N_WORDS, DIM, sg=1, negative=0)
    for table in (model.in_embed.weight, model.out_embed.weight):
        table.data[...] = rng.normal(0, 0.8, table.shape)
    V = model.in_embed.weight.data.T.astype(np.float64)  # D × |V|, the slides' V
    U = model.out_embed.weight.data.astype(np.float64)  # |V| × D
    for center, context in CASES:
        answer = call(
            skipgram_grad, V.copy(), U.copy(), center, list(context), what="skipgram_grad"
        )
        got = array(answer, "skipgram_grad's result", (DIM,))
        want = _engine_grad(model, center, context)
        if close(got, want, rtol=1e-3, atol=1e-5):
            continue
        p = np.exp(U @ V[:, center] - (U @ V[:, center]).max())
        p /= p.sum()
        y = np.zeros(N_WORDS)
        np.add.at(y, list(context), 1.0)
        present = np.isin(np.arange(N_WORDS), context).astype(float)
        if close(got, -want, rtol=1e-3, atol=1e-5):
            return "your gradient has the wrong sign: the gradient of −log ŷ_o is ŷ − y, not y − ŷ."
        if close(got * len(context), want, rtol=1e-3, atol=1e-5):
            return (
                "off by the number of context positions: J sums over them (the module's loss "
                "takes the mean, so its gradient is J's divided by 2m)."
            )
        if close(got, U.T @ p, rtol=1e-3, atol=1e-5) or close(
            got, len(context) * U.T @ p, rtol=1e-3, atol=1e-5
        ):
            return "you left out y: the softmax's gradient subtracts the one-hot of the true word."
        if close(got, U.T @ (len(context) * p - present), rtol=1e-3, atol=1e-5):
            return (
                "a context word that occurs twice (here 'the' could) counts twice in J: "
                "add one one-hot per position, not one per distinct word."
            )
        if close(got, -U.T @ y, rtol=1e-3, atol=1e-5):
            return "you left out ŷ: every word's output vector pulls on v_c through the softmax."
        return (
            "not right yet: differentiate −log softmax(U v_c)_o with respect to v_c for one "
            "position, then add the positions up."
        )
    return None


SHEET = Sheet("07", [_pairs_and_examples, _words_that_lose, _skipgram_grad])
