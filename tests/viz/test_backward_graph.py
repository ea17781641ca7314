"""The backward pass drawn: gradients recorded with ``create_graph=True`` are drawn as a
second pass beside the forward one (``viz.draw_backward``, ``draw_graph`` on a gradient),
checked on the DOT (structure) and on the rendered SVG (what a reader sees)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import autograd
import viz
from autograd import Tensor
from tests.viz.dotparse import parse_dot
from tests.viz.svgtext import NS, parse, texts, texts_by_group
from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.passes import LEVEL_COLOURS
from viz.style import BACKWARD, FORWARD

BACKWARD_FILL = LEVEL_COLOURS[1][0]
MARK = re.compile(r"^(∂ of (add|sub|mul|div|exp|neg|pow|sigmoid|tanh)\b|Σ grads into )")


@pytest.fixture(scope="module")
def add_mul():
    c = add_mul_circuit()
    g = viz.draw_backward(c["f"])
    return c, g, parse_dot(g.dot), g.svg()


@pytest.fixture(scope="module")
def neuron():
    n = sigmoid_neuron()
    g = viz.draw_backward(n["f"], fmt=".2f")
    return n, g, parse_dot(g.dot), g.svg()


def _backward_nodes(pic):
    return {i: n for i, n in pic.nodes.items() if n.fill == BACKWARD_FILL}


def test_every_backward_node_names_the_forward_op_it_is_the_backward_of(add_mul, neuron):
    for _, _, pic, _ in (add_mul, neuron):
        backward = _backward_nodes(pic)
        assert backward
        for _i, n in backward.items():
            assert n.box == 1, n.texts  # drawn in the backward pass's box
            assert MARK.match(n.texts[1]), n.texts
        # a "#k" in a label names a forward op that is drawn with that tag
        tags = {m for n in backward.values() for m in re.findall(r"#\d+", n.texts[1])}
        forward_titles = [n.texts[0] for n in pic.nodes.values() if n.box == 0]
        for tag in tags:
            assert any(t.endswith(" " + tag) for t in forward_titles), tag
    # the (x+y)·z circuit: both backward nodes are the backward of f's mul
    _, _, pic, _ = add_mul
    assert sorted(n.texts[1] for n in _backward_nodes(pic).values()) == ["∂ of mul (f)"] * 2


def test_every_forward_edge_of_add_mul_has_its_mirrored_backward_edge(add_mul):
    """Forward x→q, y→q (add), q→f, z→f (mul). Mirrored: the gradient sent back along each
    edge is drawn, ending in ∂f/∂<input>. Through a mul it is one backward node per input
    edge, ``mul`` of the upstream gradient and the *other* input; through an add it is the
    upstream gradient itself (the add's backward copies it to both inputs)."""
    _, _, pic, _ = add_mul
    idx = {
        name: pic.named(title)
        for name, title in [("x", "x"), ("y", "y"), ("z", "z"), ("q", "q = +"), ("f", "f = ×")]
    }
    name_of = {i: n for n, i in idx.items()}
    forward = sorted(
        (name_of[s], name_of[d]) for s, d, _ in pic.wires if s in name_of and d in name_of
    )
    assert forward == [("q", "f"), ("x", "q"), ("y", "q"), ("z", "f")]
    grad_of = {n[len("∂f/∂") :]: i for n, i in pic.outputs.items() if n.startswith("∂f/∂")}
    assert set(grad_of) == {"x", "y", "z", "q"}
    grad_of["f"] = pic.named("∂f/∂f")  # the seed, 1
    assert pic.nodes[grad_of["f"]].texts == ["∂f/∂f", "1"]
    for p, t in forward:
        gp, gt = grad_of[p], grad_of[t]
        if t == "f":  # mul: ∂f/∂p = upstream × the other input
            (other,) = [o for o, d in forward if d == "f" and o != p]
            assert pic.nodes[gp].texts[:2] == ["×", "∂ of mul (f)"], (p, t)
            assert pic.parents(gp) == {gt, idx[other]}, (p, t)
            assert pic.nodes[gp].box == 1
            assert pic.nodes[idx[other]].box == 0
        else:  # add: ∂f/∂p is ∂f/∂q, passed through unchanged (no node of its own)
            assert gp == gt, (p, t)
    # one backward node per differentiable input edge of the mul, and none for the add
    serving = [n.texts[1] for n in _backward_nodes(pic).values()]
    assert serving.count("∂ of mul (f)") == 2
    assert not any("add" in s for s in serving)


def _output_values(svg, pic):
    groups = texts_by_group(svg)
    out = {}
    for name, oid in pic.output_ids.items():
        wire = groups["ow" + oid[len("out") :]]
        out[name] = next(t for t, fill in wire if fill == FORWARD)
    return out


def test_the_slides_gradients_are_the_values_of_the_backward_pass(add_mul, neuron):
    _, _, pic, svg = add_mul
    assert _output_values(svg, pic) == {
        "f": "-12",
        "∂f/∂x": "-4",
        "∂f/∂y": "-4",
        "∂f/∂z": "3",
        "∂f/∂q": "-4",
    }
    _, _, pic, svg = neuron
    values = _output_values(svg, pic)
    expected = {"w0": "-0.20", "x0": "0.39", "w1": "-0.39", "x1": "-0.59", "w2": "0.20"}
    for name, value in expected.items():
        assert values[f"∂f/∂{name}"] == value, name
    assert values["∂f/∂s"] == "0.20"
    for label in ("forward pass", "∂f/∂x0", "∂ of div (f)", "∂ of exp (exp(-s))"):
        assert label in texts(svg), label


def _x_of(svg, gid):
    for g in parse(svg).iter(f"{NS}g"):
        if g.get("id") == gid:
            return float(next(g.iter(f"{NS}text")).get("x"))
    raise KeyError(gid)


def _box(svg, gid):
    for g in parse(svg).iter(f"{NS}g"):
        if g.get("id") == gid:
            shape = next(e for e in g if e.tag in (f"{NS}path", f"{NS}polygon"))
            nums = [
                float(v) for v in re.findall(r"-?\d+\.?\d*", shape.get("d") or shape.get("points"))
            ]
            ys = nums[1::2]
            return min(ys), max(ys)
    raise KeyError(gid)


def test_the_backward_pass_is_the_mirror_of_the_forward_pass(add_mul, neuron):
    for _, _, pic, svg in (add_mul, neuron):
        _forward_top, forward_bottom = _box(svg, "pass0")
        backward_top, _ = _box(svg, "pass1")
        assert forward_bottom < backward_top  # two halves: forward above, backward below
        # the forward runs left to right (x before f), the backward right to left (its
        # seed ∂f/∂f on the right, under f; the gradients of the inputs on the left)
        f, seed = pic.outputs["f"], pic.named("∂f/∂f")
        assert _x_of(svg, "n0") < _x_of(svg, f"n{f}")
        for name, _i in pic.outputs.items():
            if name.startswith("∂f/∂") and name != "∂f/∂f":
                assert _x_of(svg, pic.output_ids[name]) < _x_of(svg, f"n{seed}"), name


def test_a_sum_of_gradients_is_its_own_node_with_a_double_border():
    x = Tensor(3.0, requires_grad=True, name="x")
    f = x * x + x
    f.name = "f"
    pic = parse_dot(viz.draw_backward(f).dot)
    sums = [n for n in pic.nodes.values() if n.double]
    assert sums
    assert all(n.texts[1] == "Σ grads into x" for n in sums)
    assert all(n.box == 1 for n in sums)
    # ∂f/∂x = 2x + 1 = 7 leaves a Σ node
    assert pic.nodes[pic.outputs["∂f/∂x"]].double
    assert "7" in pic.nodes[pic.outputs["∂f/∂x"]].texts


def test_draw_graph_of_a_gradient_after_its_backward_shows_local_times_upstream():
    x = Tensor(2.0, requires_grad=True, name="x")
    f = x**3
    f.name = "f"
    (g,) = autograd.grad(f, x, create_graph=True)  # 3x² = 12, recorded
    g.backward()  # its gradient: 6x = 12
    assert float(x.grad) == 12.0
    graph = viz.draw_graph(g)
    pic = parse_dot(graph.dot)
    assert pic.nodes[pic.named("x")].box == 0  # a forward tensor the backward reuses
    assert {n.texts[1] for n in _backward_nodes(pic).values()} == {"∂ of pow (f)"}
    red = texts(graph.svg(), BACKWARD)
    assert "x: [4] × [3] = 12" in red  # ∂(x²)/∂x = 4, × the 3 of 3·x²
    assert "grad 12" in red


def test_a_second_order_backward_is_a_third_box():
    x = Tensor(2.0, requires_grad=True, name="x")
    f = x**3
    f.name = "f"
    (g1,) = autograd.grad(f, x, create_graph=True)
    (g2,) = autograd.grad(g1, x, create_graph=True)
    graph = viz.draw_graph([f, g1, g2], show="forward")
    pic = parse_dot(graph.dot)
    assert {n.box for n in pic.nodes.values()} == {0, 1, 2}
    second = [n for n in pic.nodes.values() if n.fill == LEVEL_COLOURS[2][0]]
    assert second
    assert all(n.box == 2 and n.texts[1].startswith("∂ of pow #") for n in second)
    assert "backward of the backward (2nd order)" in texts(graph.svg())
    assert float(g2.data) == 12.0
    assert "12" in second[-1].texts


def test_forward_only_pictures_have_no_passes():
    c = add_mul_circuit()
    c["f"].backward()
    dot = viz.draw_graph(c["f"]).dot
    assert "cluster_pass" not in dot
    assert "∂ of" not in dot
    assert "peripheries" not in dot


def test_tensor_graphs_draw_the_backward_pass_too():
    rng = np.random.default_rng(0)
    w = Tensor(rng.random((3, 4)), requires_grad=True, name="W")
    x = Tensor(rng.random((4, 2)), name="x")
    h = (w @ x).tanh()
    h.name = "h"
    loss = (h * h).sum()
    loss.name = "loss"
    graph = viz.draw_backward(loss, [w])
    dot = graph.dot
    assert "cluster_pass0" in dot
    assert "cluster_pass1" in dot
    assert f'fillcolor="{BACKWARD_FILL}"' in dot
    assert "dir=back" in dot
    shown = texts(graph.svg())
    for label in ("∂ of matmul #1", "∂ of tanh (h)", "= ∂loss/∂W", "matmul #1"):
        assert label in shown, label
    assert w.grad is None  # drawing computed the gradients without touching .grad


def test_draw_backward_refuses_what_has_no_backward():
    with pytest.raises(TypeError, match="draw_backward"):
        viz.draw_backward(3.0)
    with pytest.raises(ValueError, match="one element"):
        viz.draw_backward(Tensor(np.ones(3), requires_grad=True) * 2)
    with pytest.raises(ValueError, match="does not require grad"):
        viz.draw_backward(Tensor(1.0) * 2)
    c = add_mul_circuit()
    with pytest.raises(ValueError, match="wrt"):
        viz.draw_backward(c["f"], [Tensor(1.0)])
    with pytest.raises(TypeError, match="explode"):
        viz.draw_backward(c["f"], explode=True)
