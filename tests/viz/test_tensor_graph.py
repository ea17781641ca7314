"""Tensor-graph pictures: shapes, gradient summaries, scopes, wire widths, NaN alarms,
loop folding and depth collapse (RNN vs LSTM), saving, and never writing to the graph."""

from __future__ import annotations

import html
import itertools
import re
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd
from autograd import Tensor
from viz import Graph, draw_graph
from viz.snapshot import Summary
from viz.style import ALARM, MAGNITUDE_RAMP

T, B, D, H = 50, 2, 3, 8

NODE = re.compile(r"^\s*(u\d+) \[id=\"u\d+\".*\];$")
WIRE = re.compile(r"^\s*(u\d+) -> (u\d+) \[(.*)\];$")
CLUSTER = re.compile(r"^\s*graph \[label=<(.*?)>,")


# -- DOT parsing helpers ---------------------------------------------------------------
def nodes(dot: str) -> dict[str, str]:
    """Node id -> its DOT line."""
    return {m.group(1): m.group(0) for line in dot.splitlines() if (m := NODE.match(line))}


def title(line: str) -> str:
    return html.unescape(re.search(r"<b>(.*?)</b>", line).group(1)).strip()


def by_title(dot: str, name: str) -> list[str]:
    return [uid for uid, line in nodes(dot).items() if title(line) == name]


def wires(dot: str) -> list[tuple[str, str, str]]:
    return [m.groups() for line in dot.splitlines() if (m := WIRE.match(line))]


def penwidth(attrs: str) -> float:
    return float(re.search(r"penwidth=([0-9.]+)", attrs).group(1))


def tooltip_norm(attrs: str) -> float:
    return float(re.search(r'tooltip="‖grad‖ ([^"]+)"', attrs).group(1))


def cluster_of_nodes(dot: str) -> dict[str, str]:
    """Node id -> caption of the innermost cluster it is drawn in ("" outside any)."""
    stack: list[str] = []
    out: dict[str, str] = {}
    for line in dot.splitlines():
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            stack.append("?")
        elif s == "}" and stack:
            stack.pop()
        elif (m := CLUSTER.match(line)) and stack:
            stack[-1] = html.unescape(m.group(1)).strip()
        elif m := NODE.match(line):
            out[m.group(1)] = stack[-1] if stack else ""
    return out


def cluster_labels(dot: str) -> set[str]:
    return {
        html.unescape(m.group(1)).strip() for ln in dot.splitlines() if (m := CLUSTER.match(ln))
    }


def g4(v: float) -> str:
    return format(float(v), ".4g")


# -- graphs ----------------------------------------------------------------------------
def mlp(seed: int = 0) -> dict[str, Tensor]:
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((4, 3)), name="x")
    W1 = Tensor(rng.standard_normal((3, 5)), requires_grad=True, name="W1")
    b1 = Tensor(rng.standard_normal(5), requires_grad=True, name="b1")
    W2 = Tensor(rng.standard_normal((5, 2)), requires_grad=True, name="W2")
    with autograd.name_scope("net"):
        with autograd.name_scope("fc1"):
            z = x @ W1
            a = z + b1
            h = a.tanh()
        with autograd.name_scope("fc2"):
            y = h @ W2
    loss = (y * y).mean()
    return {"x": x, "W1": W1, "b1": b1, "W2": W2, "z": z, "a": a, "h": h, "y": y, "loss": loss}


def recurrent(gated: bool, seed: int = 0) -> Tensor:
    """A T-step plain tanh RNN or a gated (LSTM-like) cell, one name_scope per step."""
    rng = np.random.default_rng(seed)
    xs = Tensor(rng.standard_normal((T, B, D)), name="xs")
    k = 4 if gated else 1
    Wx = Tensor(0.3 * rng.standard_normal((D, k * H)), requires_grad=True, name="Wx")
    Wh = Tensor(0.3 * rng.standard_normal((H, k * H)), requires_grad=True, name="Wh")
    h = Tensor(np.zeros((B, H)), name="h0")
    c = Tensor(np.zeros((B, H)), name="c0")
    with autograd.name_scope("rnn"):
        for t in range(T):
            with autograd.name_scope("cell"):
                z = xs[t] @ Wx + h @ Wh
                if gated:
                    i = z[:, :H].sigmoid()
                    f = (z[:, H : 2 * H] + 3.0).sigmoid()  # forget gate biased open
                    o = z[:, 2 * H : 3 * H].sigmoid()
                    g = z[:, 3 * H :].tanh()
                    c = f * c + i * g
                    h = o * c.tanh()
                else:
                    h = z.tanh()
    loss = h.sum()
    loss.backward()
    return loss


@pytest.fixture(scope="module")
def plain_rnn() -> Tensor:
    return recurrent(gated=False)


@pytest.fixture(scope="module")
def gated_rnn() -> Tensor:
    return recurrent(gated=True)


def step_norms(graph: Graph) -> list[float]:
    """Norm of the gradient each step t sends back from step t+1 (t = 0 .. T-2), read
    from the snapshot: edges whose source and destination are different cell calls."""
    snap = graph.snapshot
    cells = sorted({n.calls[-1] for n in snap.nodes if n.scope == "rnn.cell"})
    step = {c: k for k, c in enumerate(cells)}
    assert len(step) == T
    sq = np.zeros(T - 1)
    seen = np.zeros(T - 1, dtype=bool)
    for e in snap.edges:
        s, d = snap.nodes[e.src], snap.nodes[e.dst]
        if s.scope == d.scope == "rnn.cell" and s.calls != d.calls and e.sent_norm is not None:
            assert step[d.calls[-1]] == step[s.calls[-1]] + 1
            sq[step[s.calls[-1]]] += e.sent_norm**2
            seen[step[s.calls[-1]]] = True
    assert seen.all()
    return list(np.sqrt(sq))


# -- the MLP picture -------------------------------------------------------------------
def test_mlp_shows_ops_shapes_dtype_grad_norms_and_scopes(float64):
    t = mlp()
    t["loss"].backward()
    dot = draw_graph(t["loss"]).dot
    lines = nodes(dot)
    for op in ("matmul", "add", "tanh", "mul", "mean"):
        assert by_title(dot, op), op
    assert len(by_title(dot, "matmul")) == 2
    for shape in ("(4, 3)", "(3, 5)", "(4, 5)", "(5, 2)", "(4, 2)"):
        assert shape in dot, shape
    assert all("float64" in line for line in lines.values())
    # ‖g‖ per node equals the norm of that tensor's .grad, computed here independently
    expected = {
        "W1": t["W1"].grad,
        "b1": t["b1"].grad,
        "W2": t["W2"].grad,
        "tanh": t["h"].grad,
        "add": t["a"].grad,
    }
    for name, grad in expected.items():
        (uid,) = by_title(dot, name)
        assert f"‖g‖ {g4(np.linalg.norm(grad))} " in lines[uid], name
    fc2_matmul = [u for u in by_title(dot, "matmul") if "(4, 2)" in lines[u]]
    assert f"‖g‖ {g4(np.linalg.norm(t['y'].grad))} " in lines[fc2_matmul[0]]
    assert "‖g‖" not in lines[by_title(dot, "x")[0]]  # x needs no gradient
    # one box per scope, nested, holding the right ops
    assert {"net", "net.fc1", "net.fc2"} <= cluster_labels(dot)
    where = cluster_of_nodes(dot)
    assert where[by_title(dot, "tanh")[0]] == "net.fc1"
    assert where[by_title(dot, "add")[0]] == "net.fc1"
    assert where[fc2_matmul[0]] == "net.fc2"
    assert where[by_title(dot, "mean")[0]] == ""
    assert 'legend [id="legend"' in dot
    assert "backward() has not run" not in dot


def test_mlp_forward_only_has_no_legend_and_no_gradients(float64):
    t = mlp()
    t["loss"].backward()
    dot = draw_graph(t["loss"], show="forward").dot
    assert "legend" not in dot
    assert "‖g‖" not in dot
    assert "‖x‖" in dot
    assert "penwidth" not in dot


def test_before_backward_the_picture_says_so_and_shows_no_gradient_numbers(float64):
    t = mlp()
    dot = draw_graph(t["loss"]).dot
    assert "backward() has not run" in dot
    assert "‖g‖" not in dot
    assert "legend" not in dot
    assert "grad ?" in nodes(dot)[by_title(dot, "W1")[0]]


# -- wires ------------------------------------------------------------------------------
def test_wire_with_larger_gradient_is_at_least_as_wide_and_gets_a_darker_colour(float64):
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True, name="a")
    b = Tensor([1.0, -2.0, 0.5], requires_grad=True, name="b")
    y = (a * 1e-3 + b * 1e3).sum()
    y.backward()
    np.testing.assert_allclose(np.linalg.norm(b.grad) / np.linalg.norm(a.grad), 1e6)
    dot = draw_graph(y).dot
    (ua,) = by_title(dot, "a")
    (ub,) = by_title(dot, "b")
    wa = [attrs for s, _, attrs in wires(dot) if s == ua]
    wb = [attrs for s, _, attrs in wires(dot) if s == ub]
    assert len(wa) == len(wb) == 1
    assert penwidth(wb[0]) > penwidth(wa[0])
    assert tooltip_norm(wa[0]) == pytest.approx(np.linalg.norm(a.grad), rel=1e-3)
    assert tooltip_norm(wb[0]) == pytest.approx(np.linalg.norm(b.grad), rel=1e-3)
    colour = re.compile(r'color="(#[0-9a-f]{6})"')
    ca = MAGNITUDE_RAMP.index(colour.search(wa[0]).group(1))
    cb = MAGNITUDE_RAMP.index(colour.search(wb[0]).group(1))
    assert cb > ca


# -- NaN / inf ---------------------------------------------------------------------------
def test_nan_value_is_flagged_on_the_op_that_made_it(float64):
    x = Tensor([-1.0, 2.0], requires_grad=True, name="x")
    with np.errstate(invalid="ignore"):
        y = x.log()
        loss = y.sum()
        loss.backward()
    dot = draw_graph(loss).dot
    lines = nodes(dot)
    (ulog,) = by_title(dot, "log")
    text = html.unescape(lines[ulog])
    assert f'color="{ALARM}"' in lines[ulog]
    assert "NaN/inf in value of 'log'" in text
    (ux,) = by_title(dot, "x")  # x itself is finite, value and gradient
    assert ALARM not in lines[ux]
    assert "NaN/inf" not in lines[ux]


def test_infinite_gradient_with_finite_value_says_gradient(float64):
    x = Tensor([0.0, 4.0], requires_grad=True, name="x")
    y = x.sqrt()
    loss = y.sum()
    with np.errstate(divide="ignore"):
        loss.backward()
    assert np.isfinite(y.data).all()
    assert np.isinf(x.grad).any()
    with np.errstate(divide="ignore"):  # the snapshot re-runs sqrt's vjp
        dot = draw_graph(loss).dot
    lines = nodes(dot)
    (ux,) = by_title(dot, "x")
    text = html.unescape(lines[ux])
    assert f'color="{ALARM}"' in lines[ux]
    assert "NaN/inf in gradient of" in text
    assert "NaN/inf in value" not in html.unescape(dot)
    (usqrt,) = by_title(dot, "sqrt")
    (wire,) = [attrs for s, d, attrs in wires(dot) if (s, d) == (ux, usqrt)]
    assert f'color="{ALARM}"' in wire


# -- loops: folding, depth collapse, RNN vs LSTM ------------------------------------------
def test_rnn_folds_to_one_step_with_a_recurrent_wire(plain_rnn):
    dot = draw_graph(plain_rnn).dot
    assert "rnn.cell ×50" in cluster_labels(dot)
    snap = draw_graph(plain_rnn).snapshot
    first_call = min(n.calls[-1] for n in snap.nodes if n.scope == "rnn.cell")
    ops_per_step = sum(1 for n in snap.nodes if n.op and n.calls[-1:] == (first_call,))
    assert ops_per_step == 4  # matmul, matmul, add, tanh
    lines, where = nodes(dot), cluster_of_nodes(dot)
    in_cell = [u for u in lines if where[u] == "rnn.cell ×50"]
    op_titles = [title(lines[u]) for u in in_cell if 'fillcolor="#ffffff"' in lines[u]]
    assert sorted(op_titles) == ["add", "matmul", "matmul", "tanh"]
    total_ops = sum(1 for n in snap.nodes if n.op)
    assert total_ops == T * ops_per_step + 1
    assert len(lines) < 12  # 50 steps drawn once, not 200 op nodes
    recurrent_wires = [(s, d, a) for s, d, a in wires(dot) if 'xlabel="next step"' in a]
    assert len(recurrent_wires) == 1
    s, d, attrs = recurrent_wires[0]
    assert title(lines[s]) == "tanh"
    assert title(lines[d]) == "matmul"
    assert "constraint=false" in attrs


def test_rnn_depth2_draws_50_calls_and_gradients_vanish_towards_the_first(plain_rnn):
    graph = draw_graph(plain_rnn, fold=False, depth=2)
    dot = graph.dot
    cells = by_title(dot, "rnn.cell")
    assert len(cells) == T
    assert "×50" not in dot
    note = re.search(r'label=<<font color="#90a4ae">(.*?)</font>>', dot).group(1)
    assert note.startswith("not drawn, used by every step:")
    assert "Wx" in note
    assert "Wh" in note
    assert not by_title(dot, "Wx")
    assert not by_title(dot, "Wh")
    # follow the chain of calls in the DOT, first step to last, reading the wire tooltips
    cellset = set(cells)
    nxt = {s: (d, a) for s, d, a in wires(dot) if s in cellset and d in cellset}
    assert len(nxt) == T - 1
    (start,) = cellset - {d for d, _ in nxt.values()}
    chain, widths, u = [], [], start
    while u in nxt:
        u, attrs = nxt[u]
        chain.append(tooltip_norm(attrs))
        widths.append(penwidth(attrs))
    assert len(chain) == T - 1
    assert all(a < b for a, b in itertools.pairwise(chain)), chain
    assert chain[0] < 1e-4 * chain[-1]
    # the snapshot agrees with the picture, step by step
    norms = step_norms(graph)
    np.testing.assert_allclose(chain, norms, rtol=1e-3)
    assert all(a <= b for a, b in itertools.pairwise(widths))
    assert widths[0] < widths[-1]


def test_rnn_pictures_render_to_svg(plain_rnn):
    for graph in (draw_graph(plain_rnn), draw_graph(plain_rnn, fold=False, depth=2)):
        svg = graph.svg()
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg")
        assert "rnn.cell" in svg


def test_gated_cell_vanishes_far_less_than_plain_rnn(plain_rnn, gated_rnn):
    plain = step_norms(draw_graph(plain_rnn))
    gated_graph = draw_graph(gated_rnn)
    gated = step_norms(gated_graph)
    plain_ratio, gated_ratio = plain[0] / plain[-1], gated[0] / gated[-1]
    assert plain_ratio < 1e-5
    assert gated_ratio > 1e-2
    assert gated_ratio > 1e3 * plain_ratio
    assert "rnn.cell ×50" in cluster_labels(gated_graph.dot)
    nexts = [a for _, _, a in wires(gated_graph.dot) if 'xlabel="next step"' in a]
    assert len(nexts) == 2  # h and c both loop back


# -- validation -------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [0, -1, "x"])
def test_bad_depth_raises(float64, depth):
    t = mlp()
    with pytest.raises(ValueError, match="depth"):
        draw_graph(t["loss"], depth=depth)


def test_scalar_mode_on_tensor_graph_raises(float64):
    t = mlp()
    with pytest.raises(ValueError, match="scalar"):
        draw_graph(t["loss"], mode="scalar")


def test_bad_show_raises_on_scalar_graph(float64):
    a = Tensor(2.0, requires_grad=True, name="a")
    with pytest.raises(ValueError, match="show"):
        draw_graph(a * 3.0, show="sideways")


def test_bad_show_raises_on_tensor_graph(float64):
    t = mlp()
    with pytest.raises(ValueError, match="show"):
        draw_graph(t["loss"], show="sideways")


# -- saving -------------------------------------------------------------------------------
def test_save_writes_svg_png_and_dot_and_refuses_unknown_suffix(tmp_path, float64):
    a = Tensor([1.0, 2.0], requires_grad=True, name="a")
    y = (a * a).sum()
    y.backward()
    graph = draw_graph(y)
    svg = graph.save(tmp_path / "g.svg").read_bytes()
    assert b"<svg" in svg[:500]
    png = graph.save(tmp_path / "sub" / "g.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    dot = graph.save(tmp_path / "g.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph")
    assert dot == graph.dot
    with pytest.raises(ValueError, match=r"\.jpg"):
        graph.save(tmp_path / "g.jpg")
    assert not (tmp_path / "g.jpg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.svg", "sub"]


# -- drawing is read-only -------------------------------------------------------------------
def _grads(ts: list[Tensor]) -> list[np.ndarray | None]:
    return [None if t.grad is None else t.grad.copy() for t in ts]


def _same(before: list[np.ndarray | None], ts: list[Tensor]) -> None:
    for g0, t in zip(before, ts):
        assert (g0 is None) == (t.grad is None), t
        if g0 is not None:
            assert np.array_equal(g0, t.grad), t


@pytest.mark.parametrize("backward", [False, True])
def test_drawing_never_writes_gradients(float64, backward):
    t = mlp()
    ts = list(t.values())
    if backward:
        t["loss"].backward()
    before, data = _grads(ts), [x.data.copy() for x in ts]
    assert any(g is not None for g in before) == backward
    for kwargs in ({}, {"show": "forward"}, {"depth": 1}, {"fold": False, "depth": 2}):
        draw_graph(t["loss"], **kwargs)
    draw_graph([t["loss"], t["h"]])
    _same(before, ts)
    assert all(np.array_equal(d, x.data) for d, x in zip(data, ts))


def test_grad_range_fixes_the_colour_scale_for_comparisons():
    import re

    a = Tensor(np.ones((2, 2)), requires_grad=True, name="a")
    y = (a * 1e-3).sum()
    y.backward()
    own = draw_graph(y).dot
    fixed = draw_graph(y, grad_range=(1e-16, 10.0)).dot
    assert "≤ 1e-16" in fixed
    assert "≥ 1e1" in fixed
    assert "≤ 1e-16" not in own
    widths = lambda dot: sorted(float(w) for w in re.findall(r"penwidth=([0-9.]+)", dot))  # noqa: E731
    assert widths(fixed) != widths(own)
    with pytest.raises(ValueError, match="grad_range"):
        draw_graph(y, grad_range=(1.0, 0.1))


@pytest.mark.parametrize(
    ("values", "norm"),
    [
        ([1e308, 1e308], 1e308 * np.sqrt(2)),
        ([3.0, -4.0], 5.0),
        ([0.0, 0.0], 0.0),
        ([1e-320], 1e-320),
    ],
)
def test_gradient_norms_near_the_float_limits_are_exact_and_silent(values, norm):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = Summary.of(np.array(values))
    assert summary.norm == pytest.approx(norm, rel=1e-12)
    assert not summary.nonfinite
