"""Recorded in-place ops on tensors in the graph (``c += c + 1``), with PyTorch's semantics:
the tensor keeps its identity, its history moves to the new node, nodes recorded before
the change keep the old history, and a node that saved the old values raises at backward."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
from autograd import Tensor, gradcheck, gradgradcheck, no_grad, topological_order


def f64(value, name=None):
    return Tensor(value, requires_grad=True, dtype="float64", name=name)


def micrograd_readme(new):
    """micrograd's README example, written with augmented assignment as it is there."""
    a = new(-4.0)
    b = new(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g, a, b


def micrograd_sanity(new):
    """micrograd's test_sanity_check program."""
    x = new(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y, x


def test_micrograd_readme_example_gives_its_numbers():
    g, a, b = micrograd_readme(f64)
    # the values micrograd's README prints for this program
    assert f"{g.item():.4f}" == "24.7041"
    assert f"{a.grad.item():.4f}" == "138.8338"
    assert f"{b.grad.item():.4f}" == "645.5773"


def test_micrograd_programs_match_micrograd_and_pytorch():
    engine = pytest.importorskip("micrograd.engine")
    torch = pytest.importorskip("torch")

    def new_torch(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    ours, theirs = micrograd_readme(f64), micrograd_readme(new_torch)
    values = micrograd_readme(engine.Value)
    for mine, ref, value in zip(ours, theirs, values):
        got = mine.item() if mine is ours[0] else mine.grad.item()
        want = ref.item() if ref is theirs[0] else ref.grad.item()
        assert got == pytest.approx(want, rel=1e-12)
        assert got == pytest.approx(value.data if value is values[0] else value.grad, rel=1e-12)
    (y, x), (ty, tx) = micrograd_sanity(f64), micrograd_sanity(new_torch)
    assert y.item() == ty.item()
    assert x.grad.item() == tx.grad.item()


def test_history_moves_to_the_new_node_and_earlier_consumers_keep_the_old():
    x = f64([1.0, 2.0], "x")
    c = x * x
    c.name = "c"
    before = c + 1  # recorded before the change: sends its gradient to the old c
    alias = c
    c += x
    assert alias is c
    assert c.op == "add"
    assert not c.is_leaf
    old = c.parents[0]
    assert old is not c
    assert (old.op, old.name) == ("mul", "c")
    assert before.parents[0] is old
    assert c.parents[1] is x
    np.testing.assert_array_equal(c.data, [2.0, 6.0])
    (before.sum() + 10 * c.sum()).backward()
    # d/dx [ (x² + 1) + 10 (x² + x) ] = 2x + 10 (2x + 1)
    np.testing.assert_array_equal(x.grad, 2 * x.data + 10 * (2 * x.data + 1))
    order = topological_order(c + before)
    assert any(t is old for t in order)
    assert any(t is c for t in order)


@pytest.mark.parametrize(
    "update",
    [
        lambda c, w: c.__iadd__(w),
        lambda c, w: c.__isub__(w * 2),
        lambda c, w: c.__imul__(w),
        lambda c, w: c.__itruediv__(w * w + 1),
        lambda c, w: c.__iadd__(c),
        lambda c, w: c.__imul__(c),
        lambda c, w: c.add_(w, alpha=-0.5),
        lambda c, w: c.__setitem__(slice(0, 2), w[1:] * 3),
        lambda c, w: c.__setitem__(np.array([2, 0]), w[:2]),
        lambda c, w: c.__setitem__(np.array([True, False, True]), c[1]),
    ],
    ids=["iadd", "isub", "imul", "idiv", "c+=c", "c*=c", "add_", "slice", "int array", "mask"],
)
def test_each_inplace_op_matches_pytorch_and_finite_differences(update):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xs = rng.uniform(0.5, 1.5, 3), rng.uniform(0.5, 1.5, 3)

    def program(x, w):
        c = x.tanh() * 2
        d = c * 3  # saved c's old value? mul keeps it only for the constant's gradient
        update(c, w)
        return (c * c).sum() + d.sum()

    x, w = f64(xs[0]), f64(xs[1])
    program(x, w).backward()
    tx, tw = (torch.tensor(a, requires_grad=True) for a in xs)
    try:
        program(tx, tw).backward()
        refused = ""
    except RuntimeError as e:
        refused = str(e)
    if refused:
        # PyTorch saved c itself for c *= c and refuses; tracegrad's node saved a copy of the
        # old values (the shell's), so its gradient is right: finite differences decide
        assert "modified by an inplace operation" in refused
    else:
        for mine, theirs in ((x, tx), (w, tw)):
            if theirs.grad is None:
                assert mine.grad is None
            else:
                np.testing.assert_allclose(mine.grad, theirs.grad.numpy(), rtol=1e-12)
    assert gradcheck(program, f64(xs[0]), f64(xs[1]))
    assert gradgradcheck(program, f64(xs[0]), f64(xs[1]))


def test_assigning_a_graph_value_into_a_plain_tensor_records_it():
    buf = Tensor(np.zeros(3))
    w = f64(2.0)
    buf[0] = w * 3
    buf[1:] = w
    assert buf.requires_grad
    assert buf.op == "setitem"
    (buf * buf).sum().backward()
    assert w.grad.item() == 2 * 6 * 3 + 2 * 2 + 2 * 2


def test_hooks_stay_with_the_value_they_were_registered_on():
    x = f64([1.0, 2.0])
    c = x * 1
    seen = []
    c.register_hook(lambda g: seen.append(("before", g.copy())))
    d = c * 3
    c *= x
    c.register_hook(lambda g: seen.append(("after", g.copy())))
    (c.sum() + d.sum()).backward()
    # as PyTorch: the hook from before sees d/d(old c) = 3 + x, the later one d/dc = 1
    assert [name for name, _ in seen] == ["after", "before"]
    np.testing.assert_array_equal(seen[0][1], [1.0, 1.0])
    np.testing.assert_array_equal(seen[1][1], 3 + x.data)
    np.testing.assert_array_equal(x.grad, [5.0, 7.0])


def test_a_node_that_saved_the_old_value_raises_at_backward():
    x = f64([0.5, 1.0])
    c = x * 2
    s = c.sin()  # saves its input
    c += 1
    with pytest.raises(RuntimeError, match=r"'sin': input 0 of shape \(2,\).*modified in place"):
        s.sum().backward()
    e = (x * 2).exp()  # saves its output
    e += 1
    with pytest.raises(RuntimeError, match=r"'exp': its output.*modified in place"):
        e.sum().backward()


def test_0d_operands_are_saved_as_scalars_so_nothing_goes_stale():
    x = f64(0.5)
    c = x * 2
    s = c.sin()  # scalar math: saved a copy of the scalar
    c += 1
    (s + c).backward()
    assert x.grad.item() == pytest.approx(2 * np.cos(1.0) + 2)


def test_refusals_name_the_op_and_keep_the_data():
    w = f64([1.0, 2.0], "w")
    with pytest.raises(RuntimeError, match="'w': a leaf tensor that requires grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    c = w * 1
    view = c[0:1]
    with pytest.raises(RuntimeError, match=r"in-place add on: .*view \('getitem'\)"):
        view += 1
    with pytest.raises(ValueError, match=r"in-place add: the result has shape \(2, 2\)"):
        c += Tensor([[1.0], [2.0]])
    np.testing.assert_array_equal(c.data, [1.0, 2.0])
    labels = Tensor(np.array([0, 1]))
    with pytest.raises(TypeError, match="the tensor is int64"):
        labels += w
    with pytest.raises(IndexError, match=r"writes some element .* twice"):
        c[np.array([0, 0])] = w
    np.testing.assert_array_equal(c.data, [1.0, 2.0])


def test_a_view_taken_before_the_change_is_refused_after_it():
    x = f64([1.0, 2.0, 3.0])
    c = x * 1
    v = c[0:2]
    w = v.reshape(2, 1)  # a view of a view
    early = (v * 2).sum()  # recorded before: fine
    c += 1
    for stale in (v, w):
        with pytest.raises(RuntimeError, match=r"view .* changed after the view was taken"):
            stale * 2
    early.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 0.0])
    (c[0:2] * 2).sum().backward()  # taken again: fine
    np.testing.assert_array_equal(x.grad, [4.0, 4.0, 0.0])


def test_no_grad_updates_stay_unrecorded():
    x = f64([1.0, 2.0])
    c = x * 1
    with no_grad():
        c += 1
    assert c.op == "mul"
    c.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_second_order_through_an_inplace_op():
    x = f64([0.5, -1.0])
    c = x * x
    c *= x  # x³
    (g,) = autograd.grad(c.sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    (h,) = autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(h, 6 * x.data)


def test_views_of_constants_follow_the_same_rules():
    # found by hypothesis: a reshape of a constant is a view of its data, recorded or not
    w = f64(2.0)
    c = Tensor(np.array(3.0))
    r = c.reshape(1)
    with pytest.raises(RuntimeError, match=r"in-place add on: this tensor is a view"):
        r += w
    assert c.item() == 3.0
    view = c.reshape(1)
    c += w  # c now holds 3 + w and its history; the view's data changed with it
    assert c.op == "add"
    with pytest.raises(RuntimeError, match="view of a tensor that an in-place op changed"):
        view * w
    (c * 2).backward()
    assert w.grad.item() == 2.0
