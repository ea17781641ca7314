"""Image filters: the course's worked example, convolution vs correlation, output sizes."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor
from autograd.filters import (
    EDGE,
    EDGE_5X5,
    KERNELS,
    SHARPEN,
    convolve2d,
    correlate2d,
    output_size,
)
from autograd.ops.conv import conv2d

COURSE_IMAGE = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ]
)
COURSE_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def test_correlate2d_course_example_output():
    out = correlate2d(COURSE_IMAGE, COURSE_KERNEL)
    np.testing.assert_array_equal(out, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_correlate2d_course_example_first_entry_is_window_times_kernel():
    assert correlate2d(COURSE_IMAGE, COURSE_KERNEL)[0, 0] == np.sum(
        COURSE_IMAGE[:3, :3] * COURSE_KERNEL
    )


@pytest.mark.parametrize(
    ("f_shape", "g_shape"), [((5, 5), (3, 3)), ((4, 6), (2, 5)), ((1, 3), (3, 1))]
)
def test_convolve2d_full_is_commutative(rng, f_shape, g_shape):
    f = rng.standard_normal(f_shape)
    g = rng.standard_normal(g_shape)
    np.testing.assert_allclose(
        convolve2d(f, g, padding="full"), convolve2d(g, f, padding="full"), rtol=1e-12, atol=1e-12
    )


def test_convolve2d_full_matches_definition(rng):
    # (f * g)(c) = Σ_a f(a)·g(c - a), summed over every a where both are defined
    f = rng.standard_normal((3, 4))
    g = rng.standard_normal((2, 3))
    expected = np.zeros((4, 6))
    for a1 in range(3):
        for a2 in range(4):
            expected[a1 : a1 + 2, a2 : a2 + 3] += f[a1, a2] * g
    np.testing.assert_allclose(convolve2d(f, g, padding="full"), expected, rtol=1e-12)


@pytest.mark.parametrize("padding", [0, 1, (2, 1), "same", "full"])
def test_correlate2d_with_flipped_kernel_equals_convolve2d(rng, padding):
    image = rng.standard_normal((6, 7))
    kernel = rng.standard_normal((3, 2))
    np.testing.assert_allclose(
        correlate2d(image, kernel[::-1, ::-1], padding), convolve2d(image, kernel, padding)
    )


def test_correlate2d_is_not_commutative_but_convolve2d_is(rng):
    f = rng.standard_normal((3, 3))
    g = rng.standard_normal((3, 3))
    assert not np.allclose(correlate2d(f, g, "full"), correlate2d(g, f, "full"))
    np.testing.assert_allclose(convolve2d(f, g, "full"), convolve2d(g, f, "full"))


@pytest.mark.parametrize(
    ("stride", "padding", "expected"), [(1, 0, (5, 5)), (2, 0, (3, 3)), (1, 1, (7, 7))]
)
def test_correlate2d_output_sizes_7x7_with_3x3(stride, padding, expected):
    out = correlate2d(np.ones((7, 7)), np.ones((3, 3)), padding=padding, stride=stride)
    assert out.shape == expected
    assert (output_size(7, 3, stride, padding),) * 2 == expected


@pytest.mark.parametrize(
    ("stride", "padding", "expected"), [(1, 0, (5, 5)), (2, 0, (3, 3)), (1, 1, (7, 7))]
)
def test_conv2d_output_sizes_7x7_with_3x3(stride, padding, expected):
    y = conv2d(Tensor(np.ones((1, 1, 7, 7))), Tensor(np.ones((1, 1, 3, 3))), None, stride, padding)
    assert y.shape[2:] == expected


def test_conv2d_six_5x5_filters_on_32x32x3_give_28x28x6(rng):
    image = Tensor(rng.standard_normal((1, 3, 32, 32)).astype(np.float32))
    filters = Tensor(rng.standard_normal((6, 3, 5, 5)).astype(np.float32))
    y = conv2d(image, filters)
    assert y.shape == (1, 6, 28, 28)
    # each activation map is the sum over the 3 colour channels of a 2-D correlation
    expected = sum(correlate2d(image.data[0, c], filters.data[0, c]) for c in range(3))
    np.testing.assert_allclose(y.data[0, 0], expected, rtol=1e-4, atol=1e-4)


def test_filter_kernels_are_the_classic_values():
    np.testing.assert_array_equal(SHARPEN, [[-1, -1, -1], [-1, 9, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(EDGE, [[1, 1, 1], [1, -7, 1], [1, 1, 1]])
    assert EDGE_5X5.shape == (5, 5)
    assert EDGE_5X5[2, 2] == 8
    assert EDGE_5X5.sum() == 8
    assert KERNELS == {"sharpen": SHARPEN, "edge": EDGE, "edge_5x5": EDGE_5X5}


def test_filter_kernels_are_read_only():
    with pytest.raises(ValueError, match="read-only"):
        SHARPEN[0, 0] = 5


@pytest.mark.parametrize("kernel", [SHARPEN, EDGE, EDGE_5X5])
def test_filter_kernels_are_symmetric_so_correlation_equals_convolution(rng, kernel):
    image = rng.standard_normal((8, 8))
    np.testing.assert_allclose(correlate2d(image, kernel), convolve2d(image, kernel))


def test_sharpen_keeps_flat_regions():
    out = correlate2d(np.full((5, 5), 3.0), SHARPEN)
    np.testing.assert_allclose(out, np.full((3, 3), 3.0))


def test_correlate2d_errors_name_function_and_shapes():
    with pytest.raises(ValueError, match=r"correlate2d: kernel \(5, 5\) is larger .* \(3, 3\)"):
        correlate2d(np.ones((3, 3)), EDGE_5X5)
    with pytest.raises(ValueError, match=r"convolve2d: expected a 2-D image"):
        convolve2d(np.ones((2, 3, 3)), EDGE)
    with pytest.raises(ValueError, match=r"correlate2d: padding must be"):
        correlate2d(np.ones((3, 3)), EDGE, padding="wide")
