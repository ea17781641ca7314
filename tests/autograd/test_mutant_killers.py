"""Tests written to kill the mutants of `scripts/mutants.py` that the rest of the suite missed.

Each test names the property it guards; the mutant ids it kills are in `scripts/mutant_table.py`.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import autograd
from autograd import Function, Tensor, detect_anomaly, gradcheck, topological_order
from autograd.ops.conv import conv2d
from autograd.ops.embedding import dropout, embedding
from autograd.ops.pool import avg_pool2d, max_pool2d
from autograd.ops.rnn import lstm
from autograd.versions import VersionCounter


@pytest.mark.parametrize("keepdims", [False, True])
def test_max_output_edited_in_place_keeps_gradient(keepdims):
    # the output is the caller's to change: backward must not read the maximum from it
    x = Tensor(np.array([[1.0, 3.0, 2.0], [0.5, -1.0, 0.5]]), requires_grad=True)
    y = x.max(axis=1, keepdims=keepdims)
    z = y.sum()
    y.detach().data[...] += 0.25  # an edit outside the graph, after forward
    z.backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])


# --- engine -------------------------------------------------------------------------------


def test_topological_order_lists_arguments_in_order():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    c = a * b
    order = topological_order(c)
    assert len(order) == 3
    assert order[0] is a
    assert order[1] is b
    assert order[2] is c


def test_backward_without_grad_refuses_an_empty_output():
    y = Tensor(np.zeros(0), requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match="one-element output"):
        y.backward()


def test_implicit_seed_has_the_output_dtype():
    x = Tensor(np.array(2.0, dtype=np.float32), requires_grad=True)
    x.backward()
    assert x.grad.dtype == np.float32
    y = Tensor(np.ones(3, dtype=np.float32), requires_grad=True).sum()
    y.backward()
    assert y.grad.dtype == np.float32


def test_backward_grad_argument_is_copied():
    x = Tensor(np.zeros(3), requires_grad=True)
    seed = np.ones(3)
    (x + 1.0).backward(seed)
    x.grad[0] = 5.0  # writing the gradient leaves the caller's array alone
    np.testing.assert_array_equal(seed, np.ones(3))


def test_leaves_of_one_sum_get_separate_gradient_arrays():
    a = Tensor(np.zeros(3), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    (a + b).backward(np.ones(3))
    assert not np.shares_memory(a.grad, b.grad)
    a.grad *= 2.0
    np.testing.assert_array_equal(b.grad, np.ones(3))


def test_accumulation_leaves_an_earlier_record_alone():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x.reshape(3, 2)  # x.grad will be a view of y.grad, the record of this backward
    (y * 2.0).sum().backward()
    recorded = y.grad.copy()
    (x * 3.0).sum().backward()  # y is not in this graph: its record must stay
    np.testing.assert_array_equal(y.grad, recorded)
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 5.0))


class _FirstInputOnly(Function, register=False):
    """a + b whose backward treats b as a constant (returns None for it)."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def test_intermediate_grad_is_none_when_it_got_no_gradient():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2.0
    y.sum().backward()
    assert y.grad is not None
    _FirstInputOnly.apply(x, y).sum().backward()
    assert y.grad is None  # intermediates hold this backward's gradient only


def test_zero_dim_gradients_are_arrays_for_hooks_and_intermediates():
    x = Tensor(np.array(1.5), requires_grad=True)
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(type(g)))
    (y * 2.0).backward()  # 0-d products give numpy scalars
    assert seen == [np.ndarray]
    assert type(y.grad) is np.ndarray


def test_grad_returns_fresh_writable_arrays():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    ga, gb = autograd.grad((a + b).sum(), [a, b])  # both are one read-only broadcast view
    assert ga.flags.writeable
    assert gb.flags.writeable
    assert not np.shares_memory(ga, gb)


@pytest.mark.parametrize("allow_unused", [False, True])
def test_grad_refuses_an_input_that_does_not_require_grad(allow_unused):
    x = Tensor(np.ones(2), requires_grad=True)
    c = Tensor(np.ones(2))
    with pytest.raises(ValueError, match="input 1 is not a Tensor that requires grad"):
        autograd.grad((x * c).sum(), [x, c], allow_unused=allow_unused)


def test_backward_leaves_a_disabled_garbage_collector_disabled():
    x = Tensor(np.ones(2), requires_grad=True)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        (x * 2.0).sum().backward()
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()


# --- Function: version checks -------------------------------------------------------------


def test_copy_by_index_does_not_share_version_with_its_source():
    x = Tensor(np.arange(3.0))
    w = Tensor(np.ones(2), requires_grad=True)
    y = x[np.array([0, 2])]  # advanced indexing: a copy, not a view
    z = (y * w).sum()
    x += 1.0  # changes x, not the copy Mul saved
    z.backward()
    np.testing.assert_array_equal(w.grad, [0.0, 2.0])


def test_second_saved_input_edited_in_place_is_caught():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.full(2, 3.0))
    y = (a * b).sum()
    b += 1.0
    with pytest.raises(RuntimeError, match=r"input 1 .*modified in place"):
        y.backward()


def test_first_in_place_edit_turns_version_checks_on(monkeypatch):
    # as in a fresh process: no tensor has been viewed or edited in place yet
    monkeypatch.setattr(VersionCounter, "in_use", False)
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.full(2, 3.0))
    y = (a * b).sum()
    b += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_anomaly_mode_ignores_gradients_nobody_needs():
    # d(x^2)/d2 = x^2 ln x is NaN for x < 0, but the exponent is a constant
    x = Tensor(np.array([-2.0, 3.0]), requires_grad=True)
    with detect_anomaly():
        (x**2.0).sum().backward()
    np.testing.assert_allclose(x.grad, [-4.0, 6.0])


# --- ops ----------------------------------------------------------------------------------


def test_pow_exponent_gradient_is_zero_where_the_base_is_zero():
    a = Tensor(np.array([0.0, 2.0]))
    b = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad, [0.0, 8.0 * np.log(2.0)])


@pytest.mark.usefixtures("float64")
def test_python_number_takes_the_tensor_dtype_on_either_side():
    x = Tensor(np.ones(2, dtype=np.float32))
    for y in (2.0 - x, x - 2.0, 2.0 * x, 2.0 / x, x / 2.0, 2.0**x):
        assert y.dtype == np.float32


@pytest.mark.parametrize("reduce", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [(2, -1), (0, 0), (-3, 0)])
def test_reduction_refuses_an_axis_named_twice(reduce, axis):
    x = Tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="repeats an axis"):
        getattr(x, reduce)(axis=axis)


def test_conv2d_of_float16_computes_in_float32():
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((1, 2, 4, 4)).astype(np.float16), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 3, 3)).astype(np.float16), requires_grad=True)
    y = conv2d(x, w, padding=1)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float16
    assert w.grad.dtype == np.float16


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
@pytest.mark.parametrize("kernel_size", [(2, 4), (5, 1)])
def test_pooling_refuses_a_window_larger_than_the_input(pool, kernel_size):
    x = Tensor(np.ones((1, 1, 4, 3)))
    with pytest.raises(ValueError, match="larger than the input"):
        pool(x, kernel_size=kernel_size)


def test_embedding_refuses_negative_indices():
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(IndexError, match="index -1 is out of range for 3 embeddings"):
        embedding(w, np.array([0, -1]))


def test_dropout_without_dropping_returns_its_input():
    x = Tensor(np.ones(3), requires_grad=True)
    assert dropout(x, p=0.0) is x
    assert dropout(x, p=0.5, training=False) is x


def test_lstm_gradient_reaches_c0_alone():
    rng = np.random.default_rng(0)
    steps, batch, dim, hidden = 2, 2, 3, 2
    x = Tensor(rng.standard_normal((steps, batch, dim)))
    h0 = Tensor(rng.standard_normal((batch, hidden)))
    c0 = Tensor(rng.standard_normal((batch, hidden)), requires_grad=True)
    weights = [
        Tensor(0.5 * rng.standard_normal(s))
        for s in [(4 * hidden, dim), (4 * hidden, hidden), (4 * hidden,), (4 * hidden,)]
    ]

    def f(c):
        out, (_, c_last) = lstm(x, h0, c, *weights)
        return out.sum() + c_last.sum()

    assert gradcheck(f, c0)


def test_grad_results_never_alias_the_callers_grad_outputs_or_each_other():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    v = np.array([1.0, 2.0, 3.0])
    ga, gb = autograd.grad(a + b, [a, b], v)  # add passes v itself to both inputs
    assert not np.shares_memory(ga, v)
    assert not np.shares_memory(gb, v)
    assert not np.shares_memory(ga, gb)
    ga[0] = 100.0
    np.testing.assert_array_equal(v, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(gb, [1.0, 2.0, 3.0])
