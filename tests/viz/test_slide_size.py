"""Tensor graphs of the bundled models fit a slide: the default picture (laid out left to
right or top to bottom, whichever is smaller) is at most ~1,700 px on its longer side, at
its own size, every label at the font size it was drawn with."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

import autograd.functional as F
import nn
from autograd import Tensor
from tests.viz.svggeom import centre, node_boxes
from tests.viz.svgtext import NS, parse
from viz import draw_graph
from viz.orient import RENDER_BOTH_UP_TO, svg_size

LONGEST = 1700  # px: a 1,920 × 1,080 slide holds it, scrolled at most a little
SMALLEST_FONT = 9.0  # pt (12 px), the gradient labels on the wires


def _rng() -> np.random.Generator:
    nn.manual_seed(0)
    return np.random.default_rng(0)


def lenet5() -> Tensor:
    """The docs' picture: one LeNet-5 step (here on one image)."""
    rng = _rng()
    x = Tensor(rng.random((1, 1, 28, 28), dtype=np.float32))
    return F.cross_entropy(nn.LeNet5()(x), np.array([3]))


def mlp() -> Tensor:
    rng = _rng()
    x = Tensor(rng.random((2, 64), dtype=np.float32))
    return F.cross_entropy(nn.MLP([64, 16, 10], activation="relu")(x), np.array([1, 2]))


def autoencoder() -> Tensor:
    rng = _rng()
    x = Tensor(rng.random((2, 16), dtype=np.float32))
    return F.mse_loss(nn.Autoencoder([16, 8, 4])(x), x)


def charlstm() -> Tensor:
    rng = _rng()
    ids = rng.integers(0, 6, (3, 1))
    logits, _ = nn.CharLSTM(6, 3, 4)(ids)
    return F.cross_entropy(logits.reshape(-1, 6), ids.reshape(-1))


def word2vec() -> Tensor:
    _rng()
    return nn.Word2Vec(6, 3, sg=1, negative=0)(np.array([1, 1]), np.array([0, 2]))


def recurrent(kind: type[nn.GRU] | type[nn.RNN]) -> Callable[[], Tensor]:
    def loss() -> Tensor:
        rng = _rng()
        x = Tensor(rng.random((3, 1, 2), dtype=np.float32), requires_grad=True, name="x")
        out, _ = kind(2, 3)(x)
        return out.sum()

    return loss


# (what, the loss, draw_graph's arguments as the docs, notebooks or CLI draw it)
CASES = [
    ("LeNet-5, depth=2", lenet5, {"depth": 2}),
    ("MLP, depth=2", mlp, {"depth": 2}),
    ("MLP", mlp, {}),
    ("Autoencoder, depth=2", autoencoder, {"depth": 2}),
    ("CharLSTM, depth=2", charlstm, {"depth": 2}),
    ("CharLSTM", charlstm, {}),
    ("Word2Vec", word2vec, {}),
    ("GRU", recurrent(nn.GRU), {}),
    ("RNN, folded", recurrent(nn.RNN), {"fold": True}),
]


def font_sizes(svg: str) -> list[float]:
    """The font size (pt) of every text element in a Graphviz SVG."""
    return [float(t.get("font-size", "nan")) for t in parse(svg).iter(f"{NS}text")]


@pytest.mark.parametrize(("what", "make", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_default_picture_of_a_bundled_model_fits_a_slide(
    what: str, make: Callable[[], Tensor], kwargs: dict
) -> None:
    loss = make()
    loss.backward()
    graph = draw_graph(loss, **kwargs)
    svg = graph.svg()
    width, height = svg_size(svg)
    assert max(width, height) <= LONGEST, f"{what}: {width:.0f} × {height:.0f} px"
    # drawn at its own size: no scaling of the whole picture, no label shrunk
    assert re.search(r'<g id="graph0" class="graph" transform="scale\(1 1\)', svg)
    sizes = font_sizes(svg)
    assert sizes
    assert min(sizes) >= SMALLEST_FONT, f"{what}: a label at {min(sizes)} pt"
    # the orientation kept is the smaller of the two
    other = "TB" if "rankdir=LR" in graph.dot else "LR"
    turned = draw_graph(loss, rankdir=other, **kwargs).svg()
    assert max(width, height) <= max(svg_size(turned))


def test_a_chain_of_layers_is_drawn_top_to_bottom_and_a_scalar_graph_left_to_right() -> None:
    loss = lenet5()
    loss.backward()
    graph = draw_graph(loss, depth=2)
    assert "rankdir=TB" in graph.dot
    width, height = svg_size(graph.svg())
    assert height > width
    a, b = Tensor(2.0, requires_grad=True), Tensor(-3.0, requires_grad=True)
    f = a * b + a
    f.backward()
    assert "rankdir=LR" in draw_graph(f).dot  # the slides' direction, always


def test_an_explicit_rankdir_is_kept() -> None:
    loss = lenet5()
    loss.backward()
    graph = draw_graph(loss, depth=2, rankdir="LR")
    assert "rankdir=LR" in graph.dot
    width, height = svg_size(graph.svg())
    assert width > 2 * LONGEST > height


def test_a_bad_rankdir_is_refused() -> None:
    with pytest.raises(ValueError, match="rankdir must be auto, LR, TB, RL or BT"):
        draw_graph(Tensor([1.0, 2.0]).sum(), rankdir="XX")


def unrolled_rnn(steps: int) -> Tensor:
    """notebook 05's picture: a plain RNN unrolled, each step one box (depth=2)."""
    rng = _rng()
    x = Tensor(rng.standard_normal((steps, 1, 2)).astype(np.float32), requires_grad=True)
    return nn.RNN(2, 3)(x)[0][-1].sum()


def test_a_long_unrolled_loop_is_wrapped_into_columns_that_fit_a_slide() -> None:
    loss = unrolled_rnn(40)
    loss.backward()
    graph = draw_graph(loss, fold=False, depth=2)
    svg = graph.svg()
    width, height = svg_size(svg)
    assert max(width, height) <= LONGEST, f"{width:.0f} × {height:.0f} px"
    assert "newrank=true" in graph.dot
    heads = re.search(r"\{rank=same; (.*?) \[style=invis\];\}", graph.dot)
    assert heads
    names = heads.group(1).split(" -> ")
    assert len(names) >= 2
    # the columns' first boxes side by side at the top, left to right
    boxes = node_boxes(svg)
    tops = [boxes[n][1] for n in names]
    lefts = [boxes[n][0] for n in names]
    assert max(tops) - min(tops) < 1
    assert lefts == sorted(lefts)
    assert min(font_sizes(svg)) >= SMALLEST_FONT


def test_a_short_chain_or_a_branching_graph_is_not_wrapped() -> None:
    loss = unrolled_rnn(4)
    loss.backward()
    assert "newrank" not in draw_graph(loss, fold=False, depth=2).dot
    loss = lenet5()
    loss.backward()
    assert "newrank" not in draw_graph(loss).dot  # 2,463 px tall, but not one chain


def test_four_parameters_of_one_box_stand_in_two_rows() -> None:
    loss = charlstm()
    loss.backward()
    graph = draw_graph(loss)
    ids = {}
    for name in ("lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0"):
        found = re.search(rf'(u\d+) \[id="u\d+".*?<b>{name}</b>', graph.dot)
        assert found, name
        ids[name] = found.group(1)
    assert f"{ids['lstm.weight_ih_l0']} -> {ids['lstm.bias_ih_l0']} [style=invis]" in graph.dot
    assert f"{ids['lstm.weight_hh_l0']} -> {ids['lstm.bias_hh_l0']} [style=invis]" in graph.dot
    boxes = node_boxes(graph.svg())
    flow = 1 if "rankdir=TB" in graph.dot else 0  # the axis the wires run along
    ranks = {round(centre(boxes[uid])[flow]) for uid in ids.values()}
    assert len(ranks) == 2


def test_a_graph_of_hundreds_of_boxes_is_laid_out_once_left_to_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import viz.graph

    calls: list[str] = []

    def counted(dot: str, *args: object, **kwargs: object) -> bytes:
        calls.append(dot)
        return b""

    monkeypatch.setattr(viz.graph, "render", counted)
    x = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    y = x
    for _ in range(RENDER_BOTH_UP_TO + 1):
        y = y * 1.0
    graph = draw_graph(y.sum())
    assert "rankdir=LR" in graph.dot
    assert calls == []  # choosing needed no layout
