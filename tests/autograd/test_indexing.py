"""Indexing: slices, integer and bool arrays; gradients scatter-add back."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor


def test_repeated_integer_indices_accumulate():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_tensor_and_list_indices():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = Tensor(np.array([2, 2]))
    (x[rows, [0, 1]] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0], [0, 0], [2, 2]])


def test_slice_gradient_is_zero_outside():
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    x[1:, ::2].sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 0, 0], [1, 0, 1, 0], [1, 0, 1, 0]])


def test_bool_mask():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    x[x.data > 0].sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])


def test_pick_per_row_like_cross_entropy():
    logits = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    picked = logits[np.arange(2), np.array([2, 0])]
    np.testing.assert_array_equal(picked.data, [2.0, 3.0])
    picked.sum().backward()
    np.testing.assert_array_equal(logits.grad, [[0, 0, 1], [1, 0, 0]])


def test_float_index_array_is_refused():
    x = Tensor([1.0, 2.0])
    with pytest.raises(IndexError, match="integer or bool"):
        x[np.array([0.0])]


def test_concatenate_and_stack_split_gradients():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    (autograd.concatenate([a, b]) * Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(a.grad, [1.0, 2.0])
    np.testing.assert_array_equal(b.grad, [3.0])
    s = autograd.stack([a, a * 2], axis=1)
    assert s.shape == (2, 2)
