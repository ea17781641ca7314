"""autograd.jacobian, hessian, vjp, jvp, hvp, vhp: the values and the result structure of
torch.autograd.functional, differentiable again with create_graph=True, and central finite
differences in float64 (those tests need no torch)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor

# --- functions written once for both engines (Tensor and torch.Tensor share these methods) --


def scalar_fn(x, w):
    return ((w @ x).tanh() * x[:2].sin()).sum() + (x**4).sum()


def pair_fn(x, w):
    return (w @ x).tanh(), (x * x).exp()


def sin_exp(x):
    return x.sin() * x.exp()


def quartic(x):
    return (x**4).sum()


def tanh_mlp(w1, w2):
    """A 2-3-1 tanh network on a fixed batch of 4: its output (4, 1)."""
    data = np.array([[0.5, -1.0], [1.5, 0.2], [-0.3, 0.8], [0.0, -0.6]])
    x = Tensor(data) if isinstance(w1, Tensor) else w1.new_tensor(data)
    return ((x @ w1).tanh() @ w2).tanh()


def mlp_loss(w1, w2):
    return (tanh_mlp(w1, w2) ** 2).sum()


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def values(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(0.7 * rng.standard_normal(s) for s in shapes)


def ours(arrays, requires_grad=False):
    return tuple(Tensor(a, requires_grad=requires_grad) for a in arrays)


def theirs(torch, arrays, requires_grad=False):
    return tuple(torch.tensor(a, requires_grad=requires_grad) for a in arrays)


def assert_same(got, expected):
    """Same nesting (Tensor vs tuple), shapes and float64 values as PyTorch's result."""
    if isinstance(expected, tuple):
        assert isinstance(got, tuple), f"expected a tuple, got {type(got).__name__}"
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
        return
    assert isinstance(got, Tensor), f"expected a Tensor, got {type(got).__name__}"
    assert got.shape == tuple(expected.shape)
    np.testing.assert_allclose(got.data, expected.detach().numpy(), rtol=1e-9, atol=1e-12)


# (func, input shapes, unpack the single input?)
CASES = {
    "single-in-vector-out": (sin_exp, [(3,)], True),
    "single-in-scalar-out": (quartic, [(2, 2)], True),
    "tuple-in-scalar-out": (scalar_fn, [(3,), (2, 3)], False),
    "tuple-in-tuple-out": (pair_fn, [(3,), (2, 3)], False),
    "tuple-in-matrix-out": (tanh_mlp, [(2, 3), (3, 1)], False),
}


def _args(unpack, items):
    return items[0] if unpack else items


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize("case", CASES)
def test_jacobian_matches_torch(torch, case, strategy):
    func, shapes, unpack = CASES[case]
    arrays = values(*shapes)
    got = autograd.jacobian(func, _args(unpack, ours(arrays)), strategy=strategy)
    expected = torch.autograd.functional.jacobian(func, _args(unpack, theirs(torch, arrays)))
    assert_same(got, expected)


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize(
    ("func", "shapes", "unpack"),
    [
        (quartic, [(3,)], True),
        (scalar_fn, [(3,), (2, 3)], False),
        (mlp_loss, [(2, 3), (3, 1)], False),
    ],
)
def test_hessian_matches_torch(torch, func, shapes, unpack, strategy):
    arrays = values(*shapes, seed=1)
    got = autograd.hessian(func, _args(unpack, ours(arrays)), outer_jacobian_strategy=strategy)
    expected = torch.autograd.functional.hessian(func, _args(unpack, theirs(torch, arrays)))
    assert_same(got, expected)


def test_hessian_of_a_one_element_vector_output_and_of_an_unused_input(torch):
    def f(x, y):
        return (x**3).sum().reshape(1)

    arrays = values((2,), (3,))
    got = autograd.hessian(f, ours(arrays))
    assert_same(got, torch.autograd.functional.hessian(f, theirs(torch, arrays)))
    assert np.all(got[1][1].data == 0)
    assert got[0][1].shape == (2, 3)


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp"])
@pytest.mark.parametrize("single", [True, False])
def test_products_match_torch(torch, name, single):
    scalar = name in ("hvp", "vhp")
    shapes = [(3,)] if single else [(3,), (2, 3)]
    func = (quartic if scalar else sin_exp) if single else (scalar_fn if scalar else pair_fn)
    # v is shaped like the inputs, for vjp like the outputs (sin_exp: (3,), pair_fn: (2,), (3,))
    v_shapes = shapes if name != "vjp" else [(3,)] if single else [(2,), (3,)]
    arrays, v_arrays = values(*shapes), values(*v_shapes, seed=2)
    got = getattr(autograd, name)(func, _args(single, ours(arrays)), _args(single, ours(v_arrays)))
    t_args = _args(single, theirs(torch, arrays)), _args(single, theirs(torch, v_arrays))
    assert_same(got, getattr(torch.autograd.functional, name)(func, *t_args))


def test_v_may_be_omitted_for_one_element(torch):
    x = np.array([0.3])
    for name in ("jvp", "hvp", "vhp"):
        got = getattr(autograd, name)(quartic, Tensor(x))
        assert_same(got, getattr(torch.autograd.functional, name)(quartic, torch.tensor(x)))
    assert_same(
        autograd.vjp(quartic, Tensor(x)), torch.autograd.functional.vjp(quartic, torch.tensor(x))
    )


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp"])
def test_create_graph_results_are_differentiable_like_torch(torch, name):
    """The gradient of sum(product) w.r.t. the inputs and v, against PyTorch's."""
    func = scalar_fn if name in ("hvp", "vhp") else pair_fn
    arrays = values((3,), (2, 3))
    v_shapes = [(2,), (3,)] if name == "vjp" else [(3,), (2, 3)]
    v_arrays = values(*v_shapes, seed=3)
    xs, vs = ours(arrays, True), ours(v_arrays, True)
    out, prod = getattr(autograd, name)(func, xs, vs, create_graph=True)
    total = sum((p.sum() for p in prod), start=Tensor(np.array(0.0)))  # prod: a tuple here
    got = autograd.grad(total, [*xs, *vs], allow_unused=True)
    txs, tvs = theirs(torch, arrays, True), theirs(torch, v_arrays, True)
    _, tprod = getattr(torch.autograd.functional, name)(func, txs, tvs, create_graph=True)
    expected = torch.autograd.grad(sum(p.sum() for p in tprod), [*txs, *tvs], allow_unused=True)
    for g, e in zip(got, expected):
        e = np.zeros(1) if e is None else e.numpy()
        np.testing.assert_allclose(np.zeros(1) if g is None else g, e, rtol=1e-9, atol=1e-12)
    assert all(o.requires_grad for o in (out if isinstance(out, tuple) else (out,)))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_create_graph_jacobian_and_hessian_are_differentiable_like_torch(torch, strategy):
    arrays = values((2, 3), (3, 1))
    xs, txs = ours(arrays, True), theirs(torch, arrays, True)
    jac = autograd.jacobian(tanh_mlp, xs, create_graph=True, strategy=strategy)
    hes = autograd.hessian(mlp_loss, xs, create_graph=True, outer_jacobian_strategy=strategy)
    total = sum((b.sum() for row in (*jac, *hes) for b in row), start=Tensor(np.array(0.0)))
    tjac = torch.autograd.functional.jacobian(tanh_mlp, txs, create_graph=True)
    thes = torch.autograd.functional.hessian(mlp_loss, txs, create_graph=True)
    ttotal = sum(b.sum() for row in (*tjac, *thes) for b in row)
    for g, e in zip(autograd.grad(total, xs), torch.autograd.grad(ttotal, txs)):
        np.testing.assert_allclose(g, e.numpy(), rtol=1e-9, atol=1e-12)


# --- finite differences (float64, central), no torch --------------------------------------

EPS = 1e-6


def fd_jacobian(f, x, eps=EPS):
    """d f(x) / d x for one array input and one array output: shape f.shape + x.shape."""
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        cols.append((f(x + e) - f(x - e)) / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(cols[0]) + x.shape)


def fd_hessian(f, x, h=1e-4):
    """Second central differences of the scalar f: shape x.shape + x.shape."""
    n = x.size
    hes = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = h, h
            ei, ej = ei.reshape(x.shape), ej.reshape(x.shape)
            hes[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
    return hes.reshape(x.shape + x.shape)


def on_arrays(func):
    return lambda a: func(Tensor(a)).data


W2 = np.array([[0.4], [-1.1], [0.7]])


def mlp_of_w1(w1):
    return tanh_mlp(w1, Tensor(W2))


def loss_of_w1(w1):
    return mlp_loss(w1, Tensor(W2))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize(("func", "shape"), [(sin_exp, (3,)), (mlp_of_w1, (2, 3)), (quartic, (2,))])
def test_jacobian_against_finite_differences(func, shape, strategy):
    (x,) = values(shape, seed=4)
    got = autograd.jacobian(func, Tensor(x), strategy=strategy)
    np.testing.assert_allclose(got.data, fd_jacobian(on_arrays(func), x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("func", "shape"), [(sin_exp, (3,)), (mlp_of_w1, (2, 3))])
def test_jvp_against_finite_differences(func, shape):
    x, v = values(shape, shape, seed=5)
    out, got = autograd.jvp(func, Tensor(x), Tensor(v))
    f = on_arrays(func)
    expected = (f(x + EPS * v) - f(x - EPS * v)) / (2 * EPS)
    np.testing.assert_allclose(got.data, expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(out.data, f(x))


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
@pytest.mark.parametrize(
    ("func", "shape"), [(quartic, (3,)), (loss_of_w1, (2, 3)), (lambda x: sin_exp(x).sum(), (2,))]
)
def test_hessian_and_hvp_against_finite_differences(func, shape, strategy):
    x, v = values(shape, shape, seed=6)
    expected = fd_hessian(on_arrays(func), x)
    got = autograd.hessian(func, Tensor(x), outer_jacobian_strategy=strategy)
    np.testing.assert_allclose(got.data, expected, rtol=1e-5, atol=1e-5)
    n = x.size
    hv = expected.reshape(n, n) @ v.reshape(n)
    _, got_hv = autograd.hvp(func, Tensor(x), Tensor(v))
    np.testing.assert_allclose(got_hv.data.reshape(n), hv, rtol=1e-5, atol=1e-5)
    _, got_vh = autograd.vhp(func, Tensor(x), Tensor(v))
    np.testing.assert_allclose(
        got_vh.data.reshape(n), v.reshape(n) @ expected.reshape(n, n), rtol=1e-5, atol=1e-5
    )


def test_third_derivative_of_x4_through_three_nested_grads():
    x = Tensor(np.array([-1.5, 0.5, 2.0]), requires_grad=True)
    (d1,) = autograd.grad((x**4).sum(), x, create_graph=True)
    (d2,) = autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = autograd.grad(d2.sum(), x, create_graph=True)
    np.testing.assert_allclose(d1.data, 4 * x.data**3)
    np.testing.assert_allclose(d2.data, 12 * x.data**2)
    np.testing.assert_allclose(d3.data, 24 * x.data)
    assert d3.requires_grad  # recorded: a fourth derivative could follow


def test_jacobian_of_the_identity_and_of_an_unused_input():
    x, y = ours(values((3,), (2,)))
    jx, jy = autograd.jacobian(lambda a, b: a, (x, y))
    np.testing.assert_array_equal(jx.data, np.eye(3))
    assert jy.shape == (3, 2)
    assert not np.any(jy.data)


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"])
def test_the_callers_tensors_are_left_alone(name):
    fn = getattr(autograd, name)
    for requires_grad in (False, True):
        x = Tensor(np.array([0.5, -0.2]), requires_grad=requires_grad)
        args = (x,) if name in ("jacobian", "hessian") else (x, Tensor(np.array([1.0, 2.0])))
        result = fn(quartic if name not in ("jacobian", "vjp", "jvp") else sin_exp, *args)
        assert x.requires_grad is requires_grad
        assert x.grad is None
        assert x.is_leaf
        flat = result if isinstance(result, tuple) else (result,)
        assert not any(t.requires_grad for t in flat)  # constants without create_graph


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["jvp", "hvp", "vhp"])
def test_v_of_the_wrong_shape_names_function_index_and_shapes(name):
    xs = ours(values((3,), (2, 3)))
    func = scalar_fn if name != "jvp" else pair_fn
    bad = (Tensor(np.ones(3)), Tensor(np.ones((3, 2))))
    with pytest.raises(
        ValueError,
        match=rf"{name}: v for input 1 has shape \(3, 2\), but input 1 has shape \(2, 3\)",
    ):
        getattr(autograd, name)(func, xs, bad)
    with pytest.raises(ValueError, match=f"{name}: v has 1 tensors for 2 inputs"):
        getattr(autograd, name)(func, xs, bad[:1])


def test_vjp_v_is_checked_against_the_outputs():
    xs = ours(values((3,), (2, 3)))
    with pytest.raises(
        ValueError, match=r"vjp: v for output 0 has shape \(3,\), but output 0 has shape \(2,\)"
    ):
        autograd.vjp(pair_fn, xs, (Tensor(np.ones(3)), Tensor(np.ones(3))))
    with pytest.raises(ValueError, match="vjp: v can be omitted only"):
        autograd.vjp(sin_exp, xs[0])


def test_type_errors_for_non_tensors():
    x = Tensor(np.ones(2))
    with pytest.raises(
        TypeError,
        match="jacobian: the output of func must be a Tensor or a tuple of Tensors; got a ndarray",
    ):
        autograd.jacobian(lambda a: a.data, x)
    with pytest.raises(TypeError, match=r"hvp: the output of func .*entry 1 is a float"):
        autograd.hvp(lambda a: (a.sum(), 1.0), x, x)
    with pytest.raises(
        TypeError, match="vjp: inputs must be a Tensor or a tuple of Tensors; got a list"
    ):
        autograd.vjp(quartic, [x])
    with pytest.raises(TypeError, match="jvp: v must be"):
        autograd.jvp(sin_exp, x, np.ones(2))


def test_scalar_functions_and_strategies_are_checked():
    x = Tensor(np.ones(2))
    for name in ("hessian", "hvp", "vhp"):
        args = (x,) if name == "hessian" else (x, x)
        with pytest.raises(
            ValueError,
            match=rf"{name}: func must return a single one-element Tensor, got shape \(2,\)",
        ):
            getattr(autograd, name)(sin_exp, *args)
    with pytest.raises(ValueError, match="strategy must be"):
        autograd.jacobian(sin_exp, x, strategy="sideways")


def test_strict_raises_where_an_output_is_independent_of_an_input():
    x, y = ours(values((2,), (2,)))

    def only_x(a, b):
        return a.sin()

    def scalar_of_x(a, b):
        return (a**4).sum()

    assert not np.any(autograd.jacobian(only_x, (x, y))[1].data)  # not strict: zeros
    assert not np.any(autograd.vjp(only_x, (x, y), x)[1][1].data)
    assert not np.any(autograd.hvp(scalar_of_x, (x, y), (x, y))[1][1].data)
    calls = [
        ("jacobian", only_x, ((x, y),)),
        ("vjp", only_x, ((x, y), x)),
        ("jvp", only_x, ((x, y), (x, y))),
        ("hvp", scalar_of_x, ((x, y), (x, y))),
        ("vhp", scalar_of_x, ((x, y), (x, y))),
        ("hessian", scalar_of_x, ((x, y),)),
    ]
    for name, func, args in calls:
        with pytest.raises(RuntimeError, match=f"{name}: .*input 1.*strict=True"):
            getattr(autograd, name)(func, *args, strict=True)
    with pytest.raises(RuntimeError, match="output 0 of func does not require grad"):
        autograd.vjp(lambda a: Tensor(np.ones(2)), x, x, strict=True)
    with pytest.raises(RuntimeError, match="linear"):
        autograd.hessian(lambda a: (3 * a).sum(), x, strict=True)
    linear = autograd.hessian(lambda a: (3 * a).sum(), x)
    np.testing.assert_array_equal(linear.data, np.zeros((2, 2)))


def test_vectorize_is_accepted_and_gives_the_same_values():
    (x,) = ours(values((3,)))
    plain = autograd.jacobian(sin_exp, x)
    np.testing.assert_array_equal(autograd.jacobian(sin_exp, x, vectorize=True).data, plain.data)
    h = autograd.hessian(quartic, x, vectorize=True)
    np.testing.assert_allclose(h.data, np.diag(12 * x.data**2))
