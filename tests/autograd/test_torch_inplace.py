"""PyTorch's in-place Tensor methods (zero_, fill_, copy_, mul_, sub_, div_, clamp_),
retain_grad, square, logsumexp and gather, against torch (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor, gradcheck, no_grad

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.uniform(-2, 2, (3, 4))
W = RNG.uniform(0.5, 1.5, (4,))

UPDATES = {
    "zero_": lambda c, w: c.zero_(),
    "fill_": lambda c, w: c.fill_(w[1]),
    "fill_-number": lambda c, w: c.fill_(0.5),
    "copy_": lambda c, w: c.copy_(w * 2),
    "mul_": lambda c, w: c.mul_(w),
    "sub_": lambda c, w: c.sub_(w, alpha=0.5),
    "div_": lambda c, w: c.div_(w),
    "clamp_": lambda c, w: c.clamp_(-0.5, 0.7),
}


@pytest.mark.parametrize("name", UPDATES)
def test_recorded_inplace_methods_match_torch(name):
    def program(x, w):
        c = x.tanh() * 2
        out = UPDATES[name](c, w)
        assert out is c
        return (c * c).sum() + x.sum()

    ours = Tensor(X.copy(), requires_grad=True), Tensor(W.copy(), requires_grad=True)
    theirs = torch.tensor(X, requires_grad=True), torch.tensor(W, requires_grad=True)
    loss, tloss = program(*ours), program(*theirs)
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    loss.backward()
    tloss.backward()
    for mine, ref in zip(ours, theirs, strict=True):
        if ref.grad is None:
            assert mine.grad is None
        else:
            np.testing.assert_allclose(mine.grad, ref.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert gradcheck(
        program, Tensor(X.copy(), requires_grad=True), Tensor(W.copy(), requires_grad=True)
    )


def test_plain_inplace_methods_under_no_grad_change_a_parameter_and_bump_its_version():
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    y = (w * w).sum()  # saved w
    with no_grad():
        w.zero_().add_(1.0).mul_(3.0).clamp_(max=2.0)
    np.testing.assert_array_equal(w.data, np.full((2, 3), 2.0))
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.fill_(0.0)
    with pytest.raises(ValueError, match="clamp_: give min, max or both"):
        w.clamp_()


def test_retain_grad_is_accepted_and_the_grad_is_kept():
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, 2 * h.data)
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).retain_grad()


@pytest.mark.parametrize(("dim", "keepdim"), [(0, False), (1, True), (-1, False), ((0, 1), False)])
def test_logsumexp_matches_torch(dim, keepdim):
    x = X * 300  # large: the shift must keep exp finite
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours.logsumexp(dim, keepdim), theirs.logsumexp(dim, keepdim)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-10, atol=1e-300)
    assert gradcheck(lambda t: t.logsumexp(dim, keepdim), Tensor(X, requires_grad=True))


def test_logsumexp_of_minus_infinity_is_minus_infinity():
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]])
    np.testing.assert_array_equal(Tensor(x).logsumexp(1).data, [-np.inf, 0.0])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_matches_torch(dim):
    index = RNG.integers(0, X.shape[dim], size=(2, 3) if dim == 0 else (3, 3))
    ours, theirs = Tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    out, tout = ours.gather(dim, index), theirs.gather(dim, torch.as_tensor(index))
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    weights = RNG.standard_normal(out.shape)
    (out * Tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-12)


def test_gather_errors_name_the_problem():
    t = Tensor(X)
    with pytest.raises(TypeError, match="gather: index must be an integer array"):
        t.gather(0, np.zeros((1, 1)))
    with pytest.raises(ValueError, match="gather: index has 1 dims"):
        t.gather(0, np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="larger than the tensor's"):
        t.gather(0, np.zeros((1, 9), dtype=int))


def test_square_matches_multiplication():
    x = Tensor(X, requires_grad=True)
    x.square().sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * X)
