"""`Tensor(array)` copies (as `torch.tensor`); `autograd.from_numpy` shares memory (as
`torch.from_numpy`) and its version check sees writes made through numpy; `np.asarray(t)`
gives the data of a tensor outside the graph."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, from_numpy, no_grad
from nn.optim import SGD


def test_tensor_copies_the_array_so_later_writes_do_not_change_gradients():
    buf = np.array([1.0, 2.0, 3.0])
    w = Tensor(np.ones(3), requires_grad=True)
    y = (Tensor(buf) * w).sum()
    buf[:] = 5
    y.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 2.0, 3.0])


def test_array_operand_is_copied_too():
    # the sibling path: an ndarray operand is lifted to a constant the op saves
    buf = np.array([1.0, 2.0, 3.0])
    w = Tensor(np.ones(3), requires_grad=True)
    y = (w * buf).sum() + (buf @ w)
    buf[:] = 5
    y.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0, 6.0])


def test_optimizer_never_writes_into_the_users_initial_weights():
    w0 = np.array([1.0, -1.0])
    params = [Tensor(w0, requires_grad=True), nn.Parameter(w0)]
    opt = SGD(params, lr=0.5)
    for p in params:
        (p * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(w0, [1.0, -1.0])
    for p in params:
        np.testing.assert_array_equal(p.data, [0.0, 0.0])


def test_copy_of_a_tensor_and_of_a_numpy_scalar():
    t = Tensor(np.arange(3.0))
    u = Tensor(t)
    u.data[0] = 7
    assert t.data[0] == 0
    s = Tensor(np.float32(2.5))
    assert s.shape == ()
    assert s.dtype == np.float32


def test_from_numpy_shares_memory_both_ways():
    buf = np.zeros(3, np.float32)
    t = from_numpy(buf)
    assert np.shares_memory(t.data, buf)
    buf[0] = 1
    assert t.data[0] == 1
    t[1] = 2
    assert buf[1] == 2
    assert t.dtype == np.float32


def test_from_numpy_write_through_numpy_makes_a_pending_backward_raise():
    buf = np.array([1.0, 2.0, 3.0])
    w = Tensor(np.ones(3), requires_grad=True)
    y = (from_numpy(buf) * w).sum()
    buf[:] = 5
    with pytest.raises(RuntimeError, match=r"backward of 'mul': input 0 .*modified in place"):
        y.backward()


def test_from_numpy_write_is_fine_where_no_op_saved_the_array():
    buf = np.array([1.0, 2.0, 3.0])
    w = Tensor(np.ones(3), requires_grad=True)
    y = (from_numpy(buf) + w).sum()  # add saves nothing
    buf[:] = 5
    y.backward()
    np.testing.assert_array_equal(w.grad, np.ones(3))


def test_from_numpy_views_and_detach_share_the_check():
    buf = np.arange(6.0)
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    y = (from_numpy(buf).reshape(2, 3) * w).sum()
    buf[4] = -1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    z = (from_numpy(buf).detach().reshape(2, 3) * w).sum()
    z.backward()  # unchanged since: fine
    np.testing.assert_array_equal(w.grad, buf.reshape(2, 3))
    buf2 = np.arange(6.0)
    base = from_numpy(buf2)
    y2 = (base.detach() * w.reshape(6)).sum()
    base[0] = 9.0  # an in-place change through the tensor, seen through the detached copy
    with pytest.raises(RuntimeError, match="modified in place"):
        y2.backward()


def test_from_numpy_leaf_can_require_grad_and_be_stepped_in_place():
    buf = np.array([2.0, -2.0])
    p = from_numpy(buf, requires_grad=True, name="p")
    (p * p).sum().backward()
    with no_grad():
        p -= 0.25 * Tensor(p.grad)
    np.testing.assert_array_equal(buf, [1.0, -1.0])  # the optimizer step shows in buf
    assert p.name == "p"


def test_from_numpy_refuses_what_is_not_an_array():
    with pytest.raises(TypeError, match="from_numpy: expected a numpy array, got list"):
        from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="only floating-point"):
        from_numpy(np.arange(3), requires_grad=True)


def test_numpy_conversion_gives_data_without_graph():
    t = Tensor(np.arange(4.0).reshape(2, 2))
    a = np.array(t)
    np.testing.assert_array_equal(a, t.data)
    assert a.dtype == np.float64
    assert not np.shares_memory(a, t.data)
    assert np.asarray(t) is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array([Tensor(1.0), Tensor(2.0)]).dtype == np.float32


def test_numpy_conversion_refuses_a_tensor_that_requires_grad():
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"requires grad.*detach"):
        np.asarray(w)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.array(w * 2)
    np.testing.assert_array_equal(np.asarray(w.detach()), [1.0, 1.0])


def test_numpy_operators_still_defer_to_tensor():
    w = Tensor(np.ones(2), requires_grad=True)
    y = np.array([2.0, 3.0]) * w
    assert isinstance(y, Tensor)
    assert y.op == "mul"
    assert autograd.grad(y.sum(), [w])[0].tolist() == [2.0, 3.0]
