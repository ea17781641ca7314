"""Wrong arguments to viz get one clear error naming what is wrong, never a raw traceback
from numpy, matplotlib or Graphviz; user text in plots is drawn literally."""

from __future__ import annotations

import math

import numpy as np
import pytest

import viz
from autograd import Tensor
from viz.circuits import add_mul_circuit


def _tensor_graph() -> Tensor:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    return y


@pytest.mark.parametrize("root", [None, 3, 2.5])
def test_draw_graph_of_something_not_a_tensor_says_so(root):
    with pytest.raises(TypeError, match="expected a Tensor or a sequence of Tensors"):
        viz.draw_graph(root)


@pytest.mark.parametrize("grad_range", [(1,), "ab", (1, math.inf), (0, 1), (2, 1), (1, 2, 3)])
def test_draw_graph_rejects_a_bad_grad_range(grad_range):
    with pytest.raises(ValueError, match="grad_range must be two finite numbers"):
        viz.draw_graph(_tensor_graph(), grad_range=grad_range)


@pytest.mark.parametrize("timeout", [0, -1, "60", True])
def test_draw_graph_and_steps_reject_a_bad_timeout_up_front(timeout):
    f = add_mul_circuit()["f"]
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        viz.draw_graph(f, timeout=timeout)
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        viz.backprop_steps(f, timeout=timeout)


def test_backprop_steps_rejects_a_bad_rankdir_before_graphviz_does():
    with pytest.raises(ValueError, match="rankdir must be LR, TB, RL or BT"):
        viz.backprop_steps(add_mul_circuit()["f"], rankdir="XX")


def test_edge_table_of_a_tensor_graph_points_to_draw_graph():
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*viz.draw_graph"):
        viz.edge_table(_tensor_graph())


def test_plot_curves_names_the_bad_history():
    with pytest.raises(TypeError, match="history must map names to numbers"):
        viz.plot_curves([0.5, 0.4])
    with pytest.raises(ValueError, match=r"history\['loss'\] must be a sequence of numbers"):
        viz.plot_curves({"loss": ["low", "lower"]})


def test_plot_filters_with_empty_kernels_says_so():
    with pytest.raises(ValueError, match="empty kernels"):
        viz.plot_filters(np.ones((2, 1, 0, 3)))


def test_plot_embeddings_of_non_finite_vectors_names_the_rows():
    v = np.eye(3)
    v[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"1 of 3 rows hold NaN or inf \(first: row 1\)"):
        viz.plot_embeddings(v, ["a", "b", "c"])
    with pytest.raises(ValueError, match="NaN or inf"):
        viz.project_2d(np.full((2, 2), np.inf))


def test_user_text_in_plots_is_drawn_literally(tmp_path):
    words = ["$x^$", "a\x00b", "cost_$5"]
    fig = viz.plot_embeddings(np.eye(3), words, title="$_$", path=tmp_path / "e.png")
    shown = [t.get_text() for t in fig.axes[0].texts]
    assert shown == [r"\$x^\$", r"a\x00b", r"cost_\$5"]
    viz.plot_curves({"$loss^": [1.0, 0.5]}, title="$_", path=tmp_path / "c.png")
    viz.plot_attention(np.eye(2), source=["$", "^"], target=["$a$", "\n"], path=tmp_path / "a.png")
    viz.plot_reconstructions(np.zeros((1, 4, 4)), np.zeros((1, 4, 4)), title="$^", path=None)
