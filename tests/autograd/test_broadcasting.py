"""Property tests: random broadcastable shapes for every binary op; gradients keep shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import autograd
from autograd import Tensor, gradcheck

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": autograd.maximum,
    "minimum": autograd.minimum,
    "where": lambda a, b: autograd.where(a.data > 0.9, a, b),
}

shape_pairs = mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3)


def _values(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """Values in [0.5, 1.5]: positive for pow and div, ties unlikely for max/min."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=25, deadline=None)
@given(shapes=shape_pairs, seed=st.integers(0, 2**16))
def test_binary_op_broadcast_gradients(name, shapes, seed):
    sa, sb = shapes.input_shapes
    a = Tensor(_values(seed, sa), requires_grad=True)
    b = Tensor(_values(seed + 1, sb), requires_grad=True)
    out = BINARY[name](a, b)
    assert out.shape == shapes.result_shape
    out.backward(np.ones(out.shape))
    assert a.grad.shape == sa
    assert b.grad.shape == sb
    assert gradcheck(BINARY[name], a, b)


@settings(max_examples=25, deadline=None)
@given(shapes=shape_pairs, seed=st.integers(0, 2**16))
def test_binary_ops_with_a_constant_side(shapes, seed):
    sa, sb = shapes.input_shapes
    a = Tensor(_values(seed, sa), requires_grad=True)
    out = a * _values(seed + 1, sb)  # an ndarray operand
    out.backward(np.ones(out.shape))
    assert a.grad.shape == sa


batch_dims = st.lists(st.integers(1, 3), min_size=0, max_size=2)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 3),
    k=st.integers(1, 3),
    m=st.integers(1, 3),
    batch_a=batch_dims,
    batch_b=batch_dims,
    vec_a=st.booleans(),
    vec_b=st.booleans(),
)
def test_matmul_shapes_and_gradients(n, k, m, batch_a, batch_b, vec_a, vec_b):
    sa = (k,) if vec_a else (*batch_a, n, k)
    sb = (k,) if vec_b else (*batch_b[::-1][: len(batch_b)], k, m)
    try:
        expected = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        return  # batch dims that cannot broadcast: numpy refuses too
    del expected
    rng = np.random.default_rng(n * 100 + k * 10 + m)
    a = Tensor(rng.standard_normal(sa), requires_grad=True)
    b = Tensor(rng.standard_normal(sb), requires_grad=True)
    out = a @ b
    assert out.shape == np.matmul(a.data, b.data).shape
    out.backward(np.ones(out.shape))
    assert a.grad.shape == sa
    assert b.grad.shape == sb
    assert gradcheck(lambda x, y: x @ y, a, b)


@settings(max_examples=40, deadline=None)
@given(
    shape=array_shapes(min_dims=0, max_dims=4, max_side=3),
    data=st.data(),
    keepdims=st.booleans(),
    op=st.sampled_from(["sum", "mean", "max"]),
)
def test_reductions_keep_gradient_shape(shape, data, keepdims, op):
    axes = (
        data.draw(
            st.none() | st.lists(st.integers(0, max(len(shape) - 1, 0)), unique=True).map(tuple)
        )
        if shape
        else None
    )
    x = Tensor(np.random.default_rng(len(shape)).standard_normal(shape), requires_grad=True)
    out = getattr(x, op)(axis=axes, keepdims=keepdims)
    assert (
        out.shape
        == getattr(np, "amax" if op == "max" else op)(x.data, axis=axes, keepdims=keepdims).shape
    )
    out.backward(np.ones(out.shape))
    assert x.grad.shape == shape
