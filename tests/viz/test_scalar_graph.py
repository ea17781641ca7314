"""Scalar graphs drawn like the slides: values above the wires, gradients below, every edge
``[local] × [upstream] = sent``. Checked on the DOT and on the rendered SVG's text."""

from __future__ import annotations

import numpy as np
import pytest

import viz
from autograd import Tensor
from tests.viz.svgtext import texts, texts_by_group
from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.style import BACKWARD, FORWARD, MUTED


@pytest.fixture(scope="module")
def add_mul_svg():
    c = add_mul_circuit()
    c["f"].backward()
    return viz.draw_graph(c["f"]).svg()


@pytest.fixture(scope="module")
def neuron_svg():
    n = sigmoid_neuron()
    n["f"].backward()
    return viz.draw_graph(n["f"], fmt=".2f").svg()


def test_add_mul_circuit_shows_every_value_gradient_and_edge_product(add_mul_svg):
    green, red = texts(add_mul_svg, FORWARD), texts(add_mul_svg, BACKWARD)
    for value in ("-2", "5", "-4", "3", "-12"):
        assert value in green, value
    # the slides: ∂f/∂x = -4, ∂f/∂y = -4, ∂f/∂z = 3, ∂f/∂q = -4, seed 1
    for grad in ("grad -4", "grad 3", "grad 1"):
        assert grad in red, grad
    for product in (
        "x: [1] × [-4] = -4",
        "y: [1] × [-4] = -4",
        "z: [3] × [1] = 3",
        "q: [-4] × [1] = -4",
    ):
        assert product in red, product


def test_sigmoid_neuron_shows_the_slide_numbers(neuron_svg):
    green, red = texts(neuron_svg, FORWARD), texts(neuron_svg, BACKWARD)
    for value in (
        "2.00",
        "-1.00",
        "-3.00",
        "-2.00",
        "6.00",
        "4.00",
        "1.00",
        "0.37",
        "1.37",
        "0.73",
    ):
        assert value in green, value
    for product in (
        "w0: [-1.00] × [0.20] = -0.20",
        "x0: [2.00] × [0.197] = 0.39",
        "w1: [-2.00] × [0.197] = -0.39",
        "x1: [-3.00] × [0.197] = -0.59",
        "w2: [1.00] × [0.20] = 0.20",
        "1+exp(-s): [-0.53] × [1.00] = -0.53",  # through 1/x
        "-s: [0.37] × [-0.53] = -0.20",  # through exp
    ):
        assert product in red, product


def test_every_wire_has_its_value_above_and_gradient_below(neuron_svg):
    groups = texts_by_group(neuron_svg)
    wires = {k: v for k, v in groups.items() if k.startswith("w") and "_" in k}
    assert len(wires) == 15  # one per recorded edge of the neuron
    for gid, items in wires.items():
        (value, vfill), (grad, gfill) = items
        assert vfill == FORWARD, gid
        assert value, gid
        assert gfill in (BACKWARD, MUTED), gid
        assert grad, gid  # constants say "constant"


def test_fan_out_shows_gradients_adding_up():
    x = Tensor(3.0, requires_grad=True, name="x")
    f = x * x + x
    f.backward()
    dot = viz.draw_graph(f).dot
    assert "grad 3 + 3 + 1 = 7" in dot  # two wires into ×, one into +
    assert float(x.grad) == 7


def test_before_backward_no_gradient_is_shown_and_the_picture_says_so():
    c = add_mul_circuit()
    g = viz.draw_graph(c["f"])
    assert "backward() has not run" in g.dot
    assert [t for t in texts(g.svg(), BACKWARD) if t] == []  # blank rows only
    assert "grad ?" in texts(g.svg(), MUTED)
    assert "grad 0" not in g.dot


def test_show_forward_and_backward_only():
    c = add_mul_circuit()
    c["f"].backward()
    fwd = viz.draw_graph(c["f"], show="forward").dot
    bwd = viz.draw_graph(c["f"], show="backward").dot
    assert "× [-4]" not in fwd
    assert "-12" in fwd
    assert "x: [1] × [-4] = -4" in bwd
    assert ">-12<" not in bwd
    with pytest.raises(ValueError, match="show must be one of"):
        viz.draw_graph(c["f"], show="sideways")


def test_fmt_controls_the_numbers():
    n = sigmoid_neuron()
    n["f"].backward()
    assert "x0: [2.000] × [0.1966] = 0.3932" in viz.draw_graph(n["f"], fmt=".3f").dot


def test_nan_node_is_drawn_in_alarm_colour_naming_the_op():
    x = Tensor(-1.0, requires_grad=True, name="x")
    with np.errstate(invalid="ignore"):
        f = x.log()
    f.backward()
    dot = viz.draw_graph(f).dot
    assert "NaN/inf in log" in dot


def test_a_300_node_scalar_graph_renders():
    x = Tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(150):
        y = (y * 0.9).tanh()
    y.backward()
    g = viz.draw_graph(y)
    assert len(g.snapshot.nodes) >= 300
    svg = g.svg()
    assert svg.count('class="node"') >= 300
    assert "x" in texts(svg)


def test_save_writes_each_format(tmp_path):
    c = add_mul_circuit()
    c["f"].backward()
    g = viz.draw_graph(c["f"])
    assert g.save(tmp_path / "f.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert g.save(tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert g.save(tmp_path / "f.dot").read_text(encoding="utf-8").startswith("digraph")
    shown = g._repr_svg_()  # the same picture, its ids unique on a page of several
    assert texts(shown) == texts(g.svg())
    assert shown != g._repr_svg_()
    with pytest.raises(ValueError, match=r"unknown suffix '\.jpg'"):
        g.save(tmp_path / "f.jpg")


def test_drawing_reads_the_graph_but_never_writes_it():
    n = sigmoid_neuron()
    viz.draw_graph(n["f"])
    assert all(t.grad is None for t in n.values())
    n["f"].backward()
    before = {k: np.array(t.grad) for k, t in n.items()}
    viz.draw_graph(n["f"]).svg()
    assert all(np.array_equal(before[k], t.grad) for k, t in n.items())


def test_name_scope_draws_clusters_in_scalar_graphs():
    import autograd

    a = Tensor(1.0, requires_grad=True, name="a")
    with autograd.name_scope("layer"):
        b = a * 2
    dot = viz.draw_graph(b).dot
    assert "subgraph cluster_" in dot
    assert "layer" in dot


def test_bad_roots_are_refused():
    with pytest.raises(TypeError, match="expected Tensors"):
        viz.draw_graph([1.0])
    with pytest.raises(ValueError, match="nothing to draw"):
        viz.draw_graph([])
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(Tensor(1.0), rankdir="XY")
