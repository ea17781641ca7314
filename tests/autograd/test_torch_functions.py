"""PyTorch's module-level names in autograd (zeros … randn, cat, set_grad_enabled,
inference_mode) and in autograd.functional (relu, sigmoid, tanh, leaky_relu, gelu, linear,
one_hot, l1_loss, smooth_l1_loss, pad): against torch in float64 (values, gradients), gradcheck,
and errors that name the function and the bad value."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import autograd.functional as F
from autograd import Tensor, gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional

X = np.sin(np.arange(12.0) + 0.5).reshape(3, 4) * 3  # no zeros


def compare(call, *arrays, torch_call=None):
    """``call`` on tracegrad and torch tensors (float64): same values and gradients."""
    torch_call = torch_call or call
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    y, y_t = call(*ours), torch_call(*theirs)
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    seed = np.cos(np.arange(y.size) + 0.5).reshape(y.shape)
    y.backward(seed)
    y_t.backward(torch.tensor(seed))
    for a, a_t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, a_t.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert gradcheck(call, *[Tensor(a.copy(), requires_grad=True) for a in arrays])


# --- factories ------------------------------------------------------------------------------

TORCH_DTYPES = {np.float32: "float32", np.float64: "float64", np.int64: "int64", np.bool_: "bool"}


@pytest.mark.parametrize(
    ("name", "args", "kwargs"),
    [
        ("zeros", (2, 3), {}),
        ("zeros", ((2, 3),), {"dtype": np.float64}),
        ("zeros", ((),), {}),
        ("ones", ([4],), {"dtype": np.int64}),
        ("ones", (1, 2), {}),
        ("full", ((2, 2), 1.5), {}),
        ("full", ((3,), 7), {}),
        ("full", ((2,), True), {}),
        ("full", ((2,), 2), {"dtype": np.float64}),
        ("arange", (5,), {}),
        ("arange", (1, 10, 3), {}),
        ("arange", (0.0, 1.0, 0.1), {}),
        ("arange", (1.0, -2.0, -0.3), {"dtype": np.float64}),
        ("arange", (0, 1, 0.25), {}),
    ],
)
def test_factories_match_torch(name, args, kwargs):
    ours = getattr(autograd, name)(*args, **kwargs)
    torch_kwargs = {k: getattr(torch, TORCH_DTYPES[v]) for k, v in kwargs.items()}
    theirs = getattr(torch, name)(*args, **torch_kwargs)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ours.shape == tuple(theirs.shape)
    # float64 ranges may differ in the last bit: torch's vectorised kernel adds the step to a
    # block's first value, tracegrad computes start + i·step for each i (numpy's rounding)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-15, atol=1e-15)
    assert not ours.requires_grad


def test_like_factories_and_requires_grad():
    x = Tensor(np.ones((2, 3), np.float64))
    assert autograd.zeros_like(x).dtype == np.float64
    assert autograd.ones_like(x, dtype=np.int64).dtype == np.int64
    np.testing.assert_array_equal(autograd.ones_like(x).data, np.ones((2, 3)))
    w = autograd.zeros(3, requires_grad=True)
    assert w.requires_grad
    assert w.is_leaf
    assert w.dtype == autograd.get_default_dtype()
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad, [2, 2, 2])


def test_factory_errors_name_the_function():
    with pytest.raises(TypeError, match="zeros: missing the size"):
        autograd.zeros()
    with pytest.raises(ValueError, match=r"ones: negative size -1 in \(2, -1\)"):
        autograd.ones(2, -1)
    with pytest.raises(TypeError, match=r"zeros: sizes must be ints, got \(2.5,\)"):
        autograd.zeros(2.5)
    with pytest.raises(TypeError, match="full: only floating-point tensors can require grad"):
        autograd.full((2,), 3, requires_grad=True)
    with pytest.raises(TypeError, match="zeros: 'nope' is not a dtype"):
        autograd.zeros(2, dtype="nope")
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        autograd.arange(0, 3, 0)
    with pytest.raises(ValueError, match="arange: the range from 0 to 3 goes the other way"):
        autograd.arange(0, 3, -1)
    with pytest.raises(TypeError, match="rand: draws floating-point values; dtype int64"):
        autograd.rand(2, dtype=np.int64)
    with pytest.raises(TypeError, match="zeros_like: expected a Tensor, got list"):
        autograd.zeros_like([1.0])


def test_rand_randn_draw_from_the_seeded_generator():
    autograd.manual_seed(3)
    a, b = autograd.rand(2, 3), autograd.randn(4, dtype=np.float64, requires_grad=True)
    autograd.manual_seed(3)
    np.testing.assert_array_equal(autograd.rand(2, 3).data, a.data)
    np.testing.assert_array_equal(autograd.randn(4, dtype=np.float64).data, b.data)
    assert a.dtype == np.float32
    assert b.dtype == np.float64
    assert b.requires_grad
    assert a.data.min() >= 0
    assert a.data.max() < 1
    big = autograd.randn(100_000, generator=np.random.default_rng(0))
    assert abs(float(big.data.mean())) < 0.02
    assert abs(float(big.data.std()) - 1) < 0.02
    same = autograd.rand((2,), generator=np.random.default_rng(1))
    np.testing.assert_array_equal(
        same.data, autograd.rand(2, generator=np.random.default_rng(1)).data
    )


def test_cat_is_concatenate_with_dim():
    a, b = X[:, :1], X[:, 1:]
    compare(
        lambda p, q: autograd.cat([p, q], dim=1),
        a,
        b,
        torch_call=lambda p, q: torch.cat([p, q], dim=1),
    )
    compare(
        lambda p, q: autograd.cat((p, q), axis=-1),
        a,
        b,
        torch_call=lambda p, q: torch.cat((p, q), -1),
    )
    assert autograd.cat([Tensor(X), Tensor(X)]).shape == (6, 4)
    with pytest.raises(TypeError, match="cat: give dim or axis, not both"):
        autograd.cat([Tensor(X)], dim=1, axis=1)


# --- grad modes -----------------------------------------------------------------------------


def test_set_grad_enabled_as_call_context_and_decorator():
    x = Tensor(1.0, requires_grad=True)
    with autograd.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with autograd.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    autograd.set_grad_enabled(False)  # as a call: the mode is set now, as torch's
    try:
        assert not autograd.is_grad_enabled()
    finally:
        autograd.set_grad_enabled(True)

    @autograd.set_grad_enabled(False)
    def double(t):
        return t * 2

    assert autograd.is_grad_enabled()  # decorating changes nothing
    assert not double(x).requires_grad
    assert autograd.is_grad_enabled()
    with pytest.raises(TypeError, match="set_grad_enabled: mode must be a bool, got 1"):
        autograd.set_grad_enabled(1)


def test_inference_mode_is_no_grad():
    x = Tensor(1.0, requires_grad=True)
    with autograd.inference_mode():
        assert not (x * 2).requires_grad
    with autograd.inference_mode(False):
        assert (x * 2).requires_grad
    with autograd.no_grad(), autograd.inference_mode(False):
        assert not autograd.is_grad_enabled()  # False leaves the mode as it is

    @autograd.inference_mode
    def bare(t):
        return t * 2

    @autograd.inference_mode()
    def called(t):
        return t * 2

    assert not bare(x).requires_grad
    assert not called(x).requires_grad
    assert autograd.is_grad_enabled()


# --- functional -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_f_activations_match_torch(name):
    compare(getattr(F, name), X, torch_call=getattr(torch, name))


@pytest.mark.parametrize("slope", [0.01, 0.2, -1.5])
def test_leaky_relu_matches_torch_also_at_zero(slope):
    values = np.array([[-2.0, 0.0, 0.5], [-0.0, 1e-3, -1e-3]])
    y = Tensor(values, requires_grad=True)
    y_t = torch.tensor(values, requires_grad=True)
    F.leaky_relu(y, slope).sum().backward()
    TF.leaky_relu(y_t, slope).sum().backward()
    np.testing.assert_array_equal(y.grad, y_t.grad.numpy())  # the slope at 0, as torch
    compare(lambda t: F.leaky_relu(t, slope), X, torch_call=lambda t: TF.leaky_relu(t, slope))
    assert F.leaky_relu(Tensor(X, requires_grad=True)).op == "leaky_relu"


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch(approximate):
    wide = np.concatenate([X.ravel(), [-30.0, -8.0, -0.0, 0.0, 1e-8, 6.0, 40.0]])
    compare(
        lambda t: F.gelu(t, approximate),
        wide,
        torch_call=lambda t: TF.gelu(t, approximate=approximate),
    )
    x32 = np.float32(X)  # float32 stays float32, within float32 rounding of torch's
    got = F.gelu(Tensor(x32), approximate)
    assert got.dtype == np.float32
    want = TF.gelu(torch.tensor(x32), approximate=approximate).numpy()
    np.testing.assert_allclose(got.data, want, rtol=1e-4, atol=1e-6)


def test_gelu_and_leaky_relu_errors_name_the_function():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        F.gelu(Tensor(X), "erf")
    with pytest.raises(TypeError, match="gelu: needs a floating-point tensor, got dtype int64"):
        F.gelu(Tensor(np.arange(3)))
    with pytest.raises(TypeError, match=r"leaky_relu: negative_slope must be a number, got '0\.1'"):
        F.leaky_relu(Tensor(X), "0.1")


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "b_shape"),
    [((3, 4), (2, 4), (2,)), ((2, 3, 4), (5, 4), None), ((4,), (2, 4), (2,)), ((3, 4), (4,), None)],
)
def test_linear_matches_torch(x_shape, w_shape, b_shape):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)]
    if b_shape is not None:
        arrays.append(rng.standard_normal(b_shape))
    compare(F.linear, *arrays, torch_call=TF.linear)


def test_linear_errors_name_the_shapes():
    x, w = Tensor(np.ones((3, 4))), Tensor(np.ones((2, 4)))
    with pytest.raises(
        ValueError, match=r"linear: input of shape \(3, 5\) does not fit weight of shape \(2, 4\)"
    ):
        F.linear(Tensor(np.ones((3, 5))), w)
    with pytest.raises(
        ValueError, match=r"linear: bias of shape \(3,\) does not fit weight of shape \(2, 4\)"
    ):
        F.linear(x, w, Tensor(np.ones(3)))
    with pytest.raises(
        ValueError, match=r"linear: weight must be 1-D or 2-D \(out, in\), got shape"
    ):
        F.linear(x, Tensor(np.ones((1, 2, 4))))


def test_one_hot_matches_torch():
    idx = np.array([[0, 2], [3, 1]])
    for num_classes in (-1, 4, 6):
        ours = F.one_hot(Tensor(idx), num_classes)
        theirs = TF.one_hot(torch.tensor(idx), num_classes)
        assert ours.dtype == np.int64
        assert not ours.requires_grad
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert F.one_hot(np.array(2), 3).data.tolist() == [0, 0, 1]
    with pytest.raises(
        ValueError, match="one_hot: class value 3 is out of range for num_classes=3"
    ):
        F.one_hot(Tensor(idx), 3)
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative, got -1"):
        F.one_hot(np.array([-1, 0]))
    with pytest.raises(TypeError, match="one_hot: indices must be integers, got dtype float32"):
        F.one_hot(Tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="one_hot: cannot infer num_classes from empty indices"):
        F.one_hot(np.array([], dtype=np.int64))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_l1_loss_matches_torch(reduction):
    target = X[::-1].copy()
    target[0, 0] = X[0, 0]  # equal there: gradient 0, as torch
    compare(
        lambda a, b: F.l1_loss(a, b, reduction),
        X,
        target,
        torch_call=lambda a, b: TF.l1_loss(a, b, reduction=reduction),
    )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0, 0.0])
def test_smooth_l1_loss_matches_torch(reduction, beta):
    target = X * 0.6
    target[1, 1] = X[1, 1] - beta  # on the boundary |d| == beta: the linear branch, as torch
    compare(
        lambda a, b: F.smooth_l1_loss(a, b, reduction, beta),
        X,
        target,
        torch_call=lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
    )


def test_loss_errors_name_the_function():
    x = Tensor(X)
    with pytest.raises(
        ValueError, match=r"l1_loss: input \(3, 4\) and target \(4,\) differ in shape"
    ):
        F.l1_loss(x, Tensor(np.ones(4)))
    with pytest.raises(ValueError, match="smooth_l1_loss: reduction must be one of"):
        F.smooth_l1_loss(x, x, reduction="avg")
    with pytest.raises(
        ValueError, match="smooth_l1_loss: beta must be a non-negative number, got -1"
    ):
        F.smooth_l1_loss(x, x, beta=-1.0)


@pytest.mark.parametrize(
    ("shape", "widths", "value"),
    [
        ((3, 4), (1, 2), 0.0),
        ((2, 3, 4), (1, 0, 2, 1), -1.0),
        ((2, 5), (-1, 2, 0, -1), None),
        ((4,), (0, 0), 2.0),
    ],
)
def test_pad_matches_torch(shape, widths, value):
    a = np.arange(float(np.prod(shape))).reshape(shape) / 3
    compare(
        lambda t: F.pad(t, widths, value=value),
        a,
        torch_call=lambda t: TF.pad(t, widths, value=value),
    )


def test_pad_errors_name_the_function():
    x = Tensor(X)
    with pytest.raises(ValueError, match=r"pad: pad must have an even length"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"pad: \(1, 1, 1, 1, 1, 1\) pads 3 axes, but the input"):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"pad: an axis of size 4 cannot be cropped by \(-3, -2\)"):
        F.pad(x, (-3, -2))
    with pytest.raises(
        NotImplementedError, match="pad: only mode='constant' is supported, got mode='reflect'"
    ):
        F.pad(x, (1, 1), mode="reflect")
    with pytest.raises(TypeError, match=r"pad: pad must be a sequence of ints, got \(1.5, 1\)"):
        F.pad(x, (1.5, 1))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_functional_softmax_takes_pytorchs_dim(name):
    x = Tensor(np.arange(6.0).reshape(2, 3))
    fn = getattr(F, name)
    np.testing.assert_array_equal(fn(x, dim=0).data, fn(x, axis=0).data)
    np.testing.assert_array_equal(fn(x, dim=0).data, fn(x, 0).data)
    assert not np.array_equal(fn(x, dim=0).data, fn(x).data)
    with pytest.raises(TypeError, match=f"{name}: got axis=1 and dim=0"):
        fn(x, 1, dim=0)
