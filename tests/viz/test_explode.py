"""explode_op: one small tensor op rebuilt element by element, so dW = xᵀ·dY is visible."""

from __future__ import annotations

import html

import numpy as np
import pytest

import autograd
import autograd.functional as F
from autograd import Tensor
from viz import draw_graph, explode_op
from viz.numbers import sum_text


def leaves(elements: list[Tensor]) -> dict[str, Tensor]:
    """The exploded graph's leaves by name, found by walking it from the returned roots."""
    found: dict[str, Tensor] = {}
    for root in elements:
        for t in autograd.topological_order(root):
            if t.is_leaf:
                assert found.get(t.name, t) is t, t.name
                found[t.name] = t
    return found


def _matmul(rng, backward: bool):
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="x")
    W = Tensor(rng.standard_normal((3, 2)), requires_grad=True, name="W")
    Y = x @ W
    Y.name = "Y"
    G = rng.standard_normal((2, 2))
    if backward:
        Y.backward(G)
    return x, W, Y, G


def test_matmul_explodes_to_products_and_sums_with_dW_equal_xT_dY(rng, float64):
    x, W, Y, G = _matmul(rng, backward=True)
    elements = explode_op(Y)
    assert len(elements) == 4
    for idx, e in zip(np.ndindex(2, 2), elements):
        assert e.shape in ((), (1,))
        assert e.name == f"Y[{idx[0]},{idx[1]}]"
        assert float(e.data.reshape(())) == pytest.approx(Y.data[idx], abs=1e-12)
    found = leaves(elements)
    names = {f"x[{i},{j}]" for i in range(2) for j in range(3)}
    names |= {f"W[{j},{k}]" for j in range(3) for k in range(2)}
    assert set(found) == names
    dW, dx = x.data.T @ G, G @ W.data.T  # computed here, not read from the engine
    for i, j in np.ndindex(2, 3):
        leaf = found[f"x[{i},{j}]"]
        assert float(leaf.data.reshape(())) == x.data[i, j]
        assert float(leaf.grad.reshape(())) == pytest.approx(dx[i, j], abs=1e-12)
    for j, k in np.ndindex(3, 2):
        g = float(found[f"W[{j},{k}]"].grad.reshape(()))
        assert g == pytest.approx(dW[j, k], abs=1e-12)
        assert g == pytest.approx(W.grad[j, k], abs=1e-12)


def test_matmul_picture_is_a_scalar_graph_of_the_exploded_op(rng, float64):
    x, W, Y, G = _matmul(rng, backward=True)
    graph = draw_graph(Y, explode=True)
    assert graph.snapshot.scalar
    assert graph.snapshot.backward_ran
    dot = html.unescape(graph.dot)
    for name in ("x[1,2]", "W[2,1]", "Y[1,1]"):
        assert name in dot
    assert "backward() has not run" not in dot
    # W[0,0] feeds Y[0,0] and Y[1,0]: its gradient is the sum x[0,0]·G[0,0] + x[1,0]·G[1,0]
    parts = [x.data[k, 0] * G[k, 0] for k in range(2)]
    assert f"grad {sum_text(parts, W.grad[0, 0])}" in dot  # adds up as shown (viz.numbers)


def test_broadcast_add_bias_collects_column_sums(rng, float64):
    a = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="a")
    b = Tensor(rng.standard_normal(3), requires_grad=True, name="b")
    y = a + b
    G = rng.standard_normal((2, 3))
    y.backward(G)
    elements = explode_op(y)
    np.testing.assert_array_equal(
        np.array([float(e.data.reshape(())) for e in elements]).reshape(2, 3), a.data + b.data
    )
    found = leaves(elements)
    assert {n for n in found if n.startswith("b")} == {"b[0]", "b[1]", "b[2]"}
    for j in range(3):
        assert float(found[f"b[{j}]"].grad.reshape(())) == pytest.approx(G[:, j].sum(), abs=1e-12)
    for i, j in np.ndindex(2, 3):
        assert float(found[f"a[{i},{j}]"].grad.reshape(())) == pytest.approx(G[i, j], abs=1e-12)
    dot = html.unescape(draw_graph(y, explode=True).dot)
    for j in range(3):
        total = G[:, j].sum()
        one, other = sum_text([G[0, j], G[1, j]], total), sum_text([G[1, j], G[0, j]], total)
        assert f"grad {one}" in dot or f"grad {other}" in dot, j
    # a's elements each feed one output: no fan-out sum on them
    assert f"grad {format(G[0, 0], '.4g')}" in dot


def test_softmax_explodes_to_exps_and_a_division(rng, float64):
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="x")
    s = F.softmax(x, axis=-1)
    G = rng.standard_normal((2, 3))
    s.backward(G)
    elements = explode_op(s)
    values = np.array([float(e.data.reshape(())) for e in elements]).reshape(2, 3)
    np.testing.assert_allclose(values, s.data, rtol=0, atol=1e-12)
    found = leaves(elements)
    grads = np.array(
        [[float(found[f"x[{i},{j}]"].grad.reshape(())) for j in range(3)] for i in range(2)]
    )
    np.testing.assert_allclose(grads, x.grad, rtol=0, atol=1e-12)
    expected = s.data * (G - (G * s.data).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(grads, expected, rtol=0, atol=1e-12)
    ops = {t.op for e in elements for t in autograd.topological_order(e)}
    assert {"exp", "div"} <= ops


def test_explode_before_backward_has_no_gradients(rng, float64):
    x, W, Y, _ = _matmul(rng, backward=False)
    elements = explode_op(Y)
    assert all(e.grad is None for e in elements)
    assert all(t.grad is None for t in leaves(elements).values())
    graph = draw_graph(Y, explode=True)
    assert not graph.snapshot.backward_ran
    assert "backward() has not run" in graph.dot
    assert "grad ?" in graph.dot
    assert x.grad is None
    assert W.grad is None
    assert Y.grad is None


def test_refuses_leaves():
    x = Tensor(np.ones((2, 2)), requires_grad=True, name="x")
    with pytest.raises(ValueError, match="leaf"):
        explode_op(x)


def test_refuses_unsupported_ops(rng, float64):
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="'reshape'"):
        explode_op(x.reshape(3, 2))
    img = Tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True)
    k = Tensor(rng.standard_normal((1, 1, 2, 2)), requires_grad=True)
    y = F.conv2d(img, k)
    with pytest.raises(ValueError, match=repr(y.op)):
        explode_op(y)


def test_refuses_large_ops(rng, float64):
    a = Tensor(rng.standard_normal((30, 30)), requires_grad=True)
    b = Tensor(rng.standard_normal((30, 30)), requires_grad=True)
    with pytest.raises(ValueError, match=r"matmul.*2700 elements"):
        explode_op(a @ b)
    with pytest.raises(ValueError, match="2700 elements"):
        draw_graph(a @ b, explode=True)


def test_explode_leaves_the_original_graph_untouched(rng, float64):
    x, W, Y, _ = _matmul(rng, backward=True)
    before = [t.grad.copy() for t in (x, W, Y)]
    data = [t.data.copy() for t in (x, W, Y)]
    explode_op(Y)
    draw_graph(Y, explode=True)
    draw_graph(Y, explode=Y)
    for g0, d0, t in zip(before, data, (x, W, Y)):
        assert np.array_equal(g0, t.grad)
        assert np.array_equal(d0, t.data)
    assert [id(p) for p in Y.parents] == [id(x), id(W)]


@pytest.mark.parametrize(("op", "scale"), [("sum", 1.0), ("mean", 1 / 6)])
def test_full_reduction_explodes_to_a_chain_of_sums(rng, float64, op, scale):
    x = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="x")
    y = getattr(x, op)()
    y.backward()
    (out,) = explode_op(y)
    assert np.isclose(float(out.data), float(y.data))
    assert out.name == "y"
    elements = {k: t for k, t in leaves([out]).items() if k and k.startswith("x[")}
    assert len(elements) == 6
    for name, leaf in elements.items():
        assert np.isclose(float(leaf.grad), scale), name  # every element gets dy/dx = scale
    draw_graph(y, explode=True).svg()


def test_refuses_empty_ops():
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="nothing to explode"):
        explode_op(x.exp())
