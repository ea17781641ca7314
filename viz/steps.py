"""``backprop_steps``: the forward pass filling in values node by node, then backward one
node at a time in reverse topological order, as frames of one fixed layout.

The graph is laid out once with every number on it; each frame is that SVG with the
numbers not known yet at that moment blanked out and the current node highlighted, so
nothing moves between frames. Gradients come from the recorded ``.grad`` after
``backward()``; before it, viz computes them itself through ``vjp`` without writing
anything into the graph.

A gradient recorded with ``create_graph=True`` steps like any graph: its forward frames
compute the backward pass of the original function (each caption names the op a node is
the backward of), its backward frames the gradient of that gradient — second order.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograd import Tensor
from viz.graph import _roots, check_max_nodes, write_atomically
from viz.numbers import product_text
from viz.player import page_html, player_html
from viz.render import DEFAULT_TIMEOUT, check_timeout, render
from viz.scalar_dot import ScalarDot, node_title, wire_id
from viz.snapshot import Node, Snapshot, graph_order, snapshot, sweep_gradients
from viz.style import (
    ACCENT,
    BACKWARD,
    FORWARD,
    HIGHLIGHT_FILL,
    MUTED,
    check_fmt,
    number,
    printable,
)

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_SHAPES = {f"{{{SVG_NS}}}{t}" for t in ("path", "polygon", "ellipse", "polyline")}
_TEXT = f"{{{SVG_NS}}}text"
# Each frame is the whole SVG, so a player grows with the square of the graph: about 40 MB
# of HTML and half a minute at 120 nodes. Steps are for the small circuits of a lesson.
MAX_NODES = 150
CAPTION_LIMIT = 2000  # characters of one caption


@dataclass
class Moment:
    """What is known in one frame."""

    caption: str
    values: set[int]  # nodes whose value is shown
    grads: set[int]  # nodes whose gradient is shown
    sent: set[tuple[int, int, int]]  # wires whose gradient is shown (src, dst, slot)
    current: int | None = None  # highlighted node
    flowing: tuple[tuple[int, int, int], ...] = ()  # wires highlighted


class Steps:
    """Frames of a step-through; ``save_html`` writes one self-contained player."""

    def __init__(self, frames: list[str], captions: list[str], title: str):
        self.frames, self.captions, self.title = frames, captions, title

    def __len__(self) -> int:
        return len(self.frames)

    def save_html(self, path: str | os.PathLike[str]) -> Path:
        """Write the player (inline SVG frames, slider, prev/next, arrow keys) to ``path``."""
        path = Path(path)
        page = page_html(self.frames, self.captions, title=self.title)
        write_atomically(path, page.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        return player_html(self.frames, self.captions, title=self.title)

    def __repr__(self) -> str:
        return f"<viz.Steps: {len(self.frames)} frames>"


def _who(n: Node) -> str:
    """A node as a caption names it: its name, else its op's symbol; a backward node also
    says whose backward it is ("× (∂ of mul (f))"), a forward op it refers to its tag."""
    if n.name:
        return n.name
    title = node_title(n)
    if n.mark:
        return f"{title} ({n.mark})" if n.level else f"{title} {n.mark}"
    return title


def _moments(snap: Snapshot, fmt: str) -> list[Moment]:
    nodes, edges = snap.nodes, snap.edges
    into: dict[int, list] = {n.index: [] for n in nodes}
    out_of: dict[int, list] = {n.index: [] for n in nodes}
    for e in edges:
        into[e.dst].append(e)
        out_of[e.src].append(e)
    leaves = {n.index for n in nodes if n.is_leaf}
    shown: set[int] = set(leaves)
    named = [f"{nodes[i].name} = {_val(nodes[i], fmt)}" for i in sorted(leaves) if nodes[i].name]
    consts = [_val(nodes[i], fmt) for i in sorted(leaves) if not nodes[i].name]
    caption = "forward: the inputs " + ", ".join(named)
    if consts:
        caption += " and the constants " + ", ".join(consts)
    moments = [Moment(caption, set(shown), set(), set())]
    for n in nodes:
        if n.is_leaf:
            continue
        shown.add(n.index)
        args = ", ".join(_val(nodes[p], fmt) for p in n.parents)
        what = f"{n.name} = " if n.name else ""
        caption = f"forward: {what}{n.op}({args}) = {_val(n, fmt)}"
        if n.level and n.mark:
            caption += f", a node of the backward pass: {n.mark}"
        moments.append(Moment(caption, set(shown), set(), set(), n.index))
    if not any(nodes[r].grad is not None for r in snap.roots):
        return moments
    grads = {r for r in snap.roots if nodes[r].grad is not None}
    seeds = []
    for r in sorted(grads):
        root = nodes[r]
        who = root.name or ("g" if root.level else "out")
        seed = f"∂{who}/∂{who} = 1"
        if root.level and not root.name:  # a gradient: say which
            seed += f", g = {_who(root)}"
        seeds.append(seed)
    moments.append(Moment(f"backward: seed {'; '.join(seeds)}", set(shown), set(grads), set()))
    sent: set[tuple[int, int, int]] = set()
    for n in reversed(nodes):
        flowing = tuple((e.src, e.dst, e.slot) for e in into[n.index] if e.sent is not None)
        if not flowing:
            continue
        sent |= set(flowing)
        for e in into[n.index]:
            done = all((o.src, o.dst, o.slot) in sent for o in out_of[e.src] if o.sent is not None)
            if done and nodes[e.src].grad is not None:
                grads.add(e.src)
        parts = []
        for e in into[n.index]:
            if e.sent is None:
                continue
            who = _who(nodes[e.src])
            assert n.grad is not None  # gradients flow out of it: it has its own
            up, got = n.grad.reshape(-1)[0], e.sent.reshape(-1)[0]
            if e.local is not None:
                line = product_text(e.local.reshape(-1)[0], up, got, fmt)
            else:
                line = f"[·] × [{number(up, fmt)}] = {number(got, fmt)}"
            parts.append(f"{who}: {line}")
        caption = f"backward through {_who(n)}: [local] × [upstream] → " + "; ".join(parts)
        moments.append(Moment(caption, set(shown), set(grads), set(sent), n.index, flowing))
    return moments


def _val(n: Node, fmt: str) -> str:
    return number(n.value.reshape(-1)[0], fmt) if n.value is not None else "?"


def _restyle(group: ET.Element, fill: str | None, stroke: str, width: str) -> None:
    for el in group:
        if el.tag in _SHAPES:
            if fill is not None and el.get("fill") not in (None, "none"):
                el.set("fill", fill)
            el.set("stroke", stroke)
            el.set("stroke-width", width)


def _blank_texts(group: ET.Element, colour: str, replacement: str) -> None:
    for el in group.iter(_TEXT):
        if el.get("fill") == colour:
            el.text = replacement
            el.set("fill", MUTED)


def _frame(svg: str, m: Moment, snap: Snapshot, k: int) -> str:
    root = ET.fromstring(svg)
    groups = {g.get("id"): g for g in root.iter(f"{{{SVG_NS}}}g") if g.get("id")}
    for n in snap.nodes:
        g = groups.get(f"n{n.index}")
        if g is None:
            continue
        if n.index not in m.values:
            _blank_texts(g, FORWARD, "?")
        if n.index not in m.grads:
            _blank_texts(g, BACKWARD, "grad ?" if n.requires_grad else "")
        if n.index == m.current:
            _restyle(g, HIGHLIGHT_FILL, ACCENT, "3")
    for e in snap.edges:
        key = (e.src, e.dst, e.slot)
        g = groups.get(f"w{wire_id(e)}")
        if g is not None:
            if e.src not in m.values:
                _blank_texts(g, FORWARD, "")
            if key not in m.sent:
                _blank_texts(g, BACKWARD, "")
        if key in m.flowing:
            for half in "ab":
                h = groups.get(f"e{wire_id(e)}{half}")
                if h is not None:
                    _restyle(h, ACCENT, ACCENT, "3")
    for r in snap.roots:
        g = groups.get(f"ow{r}")
        if g is not None:
            if r not in m.values:
                _blank_texts(g, FORWARD, "")
            if r not in m.grads:
                _blank_texts(g, BACKWARD, "")
    for el in root.iter():  # ids stay unique when several frames share one page
        if el.get("id"):
            el.set("id", f"f{k}-{el.get('id')}")
    text = ET.tostring(root, encoding="unicode")
    return re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", text)


def backprop_steps(
    root: Tensor | Sequence[Tensor],
    *,
    fmt: str = ".4g",
    rankdir: str = "LR",
    renderer: str | None = None,
    title: str | None = None,
    max_nodes: int = MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Steps:
    """Frames stepping through the forward pass, then backprop, of a scalar graph.

    One frame for the inputs, one per op forward; then the seed and one frame per node
    in reverse topological order, its incoming wires showing ``[local] × [upstream] =
    sent``. Works before or after ``backward()`` (before it, nothing is written to the
    graph). ``save_html(path)`` writes the player; in Jupyter it shows inline.

    Every frame holds the whole picture, so graphs of more than ``max_nodes`` nodes
    (default ``MAX_NODES``, 150) are refused up front; ``timeout`` is the seconds Graphviz
    may take for the one layout (None: no limit). ``fmt`` is a float format spec (see
    ``viz.check_fmt``).
    """
    check_fmt(fmt)
    check_max_nodes(max_nodes, "viz.backprop_steps")
    check_timeout(timeout, "viz.backprop_steps")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"viz.backprop_steps: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    roots = _roots(root)
    order = graph_order(roots)
    if any(t.size != 1 for t in order):
        raise ValueError(
            "viz.backprop_steps: steps through scalar graphs (one-element tensors); for a "
            "tensor op use viz.draw_graph(y, explode=True) or explode_op first"
        )
    if len(order) > max_nodes:
        raise ValueError(
            f"viz.backprop_steps: this graph has {len(order):,} nodes, more than "
            f"max_nodes={max_nodes:,}; a step-through holds one full picture per step, so it "
            "grows with the square of the graph. Step through a smaller part (an "
            "intermediate tensor), draw the whole graph once with viz.draw_graph, or pass "
            f"max_nodes={len(order)} to build it anyway"
        )
    ran = any(r.grad is not None for r in roots)
    grads = None if ran else sweep_gradients(order, roots)
    snap = snapshot(roots, grads=grads)
    subject = f"the step-through of a scalar graph of {len(snap.nodes):,} nodes"
    dot = ScalarDot(snap, fmt=fmt, rankdir=rankdir).dot()
    svg = render(dot, "svg", renderer=renderer, timeout=timeout, subject=subject).decode("utf-8")
    moments = _moments(snap, fmt)
    frames = [_frame(svg, m, snap, k) for k, m in enumerate(moments)]
    captions = [printable(m.caption, CAPTION_LIMIT) for m in moments]
    name = printable(title, 200) if title else "backprop, step by step"
    return Steps(frames, captions, name)
