"""The Tensor methods added for programs ported from PyTorch (clone, min, dim, numel, t, long,
int, bool, var, std, prod, norm, neg, reciprocal, sign, erf, masked_fill, chunk, split,
repeat): values and gradients against torch in float64, gradcheck, and errors that name the
method and the bad value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Tensor, gradcheck, no_grad

torch = pytest.importorskip("torch")

X = np.sin(np.arange(24.0) + 0.5).reshape(2, 3, 4) * 2  # no ties, no zeros
M = np.array([[1.5, -0.5, 2.0], [0.0, -3.0, 0.25]])


def compare(call, *arrays, torch_call=None, rtol=1e-12):
    """``call`` on tracegrad and on torch tensors (float64): the same values and gradients."""
    torch_call = torch_call or call
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    y, y_t = call(*ours), torch_call(*theirs)
    np.testing.assert_allclose(y.data, y_t.detach().numpy(), rtol=rtol, atol=1e-14)
    seed = np.cos(np.arange(y.size) + 0.5).reshape(y.shape)
    y.backward(seed)
    y_t.backward(torch.tensor(seed))
    for a, a_t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad, a_t.grad.numpy(), rtol=rtol, atol=1e-14)
    return y


DIFFERENTIABLE = [
    ("clone", lambda t: t.clone()),
    ("min", lambda t: t.min()),
    # min(dim) gives the values only, as max(dim) does (torch: (values, indices))
    ("min dim", lambda t: t.min(dim=1), lambda t: t.min(dim=1).values),
    ("min dim keepdim", lambda t: t.min(dim=-1, keepdim=True), lambda t: t.amin(-1, True)),
    ("min axis", lambda t: t.min(1), lambda t: t.min(1).values),
    ("var", lambda t: t.var()),
    ("var dim", lambda t: t.var(1)),
    ("var dims keepdim", lambda t: t.var(dim=(0, 2), keepdim=True)),
    ("var unbiased False", lambda t: t.var(dim=2, unbiased=False)),
    ("var correction 0", lambda t: t.var(dim=0, correction=0)),
    ("var correction 2", lambda t: t.var(correction=2)),
    ("var positional bool", lambda t: t.var(False)),
    ("std", lambda t: t.std()),
    ("std dim keepdim", lambda t: t.std(dim=1, keepdim=True)),
    ("std unbiased False", lambda t: t.std(-1, False)),
    ("prod", lambda t: t.prod()),
    ("prod dim", lambda t: t.prod(1)),
    ("prod dim keepdim", lambda t: t.prod(dim=-1, keepdim=True)),
    ("norm", lambda t: t.norm()),
    ("norm fro", lambda t: t.norm(p="fro")),
    ("norm 2 dim", lambda t: t.norm(2, dim=1)),
    ("norm dims keepdim", lambda t: t.norm(dim=(0, 2), keepdim=True)),
    ("norm 1", lambda t: t.norm(p=1, dim=0)),
    ("norm inf", lambda t: t.norm(p=math.inf)),
    ("neg", lambda t: t.neg()),
    ("reciprocal", lambda t: t.reciprocal()),
    ("erf", lambda t: t.erf()),
    ("t", lambda t: t[0].t()),
    ("t 1-D", lambda t: t[0, 0].t()),
    ("repeat", lambda t: t.repeat(2, 1, 3)),
    ("repeat new axes", lambda t: t[0].repeat(2, 1, 1, 2)),
    ("split", lambda t: t.split(2, dim=2)[1] * 3),
    ("split uneven", lambda t: t.split(2, dim=1)[1]),
    ("chunk", lambda t: t.chunk(2, dim=-1)[0] - t.chunk(2, dim=-1)[1]),
]


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[d[0] for d in DIFFERENTIABLE])
def test_method_matches_torch(case):
    compare(case[1], X, torch_call=case[2] if len(case) > 2 else None)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=[d[0] for d in DIFFERENTIABLE])
def test_method_gradcheck(case):
    assert gradcheck(case[1], Tensor(X.copy(), requires_grad=True))


def test_clone_copies_data_and_passes_the_gradient():
    x = Tensor(M.copy(), requires_grad=True)
    c = x.clone()
    assert c.op == "clone"
    assert c.parents == (x,)
    assert not np.shares_memory(c.data, x.data)
    with no_grad():
        c += 1
    np.testing.assert_array_equal(x.data, M)  # the original is untouched
    (c * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(M.shape, 2.0))


def test_min_ties_share_the_gradient_as_torch():
    values = np.array([[3.0, -1.0, -1.0], [2.0, 2.0, 5.0]])
    compare(lambda t: t.min(), values)
    compare(lambda t: t.min(dim=1), values, torch_call=lambda t: t.amin(dim=1))
    x = Tensor(values, requires_grad=True)
    x.min(dim=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0.5, 0.5, 0]])


def test_min_mirrors_max_arguments():
    x = Tensor(X)
    np.testing.assert_array_equal(x.min(axis=0, keepdims=True).data, X.min(0, keepdims=True))
    with pytest.raises(TypeError, match="min: give axis or dim, not both"):
        x.min(axis=0, dim=0)


def test_prod_with_zeros_matches_torch():
    one_zero = np.array([[2.0, 0.0, -1.5], [0.5, 3.0, -2.0]])
    two_zeros = np.array([0.0, 1.5, 0.0, -2.0])
    compare(lambda t: t.prod(1), one_zero)
    compare(lambda t: t.prod(), one_zero)
    compare(lambda t: t.prod(), two_zeros)
    assert gradcheck(lambda t: t.prod(1), Tensor(one_zero, requires_grad=True))


def test_prod_dtype_and_integers():
    x = Tensor(np.array([2, 3, 4]))
    assert x.prod().item() == 24
    assert x.prod().dtype == np.int64
    assert Tensor(np.array([1.5, 2.0])).prod(dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match=r"prod: dim must be one int or None, got \(0, 1\)"):
        Tensor(X).prod(dim=(0, 1))


def test_norm_gradient_at_zero_is_zero_as_torch():
    zeros = np.zeros((2, 3))
    compare(lambda t: t.norm(), zeros)
    compare(lambda t: t.norm(dim=1), np.array([[0.0, 0.0, 0.0], [0.6, -0.8, 0.0]]))
    compare(lambda t: t.norm(p=1), zeros)
    compare(lambda t: t.norm(p=math.inf), zeros)
    compare(lambda t: t.norm(p=math.inf), np.array([1.0, -3.0, 3.0]))  # ties of both signs


def test_norm_refuses_other_p():
    with pytest.raises(ValueError, match="norm: p must be 2, 'fro', 1 or inf, got 3"):
        Tensor(X).norm(p=3)
    with pytest.raises(TypeError, match="norm: needs a floating-point tensor, got dtype int64"):
        Tensor(np.arange(3)).norm()


def test_std_of_equal_values_has_zero_gradient_as_torch():
    compare(lambda t: t.std(), np.full(4, 1.5))
    compare(lambda t: t.std(dim=1), np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_with_no_degrees_of_freedom_warn_and_match_torch(name):
    for values, kwargs in [(np.array([1.5]), {}), (np.array([1.0, 2.0]), {"correction": 2})]:
        with pytest.warns(RuntimeWarning, match=rf"{name}: degrees of freedom"):
            ours = getattr(Tensor(values), name)(**kwargs)
        with pytest.warns(UserWarning, match="degrees of freedom"):
            theirs = getattr(torch.tensor(values), name)(**kwargs)
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_var_std_errors_name_the_method():
    x = Tensor(X)
    with pytest.raises(TypeError, match="var: give unbiased or correction, not both"):
        x.var(unbiased=True, correction=1)
    with pytest.raises(TypeError, match="std: needs a floating-point tensor, got dtype int64"):
        Tensor(np.arange(4)).std()
    with pytest.raises(TypeError, match="var: correction must be a number, got 'one'"):
        x.var(correction="one")


def test_dim_numel_t_and_casts():
    x = Tensor(X, requires_grad=True)
    assert (x.dim(), x.numel()) == (3, 24)
    assert (Tensor(1.0).dim(), Tensor(1.0).numel()) == (0, 1)
    v = Tensor(np.arange(3.0))
    assert v.t() is v
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 dimensions, got"):
        x.t()
    for method, dtype in [("long", np.int64), ("int", np.int32), ("bool", np.bool_)]:
        got = getattr(x, method)()
        want = getattr(torch.tensor(X), method)()
        assert got.dtype == dtype
        assert not got.requires_grad
        assert got.is_leaf
        np.testing.assert_array_equal(got.data, want.numpy())
    labels = Tensor(np.array([1, 2]))
    assert labels.long() is labels


def test_sign_has_a_zero_gradient_as_torch():
    values = np.array([-2.0, 0.0, 0.5, -0.0, np.inf])
    y = compare(lambda t: t.sign(), values)
    assert y.op == "sign"
    np.testing.assert_array_equal(Tensor(np.array([np.nan])).sign().data, [np.nan])


def test_erf_matches_math_erf_to_a_few_ulps():
    x = np.concatenate([np.linspace(-7, 7, 2801), [0.0, 1.0, -1.0, 1e-300, 30.0, -np.inf]])
    want = np.array([math.erf(v) for v in x])
    got = Tensor(x).erf().data
    np.testing.assert_array_less(np.abs(got - want), 4 * np.spacing(np.abs(want)) + 1e-320)
    assert Tensor(np.float32([0.5])).erf().dtype == np.float32


def test_masked_fill_matches_torch():
    mask = np.array([[True, False, False], [False, True, True]])
    compare(
        lambda t: t.masked_fill(Tensor(mask), -1.5),
        M,
        torch_call=lambda t: t.masked_fill(torch.tensor(mask), -1.5),
    )
    row = np.array([True, False, True])  # broadcast over the rows
    compare(
        lambda t: t.masked_fill(row, 0.0),
        M,
        torch_call=lambda t: t.masked_fill(torch.tensor(row), 0.0),
    )


def test_masked_fill_value_tensor_gets_the_gradient_of_the_filled_places():
    mask = np.array([[True, False, False], [False, True, True]])
    compare(
        lambda t, v: t.masked_fill(mask, v),
        M,
        np.array(2.5),
        torch_call=lambda t, v: t.masked_fill(torch.tensor(mask), v),
    )


def test_masked_fill_errors_name_the_method():
    x = Tensor(M)
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor, got dtype int64"):
        x.masked_fill(np.array([1, 0, 1]), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(2, 2\) does not broadcast"):
        x.masked_fill(np.ones((2, 2), bool), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: value must be a number or a 0-d tensor"):
        x.masked_fill(np.ones(3, bool), Tensor([1.0, 2.0]))
    ints = Tensor(np.arange(3)).masked_fill(np.array([True, False, False]), 7.9)
    np.testing.assert_array_equal(ints.data, [7, 1, 2])  # the value takes the tensor's dtype


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((2,), {}), ((3,), {"dim": 1}), (([1, 3],), {"dim": 2}), ((1,), {"dim": -1}), ((5,), {})],
)
def test_split_matches_torch(args, kwargs):
    ours = Tensor(X).split(*args, **kwargs)
    theirs = torch.tensor(X).split(*args, **kwargs)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.data, b.numpy())


@pytest.mark.parametrize(("n", "chunks"), [(10, 4), (5, 6), (6, 3), (7, 2), (1, 3), (0, 3)])
def test_chunk_matches_torch(n, chunks):
    ours = Tensor(np.arange(float(n))).chunk(chunks)
    theirs = torch.arange(float(n), dtype=torch.float64).chunk(chunks)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]


def test_split_chunk_repeat_errors_name_the_method():
    x = Tensor(X)
    with pytest.raises(
        ValueError, match=r"split: sizes \[1, 1\] must be non-negative and add up to 3"
    ):
        x.split([1, 1], dim=1)
    with pytest.raises(ValueError, match="split: split_size must be positive, got 0"):
        x.split(0)
    with pytest.raises(IndexError, match="split: dim 3 is out of range"):
        x.split(1, dim=3)
    with pytest.raises(ValueError, match="chunk: chunks must be a positive int, got 0"):
        x.chunk(0)
    with pytest.raises(ValueError, match=r"repeat: 2 repeat counts \(2, 2\) for a tensor with 3"):
        x.repeat(2, 2)
    with pytest.raises(ValueError, match=r"repeat: repeat counts must be non-negative"):
        x.repeat(1, -1, 1)


def test_repeat_matches_torch_values():
    for sizes in [(1, 1, 1), (2, 3, 1), (0, 1, 2), (2, 1, 1, 1)]:
        np.testing.assert_array_equal(
            Tensor(X).repeat(*sizes).data, torch.tensor(X).repeat(*sizes).numpy()
        )
    np.testing.assert_array_equal(Tensor(X).repeat((2, 1, 1)).data, np.tile(X, (2, 1, 1)))
