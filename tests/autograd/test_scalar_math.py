"""The 0-d fast path (`Function.scalar_math`): numpy scalars in, the same numbers out.

An elementwise op whose inputs are all 0-d runs its forward and backward on numpy scalars
instead of 0-d arrays. These tests check that this changes nothing a user can see: values,
dtypes and gradients equal those of the same op on one-element arrays, ``.data`` and
``.grad`` stay ndarrays, and a saved scalar is a copy that in-place changes cannot touch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Function, Tensor
from autograd.function import _scalars_if_0d

SCALAR_OPS = sorted(name for name, cls in Function.registry.items() if cls.scalar_math)


def test_scalar_math_covers_the_elementwise_ops():
    expected = {"add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sin", "cos"}
    expected |= {"tanh", "sigmoid", "relu", "sqrt", "abs"}
    assert set(SCALAR_OPS) == expected


def _operands(name: str, values: list[float], dtype: type) -> list[np.ndarray]:
    """One 0-d array per input of op ``name``, inside each op's domain."""
    arity = 2 if name in {"add", "sub", "mul", "div", "pow"} else 1
    xs = [np.asarray(v, dtype=dtype) for v in values[:arity]]
    if name in {"log", "sqrt"} or (name == "pow" and arity == 2):
        xs[0] = np.abs(xs[0]) + dtype(0.25)
    if name == "div":
        xs[1] = np.abs(xs[1]) + dtype(0.5)
    return xs


def _on_0d_arrays(cls: type[Function], xs: list[np.ndarray]) -> tuple[np.ndarray, list]:
    """The op's forward and backward run directly on 0-d arrays (the path before scalars)."""
    ctx = object.__new__(cls)
    ctx.parents = tuple(Tensor(x, requires_grad=True) for x in xs)
    out = np.asarray(cls.forward(ctx, *xs))
    grads = cls.backward(ctx, np.ones((), out.dtype))
    grads = grads if isinstance(grads, tuple) else (grads,)
    return out, [ctx.as_input_grad(g, x) for g, x in zip(grads, xs)]


@pytest.mark.parametrize("name", SCALAR_OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.floats(-3, 3, width=32), min_size=2, max_size=2))
def test_scalar_path_equals_array_path(name, dtype, values):
    cls = Function.registry[name]
    xs = _operands(name, values, dtype)
    inputs = [Tensor(x, requires_grad=True) for x in xs]
    y = cls.apply(*inputs)
    y.backward()
    want_out, want_grads = _on_0d_arrays(cls, xs)
    assert type(y.data) is np.ndarray
    assert y.shape == ()
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, want_out)
    for t, want in zip(inputs, want_grads):
        assert type(t.grad) is np.ndarray
        assert t.grad.shape == ()
        assert t.grad.dtype == dtype
        np.testing.assert_array_equal(t.grad, want)


def test_scalar_path_keeps_mixed_dtype_promotion():
    a = Tensor(np.float32(1.5), requires_grad=True)
    b = Tensor(np.float64(0.25), requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    y.backward()
    assert a.grad.dtype == np.float32
    assert b.grad.dtype == np.float64
    assert a.grad == np.float32(0.25)
    assert b.grad == 1.5


def test_relu_of_scalars_matches_numpy_maximum():
    for v in [-2.0, -0.0, 0.0, 3.0, np.inf, -np.inf, np.nan]:
        got = Tensor(np.float32(v)).relu().data
        want = np.maximum(np.float32(v), 0)
        np.testing.assert_array_equal(got, want)
        assert np.signbit(got) == np.signbit(want)


def test_scalar_operands_only_when_every_input_is_0d():
    a, b = np.array(2.0), np.array([3.0])
    assert _scalars_if_0d((a, b)) == (a, b)
    converted = _scalars_if_0d((a, np.array(3.0)))
    assert all(type(v) is np.float64 for v in converted)


def test_saved_scalar_is_a_copy_in_place_changes_cannot_stale():
    # mul saves its inputs; on 0-d inputs it saves numpy scalars, copies of the values the
    # forward used, so changing the input afterwards leaves the gradient right
    c = Tensor(3.0)
    w = Tensor(2.0, requires_grad=True)
    y = w * c
    c += 1
    y.backward()
    assert w.grad == 3.0  # d(w·c)/dw at the recorded c, not the changed one
    # the same program on a one-element array still refuses: the saved array was changed
    c1 = Tensor([3.0])
    w1 = Tensor([2.0], requires_grad=True)
    y1 = (w1 * c1).sum()
    c1 += 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y1.backward()
    # a 0-d operand beside an array takes the array path: saved as the array, and checked
    c2 = Tensor(3.0)
    y2 = (w1 * c2).sum()
    c2 += 1
    with pytest.raises(RuntimeError, match="modified in place"):
        y2.backward()


def test_vjp_of_a_scalar_node_gives_arrays():
    x = Tensor(2.0, requires_grad=True)
    c = Tensor(5.0)
    y = x * c
    gx, gc = y.vjp(np.array(1.0, np.float32))
    assert type(gx) is np.ndarray
    assert gx.shape == ()
    assert gx == 5.0
    assert gc is None  # c does not require grad
    assert y.vjp(1.0)[0] == 5.0  # a Python float as upstream, as viz passes it
    assert autograd.grad(y, x)[0] == 5.0
