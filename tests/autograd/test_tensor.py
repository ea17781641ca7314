"""Tensor construction, dtypes, attributes and the errors bad input gets."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor


def test_python_numbers_and_lists_become_float32():
    assert Tensor(3).dtype == np.float32
    assert Tensor([[1, 2], [3, 4]]).dtype == np.float32
    assert Tensor(True).dtype == np.float32


def test_numpy_arrays_keep_their_dtype():
    assert Tensor(np.zeros(3)).dtype == np.float64
    assert Tensor(np.zeros(3, dtype=np.float32)).dtype == np.float32
    assert Tensor(np.arange(3)).dtype.kind == "i"
    assert Tensor(np.array([True, False])).dtype == bool


def test_set_default_dtype_changes_numbers_and_lists(float64):
    assert Tensor(1.5).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64


def test_set_default_dtype_rejects_non_float():
    with pytest.raises(TypeError, match="float32 or float64"):
        autograd.set_default_dtype(np.int32)


def test_dtype_argument_converts():
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="not a dtype"):
        Tensor([1], dtype="nonsense")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("abc", "got str"),
        (np.array(["a", "b"]), "numeric"),
        ([[1, 2], [3]], "ragged"),
        ({"a": 1}, "got dict"),
        (np.array([object()]), "object"),
        (np.array([1 + 2j]), "numeric"),
        (None, "got NoneType"),
    ],
)
def test_bad_data_raises_type_error(data, match):
    with pytest.raises(TypeError, match=match):
        Tensor(data)


def test_list_of_tensors_that_require_grad_points_to_stack():
    # building from the values would silently cut the graph
    with pytest.raises(TypeError, match="stack"):
        Tensor([Tensor(1.0, requires_grad=True), Tensor(2.0)])


def test_list_of_constant_tensors_takes_their_values():
    t = Tensor([Tensor(1.0), Tensor(2.0)])
    assert t.shape == (2,)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.data, [1.0, 2.0])


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(TypeError, match="int64"):
        Tensor(np.arange(3), requires_grad=True)
    t = Tensor(np.arange(3))
    with pytest.raises(TypeError, match="floating-point"):
        t.requires_grad = True


def test_attributes():
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="t")
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.size == 6
    assert t.dtype == np.float64
    assert t.name == "t"
    assert t.is_leaf
    assert t.op == ""
    assert t.parents == ()
    assert t.grad is None
    assert t.T.shape == (3, 2)
    assert t.numpy() is t.data


def test_op_and_parents_record_the_graph():
    a = Tensor(2.0, requires_grad=True)
    b = Tensor(3.0)
    c = a * b
    assert c.op == "mul"
    assert c.parents == (a, b)
    assert not c.is_leaf
    assert c.requires_grad


def test_item_and_conversions():
    assert Tensor(2.5).item() == 2.5
    assert float(Tensor([1.5])) == 1.5
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


def test_detach_shares_data_without_history():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = (a * 2).detach()
    assert b.is_leaf
    assert not b.requires_grad
    assert b.op == ""
    np.testing.assert_array_equal(b.data, [2.0, 4.0])


def test_comparisons_return_bool_tensors_outside_the_graph():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [
        (a < 2, [True, False, False]),
        (a <= 2, [True, True, False]),
        (a > 2, [False, False, True]),
        (a >= 2, [False, True, True]),
        (a == 2, [False, True, False]),
        (a != 2, [True, False, True]),
    ]:
        assert result.dtype == bool
        assert not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)


def test_tensors_are_hashable_by_identity():
    a, b = Tensor(1.0), Tensor(1.0)
    assert len({a, b}) == 2


def test_reflected_operators_with_numbers_and_arrays():
    a = Tensor([1.0, 2.0], requires_grad=True)
    out = 1 + 2 * a - np.array([1.0, 1.0]) / (3 - a) ** 2
    assert isinstance(out, Tensor)
    assert out.dtype == np.float64
    out.sum().backward()
    np.testing.assert_allclose(a.grad, 2 - 2 / (3 - np.array([1.0, 2.0])) ** 3)


def test_python_scalars_keep_float32():
    a = Tensor([1.0, 2.0], requires_grad=True)
    assert (a * 2.5 + 1).dtype == np.float32
    assert (2**a).dtype == np.float32


def test_repr_names_op_and_dtype():
    a = Tensor([1.0], requires_grad=True, name="a")
    assert repr(a) == "Tensor([1.], name='a', requires_grad=True)"
    assert "op='mul'" in repr(a * 2)
    assert "dtype=float64" in repr(Tensor(np.zeros(2)))


def test_len_and_iteration():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(t) == 2
    assert [r.data.tolist() for r in t] == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(TypeError, match="0-d"):
        iter(Tensor(1.0))


def test_shape_mismatch_names_op_and_shapes():
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4,)))
    with pytest.raises(ValueError, match=r"add: .*\(2, 3\) and \(4,\)"):
        a + b
    with pytest.raises(ValueError, match=r"mul: .*\(2, 3\) and \(4,\)"):
        a * b
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4,\) are not aligned"):
        a @ b
    with pytest.raises(ValueError, match="matmul: operands must have at least 1 dimension"):
        Tensor(1.0) @ a


def test_reshape_and_axis_errors_name_the_op():
    a = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: .*\(2, 3\)"):
        a.reshape(4, 2)
    with pytest.raises(ValueError, match=r"sum: .*axis 2 is out of range"):
        a.sum(axis=2)
    with pytest.raises(ValueError, match="not a permutation"):
        a.transpose(0, 0)
    with pytest.raises(IndexError, match=r"getitem: .*\(2, 3\)"):
        a[5]


@pytest.mark.parametrize("data", [10**400, -(10**400), [1.0, 10**400], [[10**400]]])
def test_integer_too_large_for_a_float_is_a_clear_overflow_error(data):
    with pytest.raises(OverflowError, match=r"Tensor: .*too large for float32"):
        Tensor(data)


def test_large_python_ints_that_fit_a_float_convert():
    t = Tensor([10**30, 1])
    assert t.dtype == np.float32
    np.testing.assert_allclose(t.data, [1e30, 1.0])
