"""Every ``show=`` view of every scalar circuit renders for real: the course circuits, graphs
with constants, graphs before backward, and random small circuits (hypothesis) under any
valid number format."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import viz
from autograd import Tensor
from tests.viz.svgtext import parse, texts
from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.scalar_dot import SHOWS
from viz.style import MUTED


def _neuron():
    return sigmoid_neuron()["f"]


def _add_mul():
    return add_mul_circuit()["f"]


def _sqrt_by_pow():
    x = Tensor(4.0, requires_grad=True, name="x")
    return x**0.5  # the exponent 0.5 is an unnamed constant leaf


def _constant_only_parent():
    x = Tensor(3.0, requires_grad=True)
    return (x * 2.0 + 1.0).tanh()  # unnamed leaf and unnamed constants


CIRCUITS = {
    "add_mul": _add_mul,
    "sigmoid neuron": _neuron,
    "x**0.5": _sqrt_by_pow,
    "constants": _constant_only_parent,
}


@pytest.mark.parametrize("backward", [True, False], ids=["after backward", "before backward"])
@pytest.mark.parametrize("show", SHOWS)
@pytest.mark.parametrize("circuit", sorted(CIRCUITS))
def test_every_show_renders_every_circuit(circuit, show, backward):
    f = CIRCUITS[circuit]()
    if backward:
        f.backward()
    svg = viz.draw_graph(f, show=show).svg()
    root = parse(svg)
    nodes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert nodes


def test_backward_view_labels_a_constant_as_const():
    f = _sqrt_by_pow()
    f.backward()
    svg = viz.draw_graph(f, show="backward").svg()
    assert "const" in texts(svg)
    assert "grad 0.25" in " ".join(texts(svg))  # d√x/dx at 4


def test_backward_view_of_the_neuron_keeps_the_slide_gradients():
    f = _neuron()
    f.backward()
    shown = " ".join(texts(viz.draw_graph(f, show="backward", fmt=".2f").svg()))
    assert "x0: [2.00] × [0.197] = 0.39" in shown
    assert "constant" in texts(viz.draw_graph(f, show="backward").svg(), MUTED)


# -- random small scalar circuits --------------------------------------------------------
UNARY = ("exp", "tanh", "sigmoid", "relu", "neg", "log", "sqrt", "abs")
BINARY = ("add", "sub", "mul", "div", "pow")


def _apply(op: str, a: Tensor, b: Tensor | None) -> Tensor:
    with np.errstate(all="ignore"):
        if op == "neg":
            return -a
        if op in ("exp", "tanh", "sigmoid", "relu", "log", "sqrt", "abs"):
            return getattr(a, op)()
        if op == "add":
            return a + b
        if op == "sub":
            return a - b
        if op == "mul":
            return a * b
        if op == "div":
            return a / b
        return a**2.0  # pow by a constant exponent


fmt_specs = st.builds(
    lambda sign, alt, zero, width, group, prec, kind: (
        f"{sign}{alt}{zero}{width}{group}{prec}{kind}"
    ),
    st.sampled_from(["", "+", "-", " "]),
    st.sampled_from(["", "#"]),
    st.sampled_from(["", "0"]),
    st.sampled_from(["", "1", "8", "40"]),
    st.sampled_from(["", ",", "_"]),
    st.sampled_from(["", ".0", ".3", ".40"]),
    st.sampled_from(["", "e", "E", "f", "F", "g", "G", "%"]),
)

names = st.one_of(st.none(), st.text(max_size=6))


@st.composite
def circuits(draw):
    """A random circuit of at most 8 ops over up to 3 leaves and some constants."""
    leaves = []
    for k in range(draw(st.integers(1, 3))):
        value = draw(st.floats(-3, 3, allow_nan=False))
        leaves.append(Tensor(value, requires_grad=draw(st.booleans()) or k == 0, name=draw(names)))
    pool = list(leaves)
    for _ in range(draw(st.integers(1, 8))):
        a = draw(st.sampled_from(pool))
        if draw(st.booleans()):
            out = _apply(draw(st.sampled_from(UNARY)), a, None)
        else:
            other = draw(st.one_of(st.sampled_from(pool), st.floats(-2, 2).map(Tensor)))
            out = _apply(draw(st.sampled_from(BINARY)), a, other)
        out.name = draw(names)
        pool.append(out)
    return pool[-1]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(circuits(), fmt_specs, st.booleans())
def test_random_circuits_render_valid_svg_for_every_show_and_fmt(f, fmt, backward):
    if backward and f.requires_grad:
        with np.errstate(all="ignore"):
            f.backward()
    for show in SHOWS:
        svg = viz.draw_graph(f, show=show, fmt=fmt).svg()
        root = parse(svg)
        assert root.tag.endswith("svg")
        assert math.isfinite(float(root.get("width", "0pt").rstrip("pt")))
