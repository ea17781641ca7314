"""Checkers for notebook 06, sequence to sequence with attention: what attention adds to the
dates model in parameters, greedy decoding written by hand with any rule for the pick, and
the gradient that reaches the attention scores through the softmax."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

import autograd.functional as F
import nn
from autograd import Tensor, no_grad
from nn.data import Vocab, dates
from tracegrad.exercises.checking import Sheet, StudentError, array, call, exercise, number, seeded

EMBED, HIDDEN = 32, 64  # the dates model of the notebook


def _count(module: nn.Module) -> int:
    return sum(p.data.size for p in module.parameters())


@cache
def _sizes() -> dict[str, int]:
    """Parameter counts of the notebook's dates models, with and without attention."""
    train, _ = dates.split_dates(4000, 200, seed=0)
    src = len(Vocab.build([list(s) for s, _ in train]))
    tgt = len(Vocab.build([list(t) for _, t in train]))
    with seeded(0):
        plain = nn.Seq2Seq(src, tgt, EMBED, HIDDEN, attention=False)
        full = nn.Seq2Seq(src, tgt, EMBED, HIDDEN)
    return {
        "plain": _count(plain),
        "full": _count(full),
        "attention": _count(full.attention),
        "decoder": 4 * HIDDEN * HIDDEN,  # the LSTMCell's weight_ih reads c_i too
        "out": tgt * HIDDEN,  # so does the output layer
    }


@exercise(
    "6.1",
    praise="the attention module itself is the smaller part: most of the price is paid where "
    "the context is read, by the decoder cell and the output layer.",
)
def _attention_cost(extra: int, in_attention: int) -> str | None:
    """The dates model's parameters beyond the plain one's, and how many are in .attention."""
    got, got_att = number(extra, "extra"), number(in_attention, "in_attention")
    n = _sizes()
    att, dec, out = n["attention"], n["decoder"], n["out"]
    if got_att != att:
        if got_att == att - HIDDEN:
            return "in_attention: W2 has a bias; W1 and v have none."
        if got_att == att + HIDDEN + 1:
            return "in_attention: only W2 has a bias; W1 and v are Linear layers without one."
        if got_att == got:
            return "in_attention counts only the parameters of model.attention, not all extra ones."
        return "in_attention is not right yet: count W1, W2 (with its bias) and v."
    if got == att + dec + out:
        return None
    if got in (n["full"], n["plain"]):
        return "extra: that is one model's whole count; give the difference of the two."
    if got == att:
        return "extra: the attention module is not all of it. Which layers also read c_i?"
    if got == att + dec:
        return "extra: the output layer reads [s_i; c_i], so its weight grew as well."
    if got == att + out:
        return "extra: the decoder's LSTMCell reads [embed(y_(i-1)); c_i]: its input grew."
    if got == att + dec + out + 4 * HIDDEN:
        return "extra: a wider input adds weights only; a layer's biases do not change."
    return "extra is not right yet: compare the shapes in the two models' named_parameters()."


# exercise 2: a small random model and source, decoded at most MAX_LEN tokens
SRC, TGT, SOS, EOS, MAX_LEN = 11, 9, 2, 3, 6


@cache
def _model() -> nn.Seq2Seq:
    with seeded(6):
        model = nn.Seq2Seq(SRC, TGT, 8, 16)
    model.eval()
    return model


def _reference(src: np.ndarray, pick: Callable, row: int = -1, stop: bool = True) -> list[int]:
    """The six steps with ``pick`` choosing from the probabilities of logits[row]."""
    target = [SOS]
    with no_grad():
        for _ in range(MAX_LEN):
            logits = _model()(src.reshape(-1, 1), np.array(target).reshape(-1, 1))
            choice = int(pick(F.softmax(logits[row, 0], axis=-1).data))
            if choice == EOS and stop:
                break
            target.append(choice)
    return target[1:]


class _Picker:
    """A pick rule that notes whether it was handed probabilities; ``eos_at`` picks <eos> on
    that call (counted from 1 per decode), otherwise the ``rank``-th most likely token."""

    def __init__(self, rank: int, eos_at: int | None = None) -> None:
        self.rank, self.eos_at, self.calls, self.logits = rank, eos_at, 0, False

    def __call__(self, p: Any) -> int:
        p = np.asarray(p.data if isinstance(p, Tensor) else p, dtype=np.float64).reshape(-1)
        self.calls += 1
        if self.calls > MAX_LEN:  # a loop that does not stop would never return
            raise RuntimeError("pick was called more than max_len times; stop after max_len")
        if np.any(p < 0) or abs(p.sum() - 1) > 1e-4:
            self.logits = True
        if self.calls == self.eos_at:
            return EOS
        return int(np.argsort(-p, kind="stable")[self.rank])

    def fresh(self) -> _Picker:
        return _Picker(self.rank, self.eos_at)


def _tokens(value: Any) -> list[int]:
    try:
        tokens = np.asarray(value.data if isinstance(value, Tensor) else value).reshape(-1)
        if tokens.size and not np.issubdtype(tokens.dtype, np.integer):
            raise TypeError
    except (TypeError, ValueError):
        raise StudentError(f"decode should return a list of token ids; got {value!r}.") from None
    return [int(t) for t in tokens]


@exercise(
    "6.2",
    praise="the pick is the only thing that makes decoding greedy: sampling from p instead "
    "gives a different output on every run, now and then with an unlikely token in it.",
)
def _decode(decode: Callable[..., Any]) -> str | None:
    """decode(model, src, max_len, sos, eos, pick) -> the token ids, without <sos> and <eos>."""
    src = np.random.default_rng(6).integers(4, SRC, size=7)
    for picker in (_Picker(0), _Picker(1), _Picker(1, eos_at=3)):
        got = _tokens(call(decode, _model(), src.copy(), MAX_LEN, SOS, EOS, picker, what="decode"))
        want = _reference(src, picker.fresh())
        if picker.logits:
            return "pick should receive probabilities (the softmax of the logits), not logits."
        if got == want:
            continue
        if got[:1] == [SOS] and got[1:] == want:
            return "leave <sos> out of the result: it is the decoder's first input, not output."
        if got == [*want, EOS]:
            return "stop before appending <eos>: the result leaves it out, as greedy_decode's."
        if got == _reference(src, picker.fresh(), row=0):
            return "the prediction for the next token is the last row of the logits, not the first."
        if got == _reference(src, picker.fresh(), stop=False):
            return "stop as soon as pick chooses <eos>."
        if got == _reference(src, _Picker(0)) != want:
            return "your decode ignores pick: it should choose every token with pick(p)."
        return (
            "not right yet: feed the target so far (starting with <sos>), pick from the last "
            "row's probabilities, append the pick, repeat."
        )
    return None


# exercise 3: one attention step over T positions of width W
T, W = 5, 3


def _engine_score_grad(e: np.ndarray, H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """∂L/∂e for L = g·c, c = Σ_j softmax(e)_j h_j, by the engine."""
    scores = Tensor(e, requires_grad=True)
    alpha = F.softmax(scores, axis=0)
    context = (alpha.reshape(-1, 1) * Tensor(H)).sum(axis=0)
    (context * Tensor(g)).sum().backward()
    assert scores.grad is not None
    return scores.grad


@exercise(
    "6.3",
    praise="gradient descent raises e_j when h_j points further than the context c along −g, "
    "the way the loss falls, and in proportion to the weight α_j it already has.",
)
def _score_grad(score_grad: Callable[..., Any]) -> str | None:
    """score_grad(alpha, H, g) -> ∂L/∂e (T,) for L = g·c, c = Σ_j α_j h_j, α = softmax(e)."""
    rng = np.random.default_rng(3)
    for _ in range(3):
        e, H, g = rng.normal(0, 1, T), rng.normal(0, 1, (T, W)), rng.normal(0, 1, W)
        alpha = np.exp(e - e.max()) / np.exp(e - e.max()).sum()
        answer = call(score_grad, alpha.copy(), H.copy(), g.copy(), what="score_grad")
        got = array(answer, "score_grad's result", (T,))
        want = _engine_score_grad(e, H, g)
        if np.allclose(got, want, rtol=1e-6, atol=1e-9):
            continue
        dalpha, context = H @ g, alpha @ H
        mistakes = {
            "that is ∂L/∂α, the gradient of the weights; carry it on through the softmax.": dalpha,
            "you left out the softmax's coupling: raising one score lowers every other "
            "weight, since they sum to 1.": alpha * dalpha,
            "each position's gradient is scaled by its own weight α_j: a position the row "
            "ignores barely learns.": dalpha - context @ g,
            "your gradient has the wrong sign.": -want,
        }
        for hint, mistake in mistakes.items():
            if np.allclose(got, mistake, rtol=1e-6, atol=1e-9):
                return hint
        return "not right yet: write ∂L/∂α first, then the softmax's Jacobian ∂α_k/∂e_j."
    return None


SHEET = Sheet("06", [_attention_cost, _decode, _score_grad])
