"""Notebook 04's checkers accept what the engine computes and reject typical mistakes with
a hint that names the mistake and does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest

import autograd.functional as F
import nn
from autograd import Tensor, filters
from tracegrad.exercises import notebook04 as check

IMAGE = np.array(
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
    dtype=np.float32,
)
KERNEL = np.array([[1, 2, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
OLD_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float32)


def _kernel_answer():
    output = F.conv2d(Tensor(IMAGE[None, None]), Tensor(KERNEL[None, None])).data[0, 0]
    same = bool(np.array_equal(output, filters.convolve2d(IMAGE, KERNEL)))
    return output, same, KERNEL[::-1, ::-1]


def test_asymmetric_kernel_right():
    assert check.exercise1(*_kernel_answer())
    output, same, kernel = _kernel_answer()
    assert check.exercise1(output.tolist(), np.bool_(same), kernel.tolist())


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        (lambda o, s, k: (filters.convolve2d(IMAGE, KERNEL), s, k), "that is the convolution"),
        (lambda o, s, k: (filters.correlate2d(IMAGE, k[::-1, ::-1].T), s, k), "not right yet"),
        (
            lambda o, s, k: (filters.correlate2d(IMAGE, OLD_KERNEL), s, k),
            "its old kernel",
        ),
        (lambda o, s, k: (filters.correlate2d(IMAGE, KERNEL, "full"), s, k), "shape (3, 3)"),
        (lambda o, s, k: (o, True, k), "correlate2d and convolve2d differ"),
        (lambda o, s, k: (o, "no", k), "True or False"),
        (lambda o, s, k: (o, s, KERNEL), "correlation again"),
        (lambda o, s, k: (o, s, KERNEL.T), "the transpose mirrors"),
        (lambda o, s, k: (o, s, KERNEL[::-1]), "flipped the rows only"),
        (lambda o, s, k: (o, s, KERNEL[:, ::-1]), "flipped the columns only"),
        (lambda o, s, k: (o, s, -k), "does not reproduce convolve2d"),
        (lambda o, s, k: (o, s, k[:2]), "kernel should have shape (3, 3)"),
    ],
)
def test_asymmetric_kernel_mistakes(mistake, hint):
    verdict = check.exercise1(*mistake(*_kernel_answer()))
    assert not verdict
    assert hint in verdict.message


TAPS = np.array([1.0, -2.0, 0.5], dtype=np.float32)


def _by_conv2d(stride, padding):
    """The matrix of the convolution, one column per unit vector, by F.conv2d."""
    columns = [
        F.conv2d(
            Tensor(e[None, None, None]), Tensor(TAPS[None, None, None]), stride=stride,
            padding=(0, padding),
        ).data.ravel()
        for e in np.eye(10, dtype=np.float32)
    ]  # fmt: skip
    return np.stack(columns, axis=1)


def _band(starts, taps=TAPS, columns=10):
    W = np.zeros((len(starts), columns), dtype=np.float32)
    for i, start in enumerate(starts):
        for k, tap in enumerate(taps):
            if 0 <= start + k < columns:
                W[i, start + k] = tap
    return W


def test_strided_band_right():
    W_stride, W_pad = _by_conv2d(2, 0), _by_conv2d(2, 1)
    assert np.array_equal(W_stride, _band([0, 2, 4, 6]))
    assert np.array_equal(W_pad, _band([-1, 1, 3, 5, 7]))
    assert check.exercise2(W_stride, W_pad)
    assert check.exercise2(Tensor(W_stride), W_pad.tolist())


@pytest.mark.parametrize(
    ("W_stride", "W_pad", "hint"),
    [
        (_band(range(8)), _band([-1, 1, 3, 5, 7]), "every other row"),
        (_band([1, 3, 5, 7]), _band([-1, 1, 3, 5, 7]), "starts one row late"),
        (_band([0, 2, 4, 6], TAPS[::-1]), _band([-1, 1, 3, 5, 7]), "w0, w1, w2 in that order"),
        (_band([0, 2, 4, 6]) * 2, _band([-1, 1, 3, 5, 7]), "W_stride is not right yet"),
        (_band([0, 2, 4, 6])[:3], _band([-1, 1, 3, 5, 7]), "W_stride should have shape (4, 10)"),
        (_band([0, 2, 4, 6]), _band([0, 2, 4, 6, 8], columns=12), "drop the padding's two"),
        (_band([0, 2, 4, 6]), _band(range(-1, 9)), "keep stride 2 as well"),
        (_band([0, 2, 4, 6]), _band([0, 2, 4, 6, 8]), "one column further left"),
        (_band([0, 2, 4, 6]), _band([-1, 1, 3, 5, 7], TAPS[::-1]), "w0, w1, w2 in that order"),
        (_band([0, 2, 4, 6]), -_band([-1, 1, 3, 5, 7]), "W_pad is not right yet"),
        (_band([0, 2, 4, 6]), "W", "W_pad should be numbers"),
    ],
)
def test_strided_band_mistakes(W_stride, W_pad, hint):
    verdict = check.exercise2(W_stride, W_pad)
    assert not verdict
    assert hint in verdict.message


def _lenet_answer():
    nn.manual_seed(0)
    net = nn.LeNet5(pool="avg")
    x = Tensor(np.random.default_rng(0).uniform(size=(1, 1, 28, 28)), requires_grad=True)
    c1 = net.conv1(x)
    p1 = net.pool1(net.act1(c1))
    c2 = net.conv2(p1)
    p2 = net.pool2(net.act2(c2))
    c2[0, 3, 4, 6].backward()
    rows = np.flatnonzero(np.abs(x.grad[0, 0]).sum(axis=1))
    cols = np.flatnonzero(np.abs(x.grad[0, 0]).sum(axis=0))
    assert rows[-1] - rows[0] == cols[-1] - cols[0]
    return [t.shape[1:] for t in (c1, p1, c2, p2)], rows[-1] - rows[0] + 1


def test_lenet_sizes_right():
    assert check.exercise3(*_lenet_answer())
    shapes, field = _lenet_answer()
    assert check.exercise3([list(s) for s in shapes], float(field))


SHAPES = [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)]


@pytest.mark.parametrize(
    ("shapes", "field", "hint"),
    [
        ([(6, 24, 24), (6, 12, 12), (16, 8, 8), (16, 4, 4)], 14, "it pads by 2"),
        ([(28, 28, 6), *SHAPES[1:]], 14, "list (channels, height, width)"),
        ([SHAPES[0], (6, 28, 28), *SHAPES[2:]], 14, "halves each side"),
        ([*SHAPES[:2], (16, 14, 14), (16, 7, 7)], 14, "takes 4 off each side"),
        ([*SHAPES[:2], (6, 10, 10), (6, 5, 5)], 14, "the wrong number of maps"),
        ([*SHAPES[:3], (16, 10, 10)], 14, "pool2 is not right yet"),
        ([(1, *s) for s in SHAPES], 14, "without the batch dimension"),
        (SHAPES[:3], 14, "four (C, H, W) triples"),
        ("6x28x28", 14, "(channels, height, width) triples"),
        ([(6, 28), (6, 14), (16, 10), (16, 5)], 14, "three numbers"),
        (SHAPES, 5, "conv2's own window"),
        (SHAPES, 9, "you left out pool1"),
        (SHAPES, 12, "at the border"),
        (SHAPES, 10, "each of them sees a 5×5 window"),
        (SHAPES, 28, "the field is off by a factor of two"),
        (SHAPES, 20, "the field is not right yet"),
        (SHAPES, 7, "off by a factor of two"),
        (SHAPES, "14x14", "field should be one number"),
    ],
)
def test_lenet_sizes_mistakes(shapes, field, hint):
    verdict = check.exercise3(shapes, field)
    assert not verdict
    assert hint in verdict.message
    assert "14" not in verdict.message or "14" in str(field)
