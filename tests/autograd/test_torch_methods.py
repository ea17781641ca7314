"""PyTorch's Tensor names on tracegrad's Tensor: each against torch (values and gradients),
their errors, and the one rule for mixing float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor

torch = pytest.importorskip("torch")

X = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.5

# (name, call on a tracegrad or torch tensor): differentiable methods, same name in both
METHODS = [
    ("view", lambda t: t.view(4, 6)),
    ("view tuple", lambda t: t.view((3, -1))),
    ("unsqueeze 0", lambda t: t.unsqueeze(0)),
    ("unsqueeze -1", lambda t: t.unsqueeze(-1)),
    ("squeeze all", lambda t: t.unsqueeze(1).squeeze()),
    ("squeeze dim", lambda t: t.unsqueeze(2).squeeze(2)),
    ("squeeze not 1", lambda t: t.squeeze(1)),
    ("permute", lambda t: t.permute(2, 0, 1)),
    ("permute negative", lambda t: t.permute(-1, 0, 1)),
    ("flatten", lambda t: t.flatten()),
    ("flatten 1", lambda t: t.flatten(1)),
    ("flatten 0 1", lambda t: t.flatten(0, 1)),
    ("expand", lambda t: t[:, :1, :].expand(2, 5, 4)),
    ("expand new axis", lambda t: t.expand(3, 2, 3, 4)),
    ("expand -1", lambda t: t[:1].expand(4, -1, -1)),
    ("clamp", lambda t: t.clamp(-0.5, 0.5)),
    ("clamp min", lambda t: t.clamp(min=0.1)),
    ("clamp max", lambda t: t.clamp(max=-0.2)),
    ("pow", lambda t: t.pow(2)),
    ("softmax", lambda t: t.softmax(dim=1)),
    ("log_softmax", lambda t: t.log_softmax(dim=-1)),
    ("sum dim", lambda t: t.sum(dim=1)),
    ("sum dims keepdim", lambda t: t.sum(dim=(0, 2), keepdim=True)),
    ("mean dim", lambda t: t.mean(dim=-1, keepdim=True)),
    ("sin cos", lambda t: t.sin() * t.cos()),
]


@pytest.mark.parametrize(("name", "call"), METHODS, ids=[m[0] for m in METHODS])
def test_method_matches_torch_values_and_gradient(name, call):
    ours = Tensor(X.copy(), requires_grad=True)
    theirs = torch.tensor(X.copy(), requires_grad=True)
    y_ours, y_theirs = call(ours), call(theirs)
    np.testing.assert_allclose(y_ours.data, y_theirs.detach().numpy(), rtol=1e-12, atol=1e-15)
    seed = np.cos(np.arange(y_ours.size)).reshape(y_ours.shape)
    y_ours.backward(seed)
    y_theirs.backward(torch.tensor(seed))
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_max_with_dim_matches_torch_amax():
    ours = Tensor(X.copy(), requires_grad=True)
    theirs = torch.tensor(X.copy(), requires_grad=True)
    ours.max(dim=2).sum().backward()
    theirs.amax(dim=2).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy())


def test_clamp_gradient_passes_at_the_bounds_as_torch():
    values = np.array([-1.0, -0.5, 0.0, 0.5, 1.0, np.nan])
    ours = Tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    ours.clamp(-0.5, 0.5).sum().backward()
    theirs.clamp(-0.5, 0.5).sum().backward()
    np.testing.assert_array_equal(ours.grad, theirs.grad.numpy())
    inverted = Tensor(values[:5]).clamp(min=1.0, max=-1.0)  # min > max: every value is max
    np.testing.assert_array_equal(inverted.data, np.full(5, -1.0))


def test_clamp_refuses_no_bounds_and_tensor_bounds():
    x = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="clamp: give min, max or both"):
        x.clamp()
    with pytest.raises(TypeError, match="clamp: min must be a number"):
        x.clamp(Tensor(0.0))


@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (1, False), (-1, True)])
def test_argmax_argmin_are_indices_without_graph(dim, keepdim):
    ours = Tensor(X * np.array([1, -1, 1, -1]), requires_grad=True)
    theirs = torch.tensor(X * np.array([1, -1, 1, -1]))
    for name in ("argmax", "argmin"):
        got = getattr(ours, name)(dim=dim, keepdim=keepdim)
        want = getattr(theirs, name)(dim=dim, keepdim=keepdim)
        assert got.dtype == np.int64
        assert not got.requires_grad
        np.testing.assert_array_equal(got.data, want.numpy())


def test_tolist_float_double_to_astype():
    x = Tensor(np.array([[1.5, 2.0]], dtype=np.float32), requires_grad=True)
    assert x.tolist() == [[1.5, 2.0]]
    assert Tensor(2.5).tolist() == 2.5
    assert x.float() is x
    assert x.to("cpu") is x
    assert x.to(device="cpu") is x
    d = x.double()
    assert d.dtype == np.float64
    assert d.op == "cast"
    d.sum().backward()
    assert x.grad.dtype == np.float32  # the gradient is cast back
    np.testing.assert_array_equal(x.grad, [[1.0, 1.0]])
    labels = x.astype(np.int64)
    assert labels.dtype == np.int64
    assert not labels.requires_grad
    assert x.to(np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="CPU only"):
        x.to("cuda")


def test_shape_method_errors_name_the_method():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"unsqueeze: dim 3 is out of range"):
        x.unsqueeze(3)
    with pytest.raises(ValueError, match=r"permute: \(0, 0\) is not a permutation"):
        x.permute(0, 0)
    with pytest.raises(ValueError, match="flatten: start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)
    with pytest.raises(ValueError, match="expand: -1 is not allowed for the new leading"):
        x.expand(-1, 2, 3)
    with pytest.raises(TypeError, match="sum: give axis or dim, not both"):
        x.sum(axis=0, dim=0)
    with pytest.raises(TypeError, match="view: sizes must be ints"):
        x.view(2.0, 3)


def test_flatten_and_squeeze_of_a_0d_tensor():
    s = Tensor(3.0, requires_grad=True)
    assert s.flatten().shape == (1,)
    assert s.squeeze().shape == ()
    assert s.squeeze(0) is s


# --- one rule for mixed float32 / float64 ---------------------------------------------------


def test_mixed_float_dtypes_promote_as_numpy():
    """Tensors of float32 and float64 combine as numpy arrays do (NEP 50): the result is
    float64, also when the float64 operand is 0-d, where PyTorch keeps float32; a Python
    number takes the tensor's dtype (both libraries agree). Each gradient comes back in its
    own input's dtype."""
    a = Tensor(np.ones(3, np.float32), requires_grad=True)
    b = Tensor(np.float64(2.0), requires_grad=True)
    y = a * b
    assert y.dtype == np.float64
    assert (torch.ones(3) * torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float32
    y.sum().backward()
    assert a.grad.dtype == np.float32
    assert b.grad.dtype == np.float64
    assert (a * 2.5).dtype == np.float32
    assert (a + Tensor(np.ones(3))).dtype == np.float64
    assert autograd.get_default_dtype() == np.float32
