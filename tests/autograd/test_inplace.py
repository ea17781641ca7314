"""In-place updates outside the recording: allowed, and caught by version counters where a
backward saved what they changed. Recorded in-place ops: test_inplace_recorded.py."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, no_grad
from autograd.tensor import FUSED_ADD_MIN_SIZE


def test_inplace_on_leaf_that_requires_grad_raises_at_once():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    with pytest.raises(RuntimeError, match="'w': a leaf tensor that requires grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.data, [1.0, 2.0])  # nothing changed


def test_modified_saved_input_makes_backward_raise():
    a = Tensor([1.0, 2.0], name="a")
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (a * w).sum()  # mul saves a for dL/dw
    a[0] = 10.0
    with pytest.raises(
        RuntimeError, match=r"'mul': input 0 'a' of shape \(2,\).*modified in place"
    ):
        y.backward()


def test_augmented_assignment_on_saved_input_raises():
    a = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (a * w).sum()
    a += 1
    with pytest.raises(RuntimeError, match="version 1, expected 0"):
        y.backward()


def test_modifying_an_input_that_was_not_saved_is_fine():
    a = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (a + w).sum()  # add saves nothing
    a += 1
    y.backward()
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_modified_saved_output_makes_backward_raise():
    w = Tensor([0.5, 1.0], requires_grad=True)
    e = w.exp()  # exp saves its output
    with no_grad():
        e += 1
    with pytest.raises(RuntimeError, match=r"'exp': its output.*modified in place"):
        e.sum().backward()


def test_change_through_a_view_is_caught():
    a = Tensor(np.arange(4.0))
    w = Tensor(np.ones(4), requires_grad=True)
    y = (a * w).sum()
    view = a[1:3]  # a basic slice shares a's memory and its version counter
    view[0] = 100.0
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_optimizer_style_update_under_no_grad_then_fresh_graph_works():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with no_grad():
        w -= 0.1 * Tensor(w.grad)
    np.testing.assert_allclose(w.data, [0.8, 1.6])
    w.grad = None
    (w * w).sum().backward()
    np.testing.assert_allclose(w.grad, [1.6, 3.2])


def test_stale_graph_after_update_raises():
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    with no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_inplace_errors_name_shapes_and_keep_data():
    a = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*shape \(4,\)"):
        a += np.ones(4)
    ints = Tensor(np.zeros(2, dtype=np.int64))
    with pytest.raises(TypeError, match="int64"):
        ints += 0.5
    np.testing.assert_array_equal(a.data, np.zeros((2, 3)))


def test_setitem_with_integer_array_and_tensor_index():
    a = Tensor(np.zeros(4))
    a[Tensor(np.array([0, 2]))] = 7.0
    np.testing.assert_array_equal(a.data, [7.0, 0.0, 7.0, 0.0])


def test_changing_an_input_an_op_did_not_save_is_fine_even_when_it_saved_others():
    # exp saves its output, not its input: x may change after exp ran (mul did not save x,
    # its own output, either), and the gradient still uses exp's saved output
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    x = w * 2.0
    e = x.exp()
    view = x.detach()  # shares x's data and version counter
    view += 5.0
    e.sum().backward()
    np.testing.assert_allclose(w.grad, 2 * np.exp(2 * np.array([0.5, -1.0])))


def test_changing_an_output_an_op_saved_raises():
    w = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    e = (w * 2.0).exp()
    view = e.detach()
    view += 5.0
    with pytest.raises(RuntimeError, match=r"backward of 'exp': its output .*modified in place"):
        e.sum().backward()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1200, FUSED_ADD_MIN_SIZE])  # numpy's path, the kernel's
def test_add_scaled_equals_numpy_two_steps_and_bumps_the_version(dtype, size):
    rng = np.random.default_rng(0)
    start = rng.standard_normal((size // 4, 4)).astype(dtype)
    g = rng.standard_normal((size // 4, 4)).astype(dtype)
    p = Tensor(start, requires_grad=True)
    y = (p * p).sum()  # mul saved p
    with no_grad():
        assert p.add_(g, alpha=-0.025) is p
    np.testing.assert_array_equal(p.data, start - dtype(0.025) * g)
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()


def test_add_scaled_falls_back_to_numpy_for_broadcasts_views_and_overlap():
    p = Tensor(np.arange(6.0).reshape(2, 3))
    p.add_(Tensor([1.0, 2.0, 3.0]), alpha=2)  # a broadcast row
    np.testing.assert_array_equal(p.data, [[2, 5, 8], [5, 8, 11]])
    p.add_(np.asfortranarray(np.ones((2, 3))))  # a non-contiguous value of the same shape
    np.testing.assert_array_equal(p.data, [[3, 6, 9], [6, 9, 12]])
    r = Tensor(np.arange(5.0))
    r.add_(r.data, alpha=3.0)  # the tensor's own array
    np.testing.assert_array_equal(r.data, 4 * np.arange(5.0))
    # a value overlapping the data one element apart: numpy buffers it, the result is the
    # sum of the old values (a plain loop would carry each update into the next element)
    n = FUSED_ADD_MIN_SIZE + 1  # large enough for the kernel, were it not for the overlap
    base = np.arange(float(n))
    t = Tensor(np.zeros(n - 1))
    t.data = base[1:]
    t.add_(base[:-1])
    np.testing.assert_array_equal(base[:6], [0, 1, 3, 5, 7, 9])
    np.testing.assert_array_equal(base[1:], 2 * np.arange(1.0, n) - 1)


def test_add_scaled_is_refused_where_plus_equals_is():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    with pytest.raises(RuntimeError, match="in-place add_ on 'w': a leaf tensor"):
        w.add_(np.ones(2), alpha=-0.1)
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"in-place add_ on a tensor of shape \(2, 3\)"):
        x.add_(np.ones(4))


def test_small_updates_never_load_the_kernel():
    # loading a first Numba kernel brings in LLVM (~60 MB resident): an MLP's optimizer
    # should not pay that for arrays numpy updates about as fast
    import subprocess
    import sys

    script = (
        "import sys, numpy as np\n"
        "from autograd import Tensor\n"
        "p = Tensor(np.ones({n}, np.float32))\n"
        "p.add_(np.ones({n}, np.float32), alpha=-0.5)\n"
        "print('autograd.kernels.axpy' in sys.modules)\n"
    )
    for n, loaded in [(FUSED_ADD_MIN_SIZE - 1, "False"), (FUSED_ADD_MIN_SIZE, "True")]:
        out = subprocess.run(
            [sys.executable, "-c", script.format(n=n)], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == loaded
