"""backward() semantics: seeding, accumulation, intermediate gradients, grad(), modes."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Function, Tensor, no_grad


def test_leaves_accumulate_and_intermediates_are_reset():
    x = Tensor(3.0, requires_grad=True)
    y = x * x
    z = y * 2
    z.backward()
    assert x.grad == 12.0
    assert y.grad == 2.0
    z.backward()
    assert x.grad == 24.0  # leaves accumulate across calls
    assert y.grad == 2.0  # an intermediate holds this backward's gradient only


def test_leaf_grad_is_a_private_writable_copy():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # add sends the same array to both inputs
    assert a.grad is not b.grad
    a.grad *= 10  # clip-style in-place scaling must not leak into b
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: (a + b) * (a + b),
        lambda a, b: autograd.stack([a, b]) * 3,
        lambda a, b: autograd.concatenate([a, b]).reshape(2, 2).T,
        lambda a, b: a - b,
    ],
)
def test_leaves_never_share_gradient_memory(combine):
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    combine(a, b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    assert a.grad.flags.writeable
    assert b.grad.flags.writeable


def test_leaf_grad_does_not_alias_the_callers_seed():
    w = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.ones(2)
    w.backward(seed)
    seed[0] = 100.0
    np.testing.assert_array_equal(w.grad, [1.0, 1.0])


def test_fan_out_gradients_add_up():
    x = Tensor(2.0, requires_grad=True)
    y = x * 3 + x * x + x
    y.backward()
    assert x.grad == 3 + 2 * 2 + 1


def test_non_scalar_backward_needs_grad():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*y.sum\(\).backward\(\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\)"):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, -1.0]))
    np.testing.assert_array_equal(y.parents[0].grad, [2.0, -2.0])


def test_backward_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor(1.0) * 2).backward()


def test_single_element_non_scalar_is_seeded_with_one():
    x = Tensor([[2.0]], requires_grad=True)
    (x * x).backward()
    assert x.grad.shape == (1, 1)
    assert x.grad[0, 0] == 4.0


def test_no_grad_records_nothing_and_enable_grad_restores():
    x = Tensor(1.0, requires_grad=True)
    with no_grad():
        y = x * 2
        with autograd.enable_grad():
            z = x * 2
    assert not y.requires_grad
    assert y.parents == ()
    assert z.requires_grad
    assert z.parents[0] is x
    assert autograd.is_grad_enabled()


def test_no_grad_as_decorator():
    @no_grad()
    def f(t):
        return t * 2

    assert not f(Tensor(1.0, requires_grad=True)).requires_grad
    assert autograd.is_grad_enabled()


def test_no_grad_decorator_restores_the_mode_after_recursive_calls():
    seen = []

    @autograd.enable_grad()
    def inner(depth):
        seen.append(autograd.is_grad_enabled())
        if depth:
            with no_grad():
                inner(depth - 1)
                seen.append(autograd.is_grad_enabled())

    inner(2)
    assert seen == [True, True, True, False, False]
    assert autograd.is_grad_enabled()
    with no_grad():
        inner(1)
        assert not autograd.is_grad_enabled()  # the decorated call gave back no_grad's mode


def test_grad_returns_gradients_without_touching_dot_grad():
    x = Tensor(3.0, requires_grad=True)
    w = Tensor(2.0, requires_grad=True)
    y = x * w
    gx, gw = autograd.grad(y, [x, w])
    assert (gx, gw) == (2.0, 3.0)
    assert x.grad is None
    assert w.grad is None
    assert y.grad is None


def test_grad_unused_input():
    x = Tensor(1.0, requires_grad=True)
    unused = Tensor(1.0, requires_grad=True, name="u")
    with pytest.raises(ValueError, match="was not used"):
        autograd.grad(x * 2, [x, unused])
    assert autograd.grad(x * 2, [x, unused], allow_unused=True)[1] is None


def test_hook_sees_and_replaces_the_gradient():
    x = Tensor(2.0, requires_grad=True)
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(float(g)))
    handle = h.register_hook(lambda g: g * 10)
    (h * h).backward()
    assert seen == [12.0]  # d(h²)/dh = 2h = 12
    assert x.grad == 360.0  # replaced gradient 120 flows on: 120 · 3
    handle.remove()
    x.grad = None
    (h * h).backward()
    assert x.grad == 36.0


def test_hook_on_leaf_changes_what_accumulates():
    x = Tensor(1.0, requires_grad=True)
    x.register_hook(lambda g: g * 0)
    (x * 5).backward()
    assert x.grad == 0.0


def test_hook_shape_must_match():
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: np.ones(3))
    with pytest.raises(RuntimeError, match=r"shape \(3,\), expected \(2,\)"):
        (x * 1).sum().backward()


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor(1.0).register_hook(print)


def test_name_scope_tags_tensors_and_nests():
    x = Tensor(1.0, requires_grad=True)
    with autograd.name_scope("net"), autograd.name_scope("fc1") as path:
        y = x * 2
    assert path == "net.fc1"
    assert y.scope == "net.fc1"
    assert (y + 1).scope == ""
    assert autograd.current_scope() == ""


def test_topological_order_puts_inputs_first():
    x = Tensor(1.0, requires_grad=True, name="x")
    c = Tensor(2.0, name="c")
    y = x * c
    z = y + x
    order = autograd.topological_order(z)
    assert order[-1] is z
    assert set(map(id, order)) == {id(x), id(c), id(y), id(z)}
    position = {id(t): i for i, t in enumerate(order)}
    for t in order:
        assert all(position[id(p)] < position[id(t)] for p in t.parents)
    assert [t.name for t in order[:2]] == ["x", "c"]  # arguments in order


def test_vjp_gives_local_gradients_and_none_for_constants():
    x = Tensor(3.0, requires_grad=True)
    y = x * Tensor(4.0)
    assert y.vjp(1.0)[0] == 4.0
    assert y.vjp(1.0)[1] is None
    assert x.vjp(1.0) == ()


def test_vjp_checks_the_upstream_shape():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"upstream gradient of shape \(3,\)"):
        y.vjp(np.ones(3))


def test_batched_input_times_transposed_weight_backpropagates():
    """Regression: a (B, T, D) input against ``w.T`` (a column-major view) must reduce the
    weight gradient over the batch instead of transposing all three axes."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((2, 4, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 5)), requires_grad=True)
    g = rng.standard_normal((2, 4, 3))
    (x @ w.T).backward(g)
    np.testing.assert_allclose(w.grad, np.einsum("bti,btj->ij", g, x.data), rtol=1e-12)
    np.testing.assert_allclose(x.grad, g @ w.data, rtol=1e-12)
    assert w.grad.flags.c_contiguous  # laid out like w, though computed for its transpose


def test_stacked_rows_times_one_matrix_fold_into_one_product():
    """(…, n, k) @ (k, m) is computed as one (… · n, k) @ (k, m) product, forward and
    backward (a sequence through a Linear layer): numpy's numbers, for a strided input too."""
    rng = np.random.default_rng(2)
    base = rng.standard_normal((4, 3, 2, 5))
    x = Tensor(base, requires_grad=True)
    strided = x.transpose(1, 0, 2, 3)  # (3, 4, 2, 5), not contiguous
    w = Tensor(rng.standard_normal((5, 6)), requires_grad=True)
    y = strided @ w
    np.testing.assert_allclose(y.data, np.matmul(base.transpose(1, 0, 2, 3), w.data), rtol=1e-12)
    g = rng.standard_normal(y.shape)
    y.backward(g)
    np.testing.assert_allclose(w.grad, np.einsum("abij,abik->jk", base.transpose(1, 0, 2, 3), g))
    np.testing.assert_allclose(x.grad, (g @ w.data.T).transpose(1, 0, 2, 3), rtol=1e-12)


@pytest.mark.parametrize(("batch", "out"), [(1, 3), (4, 1), (1, 1)])
def test_outer_product_gradients_equal_blas_and_keep_the_weight_layout(batch, out):
    """A product whose gradient is an outer product (one row in the batch, or one output
    column) is computed by a broadcast multiply: the same numbers, and ``w.grad`` still
    row-major like ``w``."""
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((batch, 5)), requires_grad=True)
    w = Tensor(rng.standard_normal((out, 5)), requires_grad=True)
    g = rng.standard_normal((batch, out))
    (x @ w.T).backward(g)
    np.testing.assert_array_equal(w.grad, g.T @ x.data)
    np.testing.assert_array_equal(x.grad, g @ w.data)
    assert w.grad.flags.c_contiguous


class CountingSquare(Function, register=False):
    """x², counting how often its backward runs."""

    calls = 0

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        CountingSquare.calls += 1
        (a,) = ctx.saved_tensors
        # d/da: 2a
        return grad * 2 * a


def _diamond(x: Tensor) -> Tensor:
    # x -> s = x² -> (3s, s + 1) -> their product: two paths from s to the root
    s = CountingSquare.apply(x)
    left = s * 3.0
    right = s + 1.0
    return left * right  # f = 3x²(x² + 1) = 3x⁴ + 3x², f' = 12x³ + 6x


@pytest.mark.parametrize("via", ["backward", "grad"])
def test_diamond_graph_sums_both_paths_and_runs_each_backward_once(via):
    x = Tensor(np.array([0.5, -2.0]), requires_grad=True)
    f = _diamond(x).sum()
    CountingSquare.calls = 0
    if via == "backward":
        f.backward()
        got = x.grad
    else:
        (got,) = autograd.grad(f, [x])
        assert x.grad is None
    expected = 12 * x.data**3 + 6 * x.data
    np.testing.assert_allclose(got, expected)
    assert CountingSquare.calls == 1


def test_grad_of_an_intermediate_in_a_diamond():
    x = Tensor(np.array([1.5]), requires_grad=True)
    s = x * x
    f = (s * 3.0 * (s + 1.0)).sum()
    (gs, gx) = autograd.grad(f, [s, x])
    # df/ds = 3(s + 1) + 3s = 6s + 3
    np.testing.assert_allclose(gs, 6 * s.data + 3)
    np.testing.assert_allclose(gx, gs * 2 * x.data)


def test_fan_in_sums_in_place_only_into_arrays_the_sweep_made():
    # add's backward hands one array to x and y; x then receives two more gradients, which
    # the sweep sums into an array of its own, never into the one y also holds
    x = Tensor(np.ones(3), requires_grad=True)
    y = Tensor(np.ones(3), requires_grad=True)
    mid = x + y
    out = mid * 1.0 + x * 2.0 + x * 3.0 + mid * 4.0
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [10.0, 10.0, 10.0])  # 1 + 4 (via mid) + 2 + 3
    np.testing.assert_array_equal(y.grad, [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(mid.grad, [5.0, 5.0, 5.0])
    seed = np.ones(3)
    z = x * 1.0
    w = z + z + z  # three gradients for z, the first two the seed array itself
    w.backward(seed)
    np.testing.assert_array_equal(z.grad, [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(seed, [1.0, 1.0, 1.0])
