"""create_graph=True: gradients as recorded Tensors, what .grad and grad_tensor hold, the
tags on backward nodes, and the errors for what cannot be differentiated twice."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import autograd
from autograd import Function, Tensor


def f64(value, name=None, requires_grad=True) -> Tensor:
    return Tensor(np.asarray(value, dtype=np.float64), requires_grad=requires_grad, name=name)


def test_third_derivative_of_x4_is_24x():
    x = f64([0.5, -1.0, 2.0])
    (g1,) = autograd.grad((x**4).sum(), x, create_graph=True)
    (g2,) = autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = autograd.grad(g2.sum(), x, create_graph=True)
    np.testing.assert_allclose(g1.data, 4 * x.data**3)
    np.testing.assert_allclose(g2.data, 12 * x.data**2)
    np.testing.assert_allclose(g3.data, 24 * x.data)
    (g4,) = autograd.grad(g3.sum(), x)
    np.testing.assert_allclose(g4, np.full(3, 24.0))


def test_default_grad_returns_arrays_and_create_graph_returns_tensors():
    x = f64(3.0)
    y = x * x
    (plain,) = autograd.grad(y, x)
    (recorded,) = autograd.grad(y, x, create_graph=True)
    assert type(plain) is np.ndarray
    assert plain == 6.0
    assert isinstance(recorded, Tensor)
    assert recorded.requires_grad
    assert recorded.item() == 6.0


def test_sigmoid_second_derivative_matches_the_formula():
    z = f64(np.linspace(-3, 3, 7))
    s = z.sigmoid()
    (ds,) = autograd.grad(s.sum(), z, create_graph=True)
    (d2s,) = autograd.grad(ds.sum(), z)
    sig = s.data
    np.testing.assert_allclose(ds.data, sig * (1 - sig))
    np.testing.assert_allclose(d2s, sig * (1 - sig) * (1 - 2 * sig))


def test_backward_create_graph_keeps_grad_an_array_and_records_grad_tensor():
    x = f64([1.0, 2.0], name="x")
    (x.sin() * x).sum().backward(create_graph=True)
    first = np.sin(x.data) + x.data * np.cos(x.data)
    assert type(x.grad) is np.ndarray
    np.testing.assert_allclose(x.grad, first)
    assert isinstance(x.grad_tensor, Tensor)
    assert x.grad_tensor.requires_grad
    assert not np.shares_memory(x.grad, x.grad_tensor.data)
    second = 2 * np.cos(x.data) - x.data * np.sin(x.data)
    x.grad = None  # so that the next backward does not add the first-order gradient
    assert x.grad_tensor is None
    g = autograd.grad(((x.sin() * x).sum()), x, create_graph=True)[0]
    g.sum().backward()
    np.testing.assert_allclose(x.grad, second)


def test_backward_create_graph_accumulates_the_recorded_gradient():
    x = f64(2.0)
    (x * x * x).backward(create_graph=True)  # 3x² = 12
    (x * x).backward(create_graph=True)  # + 2x = 4
    assert x.grad == 16.0
    (h,) = autograd.grad(x.grad_tensor, x)  # d/dx (3x² + 2x) = 6x + 2
    assert h == 14.0


def test_a_plain_backward_then_a_recorded_one_adds_the_old_values_as_a_constant():
    x = f64(2.0)
    (x * x * x).backward()
    assert x.grad_tensor is None
    (x * x).backward(create_graph=True)
    assert x.grad == 16.0
    (h,) = autograd.grad(x.grad_tensor, x)  # only the recorded part has a derivative
    assert h == 2.0


def test_grad_changed_in_place_after_create_graph_is_refused():
    x = f64([1.0, 2.0], name="x")
    (x * x).sum().backward(create_graph=True)
    np.multiply(x.grad, 0.5, out=x.grad)  # e.g. gradient clipping, in place
    with pytest.raises(RuntimeError, match=r"'x'.*changed in place.*grad_tensor"):
        (x * x).sum().backward(create_graph=True)


def test_zero_grad_keeping_arrays_drops_the_recorded_gradient():
    nn = pytest.importorskip("nn")
    layer = nn.Linear(2, 1)
    layer.weight.data = layer.weight.data.astype(np.float64)
    x = f64([[1.0, 2.0]], requires_grad=False)
    (layer(x).tanh().sum()).backward(create_graph=True)
    assert layer.weight.grad_tensor is not None
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad_tensor is None
    assert not layer.weight.grad.any()


def test_several_outputs_with_grad_outputs_sum_their_vector_jacobian_products():
    x = f64([1.0, 2.0, 3.0])
    a, b = x * x, x.exp()
    va, vb = np.array([1.0, -1.0, 2.0]), np.array([0.5, 0.5, 0.5])
    (g,) = autograd.grad([a, b], x, [va, vb])
    np.testing.assert_allclose(g, va * 2 * x.data + vb * np.exp(x.data))
    (gr,) = autograd.grad([a, b], [x], [va, vb], create_graph=True)
    np.testing.assert_allclose(gr.data, g)


def test_an_output_inside_another_outputs_graph_waits_for_its_consumers():
    x = f64(1.5)
    a = x * x
    b = a * 3.0  # a feeds b, and a is an output too
    (g,) = autograd.grad([b, a], x)
    assert g == pytest.approx(3 * 2 * 1.5 + 2 * 1.5)
    (gr,) = autograd.grad([a, b], x, create_graph=True)
    assert gr.item() == pytest.approx(g)


def test_grad_outputs_that_need_grad_keep_their_graph():
    # the vector-Jacobian product is linear in v: d/dv (vᵀJ)·w = J w
    x = f64([0.3, -0.7])
    v = f64([1.0, 2.0])
    y = x.tanh()
    (vjp,) = autograd.grad(y, x, v, create_graph=True)
    w = np.array([0.5, -1.5])
    (dv,) = autograd.grad((vjp * Tensor(w)).sum(), v)
    np.testing.assert_allclose(dv, (1 - np.tanh(x.data) ** 2) * w)


def test_grad_argument_errors_name_the_problem():
    x = f64([1.0, 2.0])
    y = x * 2
    with pytest.raises(ValueError, match="2 outputs need one grad_output each"):
        autograd.grad([y, y], x, np.ones(2))
    with pytest.raises(TypeError, match="output 1 is a ndarray"):
        autograd.grad([y, np.ones(2)], x, [np.ones(2), np.ones(2)])
    with pytest.raises(ValueError, match="outputs is empty"):
        autograd.grad([], x)


def test_backward_nodes_are_tagged_with_the_forward_tensor_they_serve():
    x, y, z = f64(-2.0, "x"), f64(5.0, "y"), f64(-4.0, "z")
    q = x + y
    f = q * z
    gx, gy, gz = autograd.grad(f, [x, y, z], create_graph=True)
    assert (gx.item(), gy.item(), gz.item()) == (-4.0, -4.0, 3.0)
    assert gx.op == "mul"
    assert gx.backward_of is f
    assert gx.backward_role == "vjp"
    assert gz.backward_of is f
    assert z in gx.parents
    assert q in gz.parents
    for t in (x, q, f):
        assert t.backward_of is None
        assert t.backward_role == ""
    # a fan-out: x used twice, its two gradients meet in a tagged sum
    h = x * x
    (gh,) = autograd.grad(h, x, create_graph=True)
    assert gh.op == "add"
    assert gh.backward_role == "sum"
    assert gh.backward_of is x


def test_no_tags_are_left_behind_after_a_recorded_backward():
    x = f64(1.0)
    autograd.grad(x.exp(), x, create_graph=True)
    later = x * 2
    assert later.backward_of is None


def test_create_graph_records_even_under_no_grad():
    x = f64(2.0)
    y = x**3
    with autograd.no_grad():
        (g,) = autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    assert autograd.grad(g, x)[0] == 12.0


def test_an_op_without_a_differentiable_backward_refuses_create_graph_by_name():
    class Once(Function, register=False):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a**3

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return grad * 3 * a**2

    x = f64(2.0)
    y = Once.apply(x)
    assert autograd.grad(y, x)[0] == 12.0  # first order works
    with pytest.raises(RuntimeError, match="'once' is differentiable only once"):
        autograd.grad(y, x, create_graph=True)


def test_a_differentiable_backward_must_return_tensors():
    class Leaky(Function, register=False):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

        @staticmethod
        def differentiable_backward(ctx, grad, out):
            return grad.data * 2  # an array: the graph would be cut silently

    x = f64([1.0, 2.0])
    with pytest.raises(RuntimeError, match="'leaky' returned a ndarray for input 0"):
        autograd.grad(Leaky.apply(x).sum(), x, create_graph=True)


def test_in_place_change_of_a_saved_input_is_caught_by_the_recorded_backward_too():
    x = f64([1.0, 2.0])
    y = x * 1.0
    z = (y * y).sum()
    with autograd.no_grad():
        y += 1.0
    with pytest.raises(RuntimeError, match="modified in place"):
        autograd.grad(z, x, create_graph=True)


def test_hooks_in_a_recorded_backward_see_values_and_may_return_tensors():
    x = f64([1.0, -2.0])
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(g.copy()))
    (g,) = autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(g.data, 2 * x.data)

    y2 = x * x
    y2.register_hook(lambda g: Tensor(g * 3))  # a constant Tensor: allowed, explicit
    (g2,) = autograd.grad(y2.sum(), x, create_graph=True)
    np.testing.assert_allclose(g2.data, 6 * x.data)

    y3 = x * x
    y3.register_hook(lambda g: g * 3)  # an array would cut the graph: refused
    with pytest.raises(RuntimeError, match=r"hook .* returned a ndarray during a create_graph"):
        autograd.grad(y3.sum(), x, create_graph=True)


def test_mixed_dtypes_cast_the_recorded_gradient_to_each_inputs_dtype():
    x32 = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    w64 = f64([0.5, -1.0])
    (g,) = autograd.grad((x32 * w64 * x32).sum(), x32, create_graph=True)
    assert g.dtype == np.float32
    assert "cast" in {t.op for t in autograd.topological_order(g)}
    (h,) = autograd.grad(g.sum(), x32)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, 2 * w64.data)


def test_broadcast_inputs_get_recorded_gradients_summed_to_their_shape():
    b = f64([[0.5], [-1.0]])
    a = f64(np.ones((2, 3)))
    (gb,) = autograd.grad((a * b * b).sum(), b, create_graph=True)
    assert gb.shape == (2, 1)
    np.testing.assert_allclose(gb.data, 2 * 3 * b.data)
    (hb,) = autograd.grad(gb.sum(), b)
    np.testing.assert_allclose(hb, np.full((2, 1), 6.0))


def test_anomaly_mode_checks_recorded_gradients():
    x = f64(0.0)
    y = x.sqrt()
    message = "forward of 'div' in the recorded backward of 'sqrt'"
    with (
        np.errstate(divide="ignore"),
        autograd.detect_anomaly(),
        pytest.raises(RuntimeError, match=message),
    ):
        autograd.grad(y, x, create_graph=True)


def test_setting_grad_drops_the_recorded_gradient():
    x = f64([1.0, 2.0])
    (x * x).sum().backward(create_graph=True)
    x.grad *= 0.5  # reads, scales, assigns: an assignment, so grad_tensor is dropped
    assert x.grad_tensor is None
    (x * x).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad, 3 * x.data)
    (h,) = autograd.grad(x.grad_tensor.sum(), x)  # the old part is a constant now
    np.testing.assert_allclose(h, [2.0, 2.0])


def test_recorded_gradients_of_an_autograd_grad_have_no_reference_cycle():
    x = f64(np.ones(3))
    (g,) = autograd.grad((x * x).sum(), x, create_graph=True)
    ref = g._ctx
    del g
    gc.disable()
    try:
        import weakref

        alive = weakref.ref(ref)
        del ref
        assert alive() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_grad_stops_at_its_inputs():
    # nothing that produced the inputs is backpropagated through: upstream hooks stay
    # silent and an upstream op without a recorded backward does not matter
    class Once(Function, register=False):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = f64([1.0, 2.0])
    fired = []
    x.register_hook(lambda g: fired.append(g))
    y = Once.apply(x)
    z = (y * y).sum()
    (gy,) = autograd.grad(z, y, create_graph=True)
    np.testing.assert_allclose(gy.data, 2 * y.data)
    (gy2,) = autograd.grad(z, y)
    np.testing.assert_allclose(gy2, 2 * y.data)
    assert fired == []
    # a side branch that leads to no input is not visited either
    w, v = f64(3.0), f64(5.0)
    (gw,) = autograd.grad(Once.apply(v) + w * w, w, create_graph=True)
    assert gw.item() == 6.0


def test_constant_leaves_never_get_a_grad():
    x = f64([1.0, 2.0])
    c = f64([3.0, 4.0], requires_grad=False)
    (x * c).sum().backward()
    assert c.grad is None
    (x * c).sum().backward(create_graph=True)
    assert c.grad is None
    assert c.grad_tensor is None
