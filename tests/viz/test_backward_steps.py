"""The step-through player on recorded gradients: its forward frames compute the backward
pass of the original function, its backward frames the gradient of that gradient."""

from __future__ import annotations

import re

import pytest

import autograd
import viz
from autograd import Tensor
from tests.viz.svgtext import texts
from viz.circuits import add_mul_circuit
from viz.style import BACKWARD, FORWARD


@pytest.fixture(scope="module")
def cube():
    """f = x³ at x = 2 with its first two derivatives recorded: 3x² = 12, 6x = 12."""
    x = Tensor(2.0, requires_grad=True, name="x")
    f = x**3
    f.name = "f"
    (g1,) = autograd.grad(f, x, create_graph=True)
    (g2,) = autograd.grad(g1, x, create_graph=True)
    return x, f, g1, g2


def test_stepping_through_a_gradient_names_the_backward_nodes():
    c = add_mul_circuit()
    (gx,) = autograd.grad(c["f"], [c["x"]], create_graph=True)  # ∂f/∂x = 1·z, recorded
    steps = viz.backprop_steps(gx)
    assert steps.captions == [
        "forward: the inputs z = -4 and the constants 1",
        "forward: mul(1, -4) = -4, a node of the backward pass: ∂ of mul (f)",
        "backward: seed ∂g/∂g = 1, g = × (∂ of mul (f))",
        "backward through × (∂ of mul (f)): [local] × [upstream] → z: [1] × [1] = 1",
    ]
    assert "z: [1] × [1] = 1" in texts(steps.frames[-1], BACKWARD)
    assert c["z"].grad is None  # nothing written into the graph


def test_second_order_steps_reach_the_second_derivative(cube):
    x, _, g1, _ = cube
    steps = viz.backprop_steps(g1, title="d/dx x³, stepped")
    caps = steps.captions
    forward = [c for c in caps if c.startswith("forward: ") and "backward pass" in c]
    assert len(forward) == 2
    assert all(c.endswith("∂ of pow (f)") for c in forward)
    assert caps[-1] == (
        "backward through xⁿ (∂ of pow (f)): [local] × [upstream] → x: [4] × [3] = 12"
    )
    last = texts(steps.frames[-1], BACKWARD)
    assert "x: [4] × [3] = 12" in last
    assert "grad 12" in last
    assert "12" in texts(steps.frames[-1], FORWARD)  # d/dx x³ = 3x² = 12
    assert "x: [4] × [3] = 12" not in texts(steps.frames[-2], BACKWARD)
    assert x.grad is None


def test_third_order_steps(cube):
    _, _, _, g2 = cube
    steps = viz.backprop_steps(g2)
    assert "x: [1] × [6] = 6" in steps.captions[-1]  # d³/dx³ x³ = 6
    assert all("∂ of pow in ∂ of pow (f)" in c for c in steps.captions[1:3])


def test_steps_through_forward_and_gradient_together_highlight_every_step(tmp_path, cube):
    _, f, g1, _ = cube
    steps = viz.backprop_steps([f, g1])
    assert steps.captions[0].startswith("forward: the inputs x = 2")
    assert any(c.startswith("backward: seed ∂f/∂f = 1; ∂g/∂g = 1") for c in steps.captions)
    highlighted = [
        len(re.findall(r'stroke-width="3"', frame))
        for frame, caption in zip(steps.frames, steps.captions)
        if not caption.startswith(("forward: the inputs", "backward: seed"))
    ]
    assert len(highlighted) == len(steps) - 2
    assert all(h > 0 for h in highlighted)
    page = steps.save_html(tmp_path / "second_order.html").read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    assert "backward pass (recorded: create_graph=True)" in page
