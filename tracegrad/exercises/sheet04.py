"""Checkers for notebook 04, convolution and CNNs: a kernel that is not symmetric, the banded
matrix of a strided and padded convolution, and LeNet-5's feature map sizes and receptive
field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd.functional as F
from autograd import Tensor
from tracegrad.exercises.checking import (
    Sheet,
    StudentError,
    array,
    close,
    exercise,
    number,
    wrong_number,
)

# exercise 1: section 2's image with a kernel that a half-turn changes
IMAGE = np.array(
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
    dtype=np.float32,
)
OLD_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float32)
KERNEL = np.array([[1, 2, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
# exercise 2: section 5's 3-tap kernel over a length-10 input
TAPS = np.array([1.0, -2.0, 0.5], dtype=np.float32)
LENGTH = 10
# exercise 3: LeNet-5's stages
STAGES = ("conv1", "pool1", "conv2", "pool2")


def _conv(image: np.ndarray, kernel: np.ndarray, **options: Any) -> np.ndarray:
    """F.conv2d on one single-channel image."""
    return F.conv2d(Tensor(image[None, None]), Tensor(kernel[None, None]), **options).data[0, 0]


@exercise(
    "4.1",
    praise="convolution turns the kernel by half a turn before sliding it; F.conv2d does not, "
    "so it needs the kernel turned to convolve. A network learns the turned kernel either way.",
)
def _asymmetric_kernel(output: Any, same: Any, kernel: Any) -> str | None:
    """correlate2d of section 2's image with [[1, 2, 0], [0, 1, 0], [0, 0, 1]]; whether
    convolve2d gives the same; the kernel that makes F.conv2d reproduce convolve2d."""
    got = array(output, "output", (3, 3))
    expected = _conv(IMAGE, KERNEL)
    if close(got, _conv(IMAGE, KERNEL[::-1, ::-1])) and not close(got, expected):
        return (
            "that is the convolution (the kernel turned by half a turn); section 2's output is "
            "the correlation, the kernel slid as it is."
        )
    if close(got, _conv(IMAGE, OLD_KERNEL)):
        return "that is section 2's output with its old kernel: use the new one."
    if not close(got, expected):
        return (
            "output is not right yet: at each of the 3×3 positions multiply the window by the "
            "kernel element by element and sum."
        )
    if not isinstance(same, (bool, np.bool_)):
        raise StudentError(f"same should be True or False; got {same!r}.")
    if same:
        return "run both on the image: with this kernel correlate2d and convolve2d differ."
    got = array(kernel, "kernel", (3, 3))
    for wrong, hint in (
        (KERNEL, "that kernel gives the correlation again: F.conv2d does not turn it."),
        (
            KERNEL.T,
            "the transpose mirrors across the diagonal; a half-turn flips rows and columns.",
        ),
        (KERNEL[::-1], "you flipped the rows only: a half-turn flips the columns too."),
        (KERNEL[:, ::-1], "you flipped the columns only: a half-turn flips the rows too."),
    ):
        if close(got, wrong):
            return hint
    if not close(got, KERNEL[::-1, ::-1]):
        return "with that kernel F.conv2d does not reproduce convolve2d: turn the kernel."
    return None


def _banded(stride: int, padding: int) -> np.ndarray:
    """The matrix of F.conv2d with TAPS on a length-10 input: column j is the output for the
    j-th unit vector."""
    basis = np.eye(LENGTH, dtype=np.float32)
    kernel = TAPS[None, None, None]
    columns = F.conv2d(
        Tensor(basis[:, None, None]), Tensor(kernel), stride=stride, padding=(0, padding)
    )
    return columns.data[:, 0, 0].T


@exercise(
    "4.2",
    praise="stride keeps every other row of the banded matrix; padding adds zeros that "
    "multiply nothing, so on x itself W only loses the taps that fall on them (here the first "
    "row's w0).",
)
def _strided_band(W_stride: Any, W_pad: Any) -> str | None:
    """The banded W of section 5's convolution with stride 2 (no padding), then with stride 2
    and padding 1, each acting on the unpadded x of length 10."""
    stride_one, expected = _banded(1, 0), _banded(2, 0)
    if np.shape(W_stride) == stride_one.shape:
        return "W_stride has a row per position at stride 1: stride 2 keeps every other row."
    got = array(W_stride, "W_stride", expected.shape)
    if close(got, stride_one[1::2]):
        return "W_stride starts one row late: the first output sees inputs 0, 1 and 2."
    if close(got, _band(range(0, 7, 2), TAPS[::-1])):
        return "each row holds w0, w1, w2 in that order (a correlation, like F.conv2d)."
    if not close(got, expected):
        return "W_stride is not right yet: row i holds w0, w1, w2 from column 2i on."
    expected = _banded(2, 1)
    if np.shape(W_pad) == (expected.shape[0], LENGTH + 2):
        return (
            "W_pad acts on the padded x: drop the padding's two columns (its zeros add "
            "nothing), so W_pad multiplies x itself."
        )
    if np.shape(W_pad) == _banded(1, 1).shape:
        return "W_pad has a row per position at stride 1: keep stride 2 as well."
    got = array(W_pad, "W_pad", expected.shape)
    if close(got, _band(range(0, 9, 2))):
        return "padding puts a zero before x, so each window starts one column further left."
    if close(got, _band(range(-1, 8, 2), TAPS[::-1])):
        return "each row holds w0, w1, w2 in that order (a correlation, like F.conv2d)."
    if not close(got, expected):
        return "W_pad is not right yet: window i covers padded positions 2i to 2i + 2."
    return None


def _band(starts: Sequence[int], taps: np.ndarray = TAPS) -> np.ndarray:
    """A banded matrix on x: row i holds ``taps`` from column ``starts[i]`` on, cut at x's ends."""
    band = np.zeros((len(starts), LENGTH), dtype=np.float32)
    for i, start in enumerate(starts):
        for k, tap in enumerate(taps):
            if 0 <= start + k < LENGTH:
                band[i, start + k] = tap
    return band


def _lenet_shapes() -> list[tuple[int, ...]]:
    """Each stage's (C, H, W) for one 28×28 digit, by the engine on zeros."""
    x = Tensor(np.zeros((1, 1, 28, 28), np.float32))
    a1 = F.conv2d(x, Tensor(np.zeros((6, 1, 5, 5), np.float32)), padding=2)
    p1 = F.max_pool2d(a1, 2)
    a2 = F.conv2d(p1, Tensor(np.zeros((16, 6, 5, 5), np.float32)))
    p2 = F.max_pool2d(a2, 2)
    return [t.shape[1:] for t in (a1, p1, a2, p2)]


def _receptive_field() -> int:
    """The side of the input window one conv2 pixel depends on: where its gradient reaches."""
    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((1, 1, 28, 28)), requires_grad=True)
    w1, w2 = (Tensor(rng.standard_normal(s)) for s in ((6, 1, 5, 5), (16, 6, 5, 5)))
    out = F.conv2d(F.avg_pool2d(F.conv2d(x, w1, padding=2), 2), w2)
    out[0, 0, 5, 5].backward()
    rows = np.flatnonzero(np.abs(np.asarray(x.grad)[0, 0]).sum(axis=1))
    return int(rows[-1] - rows[0] + 1)


@exercise(
    "4.3",
    praise="each conv2 pixel sees a 14×14 patch, half the digit's width: deeper layers see "
    "larger parts of the image, so their maps can respond to larger shapes than edges.",
)
def _lenet_sizes(shapes: Sequence[Sequence[int]], field: float) -> str | None:
    """The (channels, height, width) of conv1, pool1, conv2 and pool2 for one 28×28 digit, and
    the side of the input window one pixel of conv2's maps sees."""
    expected = np.array(_lenet_shapes(), dtype=float)
    if isinstance(shapes, str):
        raise StudentError("shapes should be four (channels, height, width) triples.")
    try:
        got = np.array([tuple(s) for s in shapes], dtype=float)
    except (TypeError, ValueError):
        raise StudentError("shapes should be four (channels, height, width) triples.") from None
    if got.ndim != 2 or len(got) != len(STAGES):
        return f"give one shape per stage, {', '.join(STAGES)}: four (C, H, W) triples."
    if got.shape[1] == 4:
        return "give (channels, height, width) for one digit, without the batch dimension."
    if got.shape[1] != 3:
        return "each shape is (channels, height, width), three numbers."
    for k, stage in enumerate(STAGES):
        g, e = got[k], expected[k]
        if np.array_equal(g, e):
            continue
        if np.array_equal(g, [e[1], e[2], e[0]]):
            return f"{stage}: list (channels, height, width), as the engine's (N, C, H, W) does."
        if g[0] != e[0]:
            return f"{stage} has the wrong number of maps: one per filter of the last conv."
        if stage == "conv1":
            return "conv1 is not right yet: it pads by 2, so its 5×5 filters keep the size."
        if stage.startswith("pool"):
            return f"{stage} is not right yet: 2×2 pooling with stride 2 halves each side."
        return "conv2 is not right yet: it has no padding, so a 5×5 filter takes 4 off each side."
    field = number(field, "field")
    side = _receptive_field()
    if close(field, side):
        return None
    if field == 5:
        return "5 is conv2's own window on pool1's map: follow it back through pool1 and conv1."
    if field == 9:
        return "you left out pool1: each pool1 pixel stands for 2×2 conv1 pixels."
    if field == 12:
        return "that pixel is at the border, where conv1's padding cuts its window short."
    if field == 10:
        return "10 conv1 pixels, yes; but each of them sees a 5×5 window of the input."
    return wrong_number(field, side, "the field") or "not right yet."


SHEET = Sheet("04", [_asymmetric_kernel, _strided_band, _lenet_sizes])
