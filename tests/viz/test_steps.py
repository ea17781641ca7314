"""The step-through player: forward node by node, backward one node at a time."""

from __future__ import annotations

import re

import numpy as np
import pytest

import viz
from autograd import Tensor
from tests.viz.svgtext import texts
from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.style import BACKWARD, FORWARD


@pytest.fixture(scope="module")
def add_mul_steps():
    c = add_mul_circuit()
    return c, viz.backprop_steps(c["f"])


def test_frames_go_forward_then_backward_in_reverse_topological_order(add_mul_steps):
    _, steps = add_mul_steps
    # inputs, q = x + y, f = q·z; seed; backward through f, then q
    assert len(steps) == 6
    caps = steps.captions
    assert caps[0].startswith("forward: the inputs x = -2, y = 5, z = -4")
    assert caps[1] == "forward: q = add(-2, 5) = 3"
    assert caps[2] == "forward: f = mul(3, -4) = -12"
    assert caps[3] == "backward: seed ∂f/∂f = 1"
    assert "q: [-4] × [1] = -4" in caps[4]
    assert "z: [3] × [1] = 3" in caps[4]
    assert "x: [1] × [-4] = -4" in caps[5]
    assert "y: [1] × [-4] = -4" in caps[5]


def test_values_fill_in_forward_and_gradients_arrive_backward(add_mul_steps):
    _, steps = add_mul_steps
    first, fwd_done, last = steps.frames[0], steps.frames[2], steps.frames[-1]
    assert "-12" not in texts(first, FORWARD)  # f not computed yet
    assert "-12" in texts(fwd_done, FORWARD)
    assert [t for t in texts(fwd_done, BACKWARD) if t] == []  # no gradient before backward
    final = texts(last, BACKWARD)
    for grad in ("x: [1] × [-4] = -4", "z: [3] × [1] = 3", "grad -4", "grad 3"):
        assert grad in final
    # the frame before the last has not sent anything to x yet
    assert "x: [1] × [-4] = -4" not in texts(steps.frames[-2], BACKWARD)


def test_current_node_is_highlighted(add_mul_steps):
    _, steps = add_mul_steps
    highlighted = [len(re.findall(r'stroke-width="3"', f)) for f in steps.frames]
    assert highlighted[0] == 0  # the inputs frame highlights nothing
    assert all(h > 0 for h in highlighted[1:3])  # the op just computed
    assert all(h > 0 for h in highlighted[4:])  # the node backprop is at, and its wires


def test_steps_do_not_write_gradients_into_the_graph(add_mul_steps):
    c, _ = add_mul_steps
    assert all(t.grad is None for t in c.values())


def test_after_backward_the_recorded_gradients_are_used():
    n = sigmoid_neuron()
    n["f"].backward()
    steps = viz.backprop_steps(n["f"], fmt=".2f")
    assert "x0: [2.00] × [0.197] = 0.39" in texts(steps.frames[-1], BACKWARD)
    assert steps.captions[-1].startswith("backward through w0x0")


def test_html_player_is_one_self_contained_file(tmp_path, add_mul_steps):
    _, steps = add_mul_steps
    page = steps.save_html(tmp_path / "steps.html").read_text(encoding="utf-8")
    frames = re.findall(r'class="tg-frame( tg-on)?"', page)
    assert page.count("<svg") == len(steps) == len(frames)
    assert frames[0] == " tg-on"  # shown first, even where scripts do not run
    assert not re.search(r"https?://|src=|href=|@import|url\(", page)
    for control in ('type="range"', "tg-prev", "tg-next", "ArrowLeft", "ArrowRight"):
        assert control in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # frames do not collide
    assert steps._repr_html_().count("<svg") == len(steps)


def test_exploded_tensor_op_can_be_stepped_through():
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True, name="x")
    w = Tensor(np.array([[3.0], [4.0]]), requires_grad=True, name="W")
    steps = viz.backprop_steps(viz.explode_op(x @ w))
    assert "x[0,1]: [4] × [1] = 4" in texts(steps.frames[-1], BACKWARD)


def test_tensor_graphs_are_refused_with_a_pointer_to_explode():
    y = Tensor(np.ones((2, 2)), requires_grad=True) * 2
    with pytest.raises(ValueError, match="explode"):
        viz.backprop_steps(y)


def test_players_shown_on_one_page_share_no_id(tmp_path, add_mul_steps):
    _, steps = add_mul_steps
    page = steps._repr_html_() + steps._repr_html_()  # one Steps shown in two cells
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)) > 2 * len(steps)
    # a saved page is the same file each time (its one player has a fixed id)
    first = steps.save_html(tmp_path / "a.html").read_bytes()
    assert steps.save_html(tmp_path / "b.html").read_bytes() == first
