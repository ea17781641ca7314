"""Nothing viz draws grows without bound: too large a graph, step-through, exploded op or
plot is refused up front (or capped, and the picture says so), with advice on what to do."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import viz
import viz.graph
import viz.steps
from autograd import Tensor
from viz.explode import explode_op


def _chain(n: int) -> Tensor:
    """A scalar graph of n + 1 nodes: x, then n ops."""
    y = Tensor(0.5, requires_grad=True, name="x")
    for _ in range(n):
        y = -y
    return y


def _blocks(calls: int, ops: int) -> Tensor:
    """A tensor graph of ``calls`` scoped blocks of ``ops`` ops each."""
    x = Tensor(np.ones((2, 2)), requires_grad=True, name="x")
    y = x
    for _ in range(calls):
        with autograd.name_scope("block"):
            for _ in range(ops):
                y = y * 1.0001
    return y.sum()


def _no_snapshot(*args, **kwargs):
    raise AssertionError("the size guard must refuse before the snapshot walk")


def test_draw_graph_refuses_a_huge_graph_before_the_snapshot(monkeypatch):
    f = _chain(viz.graph.MAX_NODES + 500)
    monkeypatch.setattr(viz.graph, "snapshot", _no_snapshot)
    with pytest.raises(ValueError, match=r"max_nodes") as info:
        viz.draw_graph(f)
    message = str(info.value)
    assert f"{viz.graph.MAX_NODES + 501:,} nodes" in message
    assert "intermediate tensor" in message  # draw a subgraph
    assert "max_nodes=" in message


def test_draw_graph_max_nodes_is_the_documented_bound():
    f = _chain(99)  # 100 nodes
    with pytest.raises(ValueError, match="100 nodes"):
        viz.draw_graph(f, max_nodes=99)
    assert len(viz.draw_graph(f, max_nodes=100).snapshot.nodes) == 100
    assert "max_nodes" in viz.draw_graph.__doc__


def test_draw_graph_counts_what_it_draws_after_depth_and_fold():
    f = _blocks(calls=40, ops=10)  # 400 ops; 40 calls of one module
    with pytest.raises(ValueError, match=r"depth=") as info:
        viz.draw_graph(f, fold=False, max_nodes=100)
    assert "fold=True" in str(info.value)
    viz.draw_graph(f, fold=False, depth=1, max_nodes=100)  # 40 boxes and x: fits
    viz.draw_graph(f, fold=True, max_nodes=100)  # the loop drawn once: fits


@pytest.mark.parametrize("bad", [0, -1, 2.5, "many", True])
def test_draw_graph_rejects_a_bad_max_nodes(bad):
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        viz.draw_graph(_chain(2), max_nodes=bad)


def test_explode_refuses_an_op_whose_scalar_graph_is_huge(rng):
    x = Tensor(rng.standard_normal((10, 10)), requires_grad=True)
    w = Tensor(rng.standard_normal((10, 10)), requires_grad=True)
    with pytest.raises(ValueError, match=r"nodes.*smaller"):
        explode_op(x @ w)  # 300 elements, but 1,000 products and 900 sums


def test_backprop_steps_refuses_before_computing_gradients(monkeypatch):
    f = _chain(viz.steps.MAX_NODES)
    monkeypatch.setattr(viz.steps, "sweep_gradients", _no_snapshot)
    monkeypatch.setattr(viz.steps, "snapshot", _no_snapshot)
    with pytest.raises(ValueError, match=r"max_nodes") as info:
        viz.backprop_steps(f)
    message = str(info.value)
    assert f"{viz.steps.MAX_NODES + 1:,} nodes" in message
    assert "draw_graph" in message  # one picture instead of a frame per node


def test_backprop_steps_max_nodes_can_be_raised():
    steps = viz.backprop_steps(_chain(20), max_nodes=21)
    assert len(steps) == 2 + 2 * 20
    with pytest.raises(ValueError, match="21 nodes"):
        viz.backprop_steps(_chain(20), max_nodes=20)


def test_backprop_steps_refuses_a_tensor_graph_before_any_work(monkeypatch):
    monkeypatch.setattr(viz.steps, "sweep_gradients", _no_snapshot)
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="scalar graphs"):
        viz.backprop_steps((x * 2).sum())


# -- plots -------------------------------------------------------------------------------
def test_plot_attention_of_a_long_sequence_stays_a_bounded_figure(rng):
    n = 1500
    fig = viz.plot_attention(rng.random((n, n)), source=[str(i) for i in range(n)])
    width, height = fig.get_size_inches()
    assert width <= 30
    assert height <= 30
    ax = fig.axes[0]
    assert ax.get_xticklabels() == [] or len(ax.get_xticks()) <= 200
    assert "not labelled" in ax.get_title() or "not labelled" in fig.get_suptitle()


def test_plot_reconstructions_caps_the_row_and_says_so(rng):
    x = rng.random((500, 8, 8))
    fig = viz.plot_reconstructions(x, x)
    assert fig.get_size_inches()[0] <= 30
    assert len(fig.axes) == 2 * 16
    assert "16 of 500" in fig.texts[-1].get_text() or "16 of 500" in fig.get_suptitle()


def test_plot_filters_refuses_more_panels_than_a_figure_holds(rng):
    with pytest.raises(ValueError, match=r"max_filters=.*at most"):
        viz.plot_filters(rng.random((1000, 1, 3, 3)), max_filters=1000)


def test_plot_feature_maps_refuses_more_panels_than_a_figure_holds(rng):
    with pytest.raises(ValueError, match=r"max_maps=.*at most"):
        viz.plot_feature_maps(rng.random((1000, 4, 4)), max_maps=1000)


def test_plot_embeddings_refuses_more_words_than_it_can_label(rng):
    n = 5000
    with pytest.raises(ValueError, match=r"5,000 words.*subset"):
        viz.plot_embeddings(rng.random((n, 4)), [f"w{i}" for i in range(n)])
