"""Notebook 05's checkers accept what the engine computes and reject typical mistakes with a
hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor
from tracegrad.exercises import notebook05 as check

T, D, H = 50, 4, 8


@pytest.fixture(scope="module")
def seq():
    rng = np.random.default_rng(0)
    rng.standard_normal((5, 1, 3))  # section 1 draws first
    return rng.standard_normal((T, 1, D)).astype(np.float32)


def _grad(model, seq, scale_after=None):
    x = Tensor(seq, requires_grad=True)
    loss = model(x)[0][-1].sum()
    if scale_after:
        model.weight_hh_l0.data[...] *= scale_after
    loss.backward()
    return x.grad


def _norms(grad):
    with np.errstate(over="ignore"):
        return np.linalg.norm(grad[:, 0], axis=1)


def _lstm(seq, bias=None, fused=False):
    nn.manual_seed(1)
    lstm = nn.LSTM(D, H, fused=fused)
    if bias is not None:
        lstm.bias_ih_l0.data[H : 2 * H] = bias
    return _grad(lstm, seq)


def _rnn(seq, scale=1.0, which=("hh",), after=False, seed=1):
    nn.manual_seed(seed)
    rnn = nn.RNN(D, H)
    if not after:
        for name in which:
            getattr(rnn, f"weight_{name}_l0").data[...] *= scale
    return _grad(rnn, seq, scale if after else None)


def test_the_engine_answers_are_right(seq):
    assert check.exercise1(seq, _norms(_lstm(seq)))
    assert check.exercise1(Tensor(seq), list(_norms(_lstm(seq, fused=True))))
    assert check.exercise2(seq, _norms(_rnn(seq, 6.0)), nn.utils.clip_grad_norm_)
    assert check.exercise2(seq, _norms(_rnn(seq, 6.0)), "clip_grad_norm_")
    standard = sum(p.data.size for p in nn.LSTM(64, 128).parameters())
    coupled = sum(p.data.size for p in nn.LSTM(64, 128, variant="coupled").parameters())
    assert check.exercise3(standard - coupled)
    assert check.exercise4(_coupled_step)


def test_the_checker_keeps_the_students_generator(seq):
    nn.manual_seed(3)
    expected = nn.init.generator().random()
    nn.manual_seed(3)
    assert check.exercise1(seq, _norms(_lstm(seq)))
    nn.manual_seed(3)
    check.exercise4(_coupled_step)
    assert nn.init.generator().random() == expected


def test_forget_bias_mistakes(seq):
    right = _norms(_lstm(seq))
    for g, hint in [
        (_norms(_lstm(seq, 3.0)), "still +3"),
        (_norms(_lstm(seq, 0.0)), "you set the forget-gate bias to 0"),
        (_norms(_rnn(seq)), "the plain RNN's gradients"),
        (np.abs(_lstm(seq)[:, 0]).sum(axis=1), "the sum of |∂loss/∂x_t|"),
        (right[::-1], "runs backwards in time"),
        (_lstm(seq), "that is the gradient itself"),
        (right[:49], "shape (50,)"),
        (right * 1.1, "nn.manual_seed(1) first"),
        ("fades", "should be numbers of shape (50,)"),
    ]:
        verdict = check.exercise1(seq, g)
        assert not verdict, hint
        assert hint in verdict.message
    verdict = check.exercise1(seq[:10], right)
    assert not verdict
    assert "shape (50, 1, 4)" in verdict.message


def test_exploding_mistakes(seq):
    right = _norms(_rnn(seq, 6.0))
    for g, guard, hint in [
        (_norms(_rnn(seq)), "clip_grad_norm_", "the unscaled RNN's"),
        (_norms(_rnn(seq, 6.0, after=True)), "clip_grad_norm_", "after the forward pass"),
        (_norms(_rnn(seq, 6.0, ("ih",))), "clip_grad_norm_", "you scaled weight_ih_l0"),
        (_norms(_rnn(seq, 6.0, ("ih", "hh"))), "clip_grad_norm_", "not weight_ih_l0 as well"),
        (_norms(_rnn(seq, 4.0)), "clip_grad_norm_", "another factor"),
        (_norms(_lstm(seq, 3.0)), "clip_grad_norm_", "the LSTM's gradients"),
        (_norms(_rnn(seq, 6.0, seed=0)), "clip_grad_norm_", "nn.manual_seed(1) first"),
        (right[::-1], "clip_grad_norm_", "runs backwards in time"),
        (right, "clip_grad_norm", "nn.utils has no 'clip_grad_norm'"),
        (right, np.clip, "nn.utils has no 'clip'"),
        (right, 5.0, "guard should be a function"),
    ]:
        verdict = check.exercise2(seq, g, guard)
        assert not verdict, hint
        assert hint in verdict.message


@pytest.mark.parametrize(
    ("saved", "hint"),
    [
        (-24832, "count what it saves as a positive number"),
        (99328, "one layer's whole count"),
        (74496, "one layer's whole count"),
        (24576, "the weight matrices only"),
        (24704, "two bias vectors per gate"),
        (128 * 64, "a gate reads both"),
        (12345, "compare the shapes"),
        ("a quarter", "should be one number"),
    ],
)
def test_coupled_saving_mistakes(saved, hint):
    verdict = check.exercise3(saved)
    assert not verdict
    assert hint in verdict.message
    assert "24832" not in verdict.message.replace(str(saved), "")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _coupled_step(x, h, c, W_ih, W_hh, b_ih, b_hh, order=(0, 1, 2), keep="f", squash=True):
    blocks = np.split(W_ih @ x + W_hh @ h + b_ih + b_hh, 3)
    z_f, z_g, z_o = (blocks[k] for k in order)
    f = _sigmoid(z_f)
    keep_factor, write_factor = {"f": (f, 1 - f), "f,f": (f, f), "1-f": (1 - f, f)}[keep]
    c_t = keep_factor * c + write_factor * np.tanh(z_g)
    return _sigmoid(z_o) * (np.tanh(c_t) if squash else c_t), c_t


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda *a: _coupled_step(*a)[::-1], "you returned (C_t, h_t)"),
        (lambda *a: _coupled_step(*a, order=(1, 0, 2)), "another order"),
        (lambda *a: _coupled_step(*a, order=(0, 2, 1)), "another order"),
        (lambda *a: _coupled_step(*a, keep="f,f"), "complement of the forget gate"),
        (lambda *a: _coupled_step(*a, keep="1-f"), "f and 1 − f are swapped"),
        (lambda x, h, c, wi, wh, bi, bh: _coupled_step(x, h, c, wi, wh, bi, 0 * bh), "both biases"),
        (lambda *a: _coupled_step(*a, squash=False), "squashes the cell state with tanh"),
        (lambda *a: (_coupled_step(*a)[0] * 0.9, _coupled_step(*a)[1]), "C_t is right, h_t not"),
        (lambda *a: (_coupled_step(*a)[0], _coupled_step(*a)[1] + 0.1), "C_t is not right yet"),
        (lambda *a: _coupled_step(*a)[0], "should return two arrays"),
        (lambda *a: (_coupled_step(*a)[0][:2], _coupled_step(*a)[1]), "shape (3,)"),
        (lambda x, h, c, wi, wh, bi, bh: (x @ wi, c), "raised ValueError"),
        (np.tanh(1.0), "should be a function"),
    ],
)
def test_coupled_step_mistakes(mistake, hint):
    verdict = check.exercise4(mistake)
    assert not verdict
    assert hint in verdict.message
