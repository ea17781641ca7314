"""gradcheck catches wrong gradients and says where; custom Functions plug into the engine."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Function, Tensor, gradcheck


class Cube(Function, register=False):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a**3

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        # d/da: 3a²
        return grad * 3 * a**2


class WrongCube(Cube, register=False):
    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 2 * a**2  # wrong factor


class TwoGradsForOneInput(Cube, register=False):
    @staticmethod
    def backward(ctx, grad):
        return grad, grad


def test_custom_function_backpropagates_and_passes_gradcheck():
    x = Tensor([1.0, -2.0], requires_grad=True, name="x")
    Cube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 12.0])
    assert gradcheck(Cube.apply, Tensor(np.array([0.5, 1.5]), requires_grad=True))


def test_unregistered_functions_stay_out_of_the_registry():
    assert "cube" not in Function.registry
    assert "wrong_cube" not in Function.registry


def test_gradcheck_names_input_index_expected_and_got():
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True, name="x")
    with pytest.raises(AssertionError, match=r"input 0 \('x'\).*index \(0, 0\): expected .* got"):
        gradcheck(WrongCube.apply, x)


def test_gradcheck_points_at_the_right_input():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    with pytest.raises(AssertionError, match="input 1"):
        gradcheck(lambda x, y: x * WrongCube.apply(y), a, b)


def test_gradcheck_works_in_float64_even_for_float32_inputs():
    x = Tensor(np.array([0.3, 0.7], dtype=np.float32), requires_grad=True)
    seen = []

    def f(t):
        seen.append(t.dtype)
        return t.tanh()

    assert gradcheck(f, x)
    assert set(seen) == {np.dtype(np.float64)}


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        gradcheck(lambda t: t * 2, Tensor([1.0]))


def test_backward_returning_too_many_gradients_is_an_error():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 2 gradients for 1 inputs"):
        TwoGradsForOneInput.apply(x).sum().backward()


def test_duplicate_op_names_are_refused():
    with pytest.raises(ValueError, match="registered twice"):

        class Add(Function):  # "add" exists already
            pass


class WrongAtOneElement(Cube, register=False):
    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        g = grad * 3 * a**2
        g.reshape(-1)[4] += 0.01  # wrong at flat index 4 only
        return g


def test_gradcheck_catches_an_op_wrong_at_one_element_and_names_it():
    x = Tensor(np.linspace(0.5, 1.5, 6).reshape(2, 3), requires_grad=True, name="x")
    with pytest.raises(AssertionError, match=r"input 0 \('x'\) of shape \(2, 3\), index \(1, 1\)"):
        gradcheck(WrongAtOneElement.apply, x)


def test_gradcheck_accepts_pytorch_style_tuple_of_inputs():
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = Tensor(np.array([2.0, -1.0]), requires_grad=True)
    assert gradcheck(lambda a, b: Cube.apply(a) * b, (x, y))
    assert gradcheck(lambda a, b: Cube.apply(a) * b, [x, y])
    with pytest.raises(AssertionError, match="index"):
        gradcheck(WrongCube.apply, (x,))


def test_gradcheck_without_grad_inputs_says_what_it_expects():
    with pytest.raises(
        ValueError, match=r"no input requires grad \(inputs: Tensor\).*requires_grad"
    ):
        gradcheck(Cube.apply, Tensor(np.ones(2)))
