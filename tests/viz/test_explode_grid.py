"""An exploded op is drawn on a grid (viz.explode_grid), checked on the rendered SVG: the
nodes of one row or column share a coordinate, in order, and no two wires cross wherever
the shape allows it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograd import Tensor
from tests.viz.svggeom import centre, crossings, node_boxes
from viz import draw_graph
from viz.graph import Graph
from viz.render import render
from viz.scalar_dot import ScalarDot
from viz.snapshot import Snapshot

INDEX = re.compile(r"\[([0-9,]+)\]$")


def _tensor(rng: np.random.Generator, shape: tuple[int, ...], name: str) -> Tensor:
    return Tensor(np.round(rng.standard_normal(shape), 1), requires_grad=True, name=name)


def exploded_matmul(m: int, n: int, p: int) -> Graph:
    """``draw_graph(Y, explode=True)`` of Y = x @ W, x: (m, n), W: (n, p), after backward."""
    rng = np.random.default_rng(0)
    x, w = _tensor(rng, (m, n), "x"), _tensor(rng, (n, p), "W")
    y = x @ w
    y.name = "Y"
    y.backward(np.ones((m, p)))
    return draw_graph(y, explode=True)


def positions(graph: Graph) -> dict[str, tuple[float, float]]:
    """Centre of every node, by what it is: "x[0,1]", "W[1,0]", "Y[0,0]" and, for the
    products of a matmul, "x[0,1]*W[1,0]"."""
    snap: Snapshot = graph.snapshot
    boxes = node_boxes(graph.svg())
    out = {}
    for node in snap.nodes:
        name = node.name
        if node.op == "mul" and not name:
            name = "*".join(snap.nodes[p].name for p in node.parents)
        if name:
            out[name] = centre(boxes[f"n{node.index}"])
    return out


def _column(points: list[tuple[float, float]]) -> None:
    """The points stand in one column, top to bottom in the order given."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert max(xs) - min(xs) < 1, xs
    assert ys == sorted(ys), ys
    assert len(set(ys)) == len(ys), ys


@pytest.mark.parametrize("shape", [(2, 3, 2), (2, 3, 1), (1, 3, 2), (3, 2, 2)])
def test_exploded_matmul_is_a_grid(shape: tuple[int, int, int]) -> None:
    m, n, p = shape
    at = positions(exploded_matmul(m, n, p))
    # the outputs in one column, row by row
    _column([at[f"Y[{i},{k}]"] for i in range(m) for k in range(p)])
    for j in range(n):
        # block j: its products in one column, in the order of the outputs they go to
        _column([at[f"x[{i},{j}]*W[{j},{k}]"] for i in range(m) for k in range(p)])
        # and its leaves in one column, x[:, j] and W[j, :] each in order
        _column([at[f"x[{i},{j}]"] for i in range(m)])
        _column([at[f"W[{j},{k}]"] for k in range(p)])
        assert abs(at[f"x[0,{j}]"][0] - at[f"W[{j},0]"][0]) < 1
        assert at[f"x[0,{j}]"][0] < at[f"x[0,{j}]*W[{j},0]"][0]


def test_with_two_outputs_the_blocks_stand_side_by_side() -> None:
    at = positions(exploded_matmul(2, 3, 1))
    for j in range(2):
        assert at[f"x[1,{j}]*W[{j},0]"][0] < at[f"x[0,{j + 1}]"][0]


def _elementwise(kind: str) -> Tensor:
    rng = np.random.default_rng(1)
    a = _tensor(rng, (2, 3), "a")
    if kind == "tanh":
        return a.tanh()
    if kind == "sum":
        return a.sum()
    b = _tensor(rng, (3,) if kind == "broadcast add" else (2, 3), "b")
    return a + b if kind == "broadcast add" else a * b


# shapes whose scalar graph can be drawn in ranks without a crossing: a matrix times a vector
# with two outputs (or a vector times a matrix), a dot product, elementwise ops, and a
# broadcast along an axis of two
PLANAR = [(2, 3, 1), (1, 3, 2), (2, 2, 1), (1, 4, 1), (1, 1, 2)]


@pytest.mark.parametrize("shape", PLANAR, ids=[f"({m},{n})@({n},{p})" for m, n, p in PLANAR])
def test_no_wire_of_an_exploded_matmul_crosses_another_where_the_shape_allows(
    shape: tuple[int, int, int],
) -> None:
    svg = exploded_matmul(*shape).svg()
    assert crossings(svg) == []


@pytest.mark.parametrize("kind", ["broadcast add", "mul", "tanh", "sum"])
def test_no_wire_of_an_exploded_elementwise_op_crosses_another(kind: str) -> None:
    y = _elementwise(kind)
    y.backward(np.ones(y.shape))
    assert crossings(draw_graph(y, explode=True).svg()) == []


def test_a_full_matmul_crosses_fewer_wires_than_without_the_grid() -> None:
    # (2,3)@(3,2) cannot be drawn without a crossing: contract each output's sums into one
    # node and each j's leaves and products into another, and K(3,4) remains
    graph = exploded_matmul(2, 3, 2)
    assert "rank=same" in graph.dot
    plain = render(ScalarDot(graph.snapshot).dot(), "svg").decode("utf-8")
    assert "rank=same" not in plain
    assert len(crossings(graph.svg())) < len(crossings(plain))


def test_the_crossing_finder_finds_a_crossing() -> None:
    dot = (
        "digraph { rankdir=LR; node [shape=box];"
        " {rank=same; a -> b [style=invis]} {rank=same; c -> d [style=invis]}"
        " a -> d; b -> c; a -> c; }"
    )
    assert crossings(render(dot, "svg").decode("utf-8")) == [("a->d", "b->c")]
