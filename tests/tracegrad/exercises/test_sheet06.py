"""Notebook 06's checkers accept what the engine computes and reject typical mistakes with a
hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import autograd.functional as F
import nn
from autograd import Tensor
from nn.data import Vocab, dates
from tracegrad.exercises import notebook06 as check


@pytest.fixture(scope="module")
def counts():
    train, _ = dates.split_dates(4000, 200, seed=0)
    src = len(Vocab.build([list(s) for s, _ in train]))
    tgt = len(Vocab.build([list(t) for _, t in train]))
    count = lambda m: sum(p.data.size for p in m.parameters())  # noqa: E731
    plain, full = nn.Seq2Seq(src, tgt, 32, 64, attention=False), nn.Seq2Seq(src, tgt, 32, 64)
    return {
        "extra": count(full) - count(plain),
        "attention": count(full.attention),
        "plain": count(plain),
        "cell": count(full.decoder) - count(plain.decoder),
        "out": count(full.out) - count(plain.out),
    }


def test_the_engine_answers_are_right(counts):
    assert check.exercise1(counts["extra"], counts["attention"])
    assert check.exercise2(_decode)
    assert check.exercise2(lambda *a: np.array(_decode(*a)))
    assert check.exercise3(_by_engine)


def test_attention_cost_mistakes(counts):
    extra, att, cell, out = counts["extra"], counts["attention"], counts["cell"], counts["out"]
    for answer, hint in [
        ((att, att), "the attention module is not all of it"),
        ((att + cell, att), "the output layer reads [s_i; c_i]"),
        ((att + out, att), "the decoder's LSTMCell reads"),
        ((extra + 256, att), "a layer's biases do not change"),
        ((counts["plain"], att), "one model's whole count"),
        ((extra, att - 64), "W2 has a bias"),
        ((extra, att + 65), "only W2 has a bias"),
        ((extra, extra), "only the parameters of model.attention"),
        ((extra, 3 * 64 * 64), "count W1, W2 (with its bias) and v"),
        ((extra + 1, att), "compare the shapes"),
        (("many", att), "should be one number"),
    ]:
        verdict = check.exercise1(*answer)
        assert not verdict, answer
        assert hint in verdict.message
        assert str(extra) not in verdict.message


def _decode(model, src, max_len, sos, eos, pick, row=-1, stop=True, keep=(False, False)):
    """The six steps of the notebook with pick; the keyword arguments make the mistakes."""
    target = [sos]
    with autograd.no_grad():
        for _ in range(max_len):
            logits = model(np.asarray(src).reshape(-1, 1), np.array(target).reshape(-1, 1))
            choice = int(pick(F.softmax(logits[row, 0], axis=-1).data))
            if choice == eos and stop:
                if keep[1]:
                    target.append(eos)
                break
            target.append(choice)
    return target if keep[0] else target[1:]


def _with_logits(model, src, max_len, sos, eos, pick):
    target = [sos]
    for _ in range(max_len):
        logits = model(np.asarray(src).reshape(-1, 1), np.array(target).reshape(-1, 1))
        choice = int(pick(logits[-1, 0].data))
        if choice == eos:
            break
        target.append(choice)
    return target[1:]


def _until_eos(model, src, max_len, sos, eos, pick):
    target = [sos]
    while target[-1] != eos:
        logits = model(np.asarray(src).reshape(-1, 1), np.array(target).reshape(-1, 1))
        target.append(int(pick(F.softmax(logits[-1, 0], axis=-1).data)))
    return target[1:-1]


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda *a: _decode(*a, keep=(True, False)), "leave <sos> out"),
        (lambda *a: _decode(*a, keep=(False, True)), "stop before appending <eos>"),
        (lambda *a: _decode(*a, row=0), "the last row of the logits"),
        (lambda *a: _decode(*a, stop=False), "stop as soon as pick chooses <eos>"),
        (lambda m, s, n, so, eo, pick: m.greedy_decode(s, n, so, eo)[0], "ignores pick"),
        (_with_logits, "not logits"),
        (_until_eos, "pick was called more than max_len times"),
        (lambda *a: _decode(*a)[:-1], "feed the target so far"),
        (lambda *a: " ".join(map(str, _decode(*a))), "should return a list of token ids"),
        (lambda *a: [0.5, 1.5], "should return a list of token ids"),
        (lambda model, src: [], "raised TypeError"),
        ("greedy", "should be a function"),
    ],
)
def test_decode_mistakes(mistake, hint):
    verdict = check.exercise2(mistake)
    assert not verdict
    assert hint in verdict.message


def _by_engine(alpha, H, g):
    """∂L/∂e by backward, from scores whose softmax is alpha (log alpha, up to a constant)."""
    e = Tensor(np.log(alpha), requires_grad=True)
    context = (F.softmax(e, axis=0).reshape(-1, 1) * Tensor(H)).sum(axis=0)
    (context * Tensor(g)).sum().backward()
    return e.grad


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda a, H, g: H @ g, "that is ∂L/∂α"),
        (lambda a, H, g: a * (H @ g), "the softmax's coupling"),
        (lambda a, H, g: H @ g - (a @ H) @ g, "scaled by its own weight"),
        (lambda a, H, g: -_by_engine(a, H, g), "wrong sign"),
        (lambda a, H, g: a * (H @ g) - a @ H @ g, "not right yet"),
        (lambda a, H, g: a[:, None] * (H - a @ H), "shape (5,)"),
        (lambda a, H, g: H.T @ a, "shape (5,)"),
        (lambda a, H, g: g @ H, "raised ValueError"),
        ([0.1, 0.2], "should be a function"),
    ],
)
def test_score_grad_mistakes(mistake, hint):
    verdict = check.exercise3(mistake)
    assert not verdict
    assert hint in verdict.message


def test_the_checkers_keep_the_students_generator():
    nn.manual_seed(3)
    expected = nn.init.generator().random()
    nn.manual_seed(3)
    check.exercise1(1, 2)
    check.exercise2(_decode)
    assert nn.init.generator().random() == expected
