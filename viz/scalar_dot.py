"""DOT for scalar graphs, drawn like the slides' circuits.

Every wire carries the value flowing forward in green above the line and, below it in
red, ``[local gradient] × [upstream gradient] = gradient sent`` for that edge. Nodes show
their name, op, value and gradient; a node feeding several wires shows its gradient as
the sum of what comes back along them.

SVG element ids are stable so a step-through can restyle one layout frame by frame:
``n{i}`` is node i (topological index), ``w{src}_{dst}_{slot}`` the label on a wire,
``e{src}_{dst}_{slot}a`` / ``…b`` the two halves of the wire, ``out{i}`` a root's output.

A graph holding a recorded backward (``create_graph=True``) is drawn as passes side by
side (see `viz.passes`): the forward pass, then the backward pass running the other way,
its nodes in their own colours and labelled with what they are the backward of.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from viz.clusters import nested_clusters, scope_key
from viz.numbers import product_text, sum_text
from viz.passes import colours, has_backward, legend_html, pass_box, reversed_level, sides
from viz.snapshot import Edge, Node, Snapshot
from viz.style import (
    ALARM,
    ALARM_FILL,
    BACKWARD,
    FONT,
    FORWARD,
    INK,
    LEAF_FILL,
    MUTED,
    NODE_FILL,
    OP_SYMBOLS,
    check_fmt,
    esc,
    number,
)

SHOWS = ("both", "forward", "backward")
NOT_RUN = "backward() has not run: no gradients yet"
BLANK = "\u00a0"  # keeps an empty row as tall as a filled one, so wires stay straight


def wire_id(e: Edge) -> str:
    """Base id of the wire for edge ``e``."""
    return f"{e.src}_{e.dst}_{e.slot}"


def node_title(n: Node) -> str:
    """What a node is called on the picture: its name, else its op's symbol."""
    if n.op:
        symbol = OP_SYMBOLS.get(n.op, n.op)
        return f"{n.name} = {symbol}" if n.name else symbol
    return n.name or ("leaf" if n.requires_grad else "const")


def _font(colour: str, text: str, size: int | None = None) -> str:
    sz = f' point-size="{size}"' if size else ""
    return f'<font color="{colour}"{sz}>{esc(text)}</font>'


def _pair(top: str, bottom: str) -> str:
    """A two-row label whose middle rule lines up with the wire passing through it."""
    return (
        '<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
        f"<tr><td>{top}</td></tr><hr/><tr><td>{bottom}</td></tr></table>"
    )


# One output wire: (node index, the name drawn at its end)
Output = tuple[int, str]


class ScalarDot:
    """Builds the DOT text of a scalar snapshot (see module docstring for the layout).

    ``outputs`` names the wires out of the roots (default: each root's name, else "out");
    ``layout`` are DOT statements added at the end, e.g. the ranks of an exploded op's grid.
    """

    def __init__(
        self,
        snap: Snapshot,
        *,
        fmt: str = ".4g",
        show: str = "both",
        rankdir: str = "LR",
        outputs: Sequence[Output] | None = None,
        layout: Sequence[str] = (),
    ):
        if show not in SHOWS:
            raise ValueError(f"viz.draw_graph: show must be one of {SHOWS}, got {show!r}")
        self.snap, self.fmt, self.show, self.rankdir = snap, check_fmt(fmt), show, rankdir
        self.out_edges: dict[int, list[Edge]] = defaultdict(list)
        for e in snap.edges:
            self.out_edges[e.src].append(e)
        self.combined = has_backward(snap)  # passes side by side (viz.passes)
        self.side = sides(snap) if self.combined else []
        if outputs is None:
            outputs = [(i, snap.nodes[i].name or "out") for i in dict.fromkeys(snap.roots)]
        self.outputs = list(dict.fromkeys(outputs))
        self.layout = list(layout)  # extra DOT statements placing nodes (viz.explode_grid)

    # -- text pieces -------------------------------------------------------------------
    def num(self, v: object) -> str:
        """A number in the graph's format."""
        return number(v, self.fmt)

    def value_text(self, n: Node) -> str:
        """The node's forward value."""
        return self.num(n.value.reshape(-1)[0]) if n.value is not None else "?"

    def grad_text(self, n: Node) -> str:
        """The node's gradient; with fan-out, the sum of what came back along each wire."""
        if n.grad is None:
            return "grad ?" if not self.snap.backward_ran else "no grad"
        total = n.grad.reshape(-1)[0]
        parts = [e.sent.reshape(-1)[0] for e in self.out_edges[n.index] if e.sent is not None]
        if len(parts) > 1:
            return "grad " + sum_text(parts, total, self.fmt)
        return f"grad {self.num(total)}"

    def edge_text(self, e: Edge) -> str:
        """``src: [local] × [upstream] = sent`` for one edge ("" before backward)."""
        src, dst = self.snap.nodes[e.src], self.snap.nodes[e.dst]
        if not e.differentiable:
            return "constant"
        if e.sent is None or e.local is None or dst.grad is None:
            return ""
        prefix = f"{src.name}: " if src.name else ""
        local, up, sent = e.local.reshape(-1)[0], dst.grad.reshape(-1)[0], e.sent.reshape(-1)[0]
        return prefix + product_text(local, up, sent, self.fmt)

    # -- DOT statements ----------------------------------------------------------------
    def node_stmt(self, n: Node) -> str:
        """The DOT statement for node ``n``."""
        alarm = (n.value_summary.nonfinite) or (
            n.grad_summary is not None and n.grad_summary.nonfinite
        )
        constant = n.is_leaf and not n.requires_grad and not n.name
        title = f"{node_title(n)} {n.mark}" if n.mark and not n.level else node_title(n)
        rows = [] if constant else [f"<tr><td><b>{esc(title)}</b></td></tr>"]
        if n.level and n.mark:  # a backward node: whose backward it is
            rows.append(f"<tr><td>{_font(colours(n.level)[1], n.mark, 10)}</td></tr>")
        if self.show != "backward":
            rows.append(f"<tr><td>{_font(FORWARD, self.value_text(n))}</td></tr>")
        if self.show != "forward" and n.requires_grad:
            colour = BACKWARD if n.grad is not None else MUTED
            rows.append(f"<tr><td>{_font(colour, self.grad_text(n), 11)}</td></tr>")
        if not rows:  # a constant with its value hidden: Graphviz refuses an empty table
            rows.append(f"<tr><td>{_font(MUTED, node_title(n))}</td></tr>")
        if alarm:
            what = n.op or "leaf"
            rows.append(f"<tr><td>{_font(ALARM, f'NaN/inf in {what}', 10)}</td></tr>")
        label = '<table border="0" cellborder="0" cellspacing="0" cellpadding="1">' + "".join(rows)
        label += "</table>"
        if alarm:
            fill, line, style = ALARM_FILL, ALARM, "rounded,filled,bold"
        elif n.is_leaf:
            fill, line = LEAF_FILL, (INK if n.requires_grad else MUTED)
            style = "rounded,filled" if n.requires_grad else "rounded,filled,dashed"
        elif n.level:
            (fill, line), style = colours(n.level), "rounded,filled"
        else:
            fill, line, style = NODE_FILL, INK, "rounded,filled"
        extra = ", peripheries=2" if n.role == "sum" else ""
        return (
            f'n{n.index} [id="n{n.index}", shape=box, style="{style}", fillcolor="{fill}", '
            f'color="{line}"{extra}, label=<{label}>];'
        )

    def wire_stmts(self, e: Edge) -> list[str]:
        """A wire: tail → label node (value above, gradient below the line) → head."""
        src = self.snap.nodes[e.src]
        wid = wire_id(e)
        value = self.value_text(src) if self.show != "backward" else BLANK
        grad = self.edge_text(e) if self.show != "forward" else BLANK
        colour = BACKWARD if e.differentiable else MUTED
        top, bottom = _font(FORWARD, value), _font(colour, grad or BLANK, 11)
        line = INK if e.differentiable else MUTED
        style = "solid" if e.differentiable else "dashed"
        label = f'w{wid} [id="w{wid}", shape=plain, label=<{_pair(top, bottom)}>];'
        if self.combined:
            return [label, *self._mirrored_wire(e, f'color="{line}", style={style}')]
        return [
            label,
            f'n{e.src} -> w{wid}:w [id="e{wid}a", arrowhead=none, color="{line}", style={style}];',
            f'w{wid}:e -> n{e.dst} [id="e{wid}b", color="{line}", style={style}];',
        ]

    def _mirrored_wire(self, e: Edge, look: str) -> list[str]:
        """The two halves of a wire in a picture of passes: a backward pass's wires run
        right to left (drawn reversed, ``dir=back``); a wire from one pass into another
        does not pull the layout (``constraint=false`` on its first half)."""
        wid = wire_id(e)
        back = reversed_level(self.side[e.dst])
        cross = self.side[e.src] != self.side[e.dst]
        if cross:
            first = f'n{e.src} -> w{wid} [id="e{wid}a", arrowhead=none, constraint=false'
        elif back:
            first = f'w{wid}:e -> n{e.src} [id="e{wid}a", dir=none'
        else:
            first = f'n{e.src} -> w{wid}:w [id="e{wid}a", arrowhead=none'
        if back:
            second = f'n{e.dst} -> w{wid}:w [id="e{wid}b", dir=back'
        else:
            second = f'w{wid}:e -> n{e.dst} [id="e{wid}b"'
        return [f"{first}, {look}];", f"{second}, {look}];"]

    def output_stmts(self, i: int, name: str | None = None, sid: str = "") -> list[str]:
        """The wire out of a root, to its name, carrying its value and the seed gradient.

        In a picture of passes a root may have several named wires (``sid`` tells their ids
        apart), and a backward root's wire runs right to left."""
        n = self.snap.nodes[i]
        value = self.value_text(n) if self.show != "backward" else BLANK
        grad = self.num(n.grad.reshape(-1)[0]) if n.grad is not None else ""
        grad = grad if self.show != "forward" else BLANK
        pair = _pair(_font(FORWARD, value), _font(BACKWARD, grad or BLANK, 11))
        name = esc(n.name or "out") if name is None else esc(name)
        o, w = f"out{i}{sid}", f"ow{i}{sid}"
        if self.combined and reversed_level(self.side[i]):
            wires = [
                f'{w}:e -> n{i} [id="oe{i}{sid}a", dir=none, color="{INK}"];',
                f'{o} -> {w}:w [id="oe{i}{sid}b", dir=back, color="{INK}"];',
            ]
        else:
            wires = [
                f'n{i} -> {w}:w [id="oe{i}{sid}a", arrowhead=none, color="{INK}"];',
                f'{w}:e -> {o} [id="oe{i}{sid}b", color="{INK}"];',
            ]
        return [
            f'{o} [id="{o}", shape=plain, label=<<b> {name}</b>>];',
            f'{w} [id="{w}", shape=plain, label=<{pair}>];',
            *wires,
        ]

    def dot(self) -> str:
        """The whole DOT text."""
        if self.combined:
            return self.passes_dot()
        statements = []
        for n in self.snap.nodes:
            key = scope_key(n.scope, n.calls)
            statements.append((key, self.node_stmt(n)))
        for e in self.snap.edges:
            key = scope_key(self.snap.nodes[e.dst].scope, self.snap.nodes[e.dst].calls)
            wire = self.wire_stmts(e)
            statements.append((key, wire[0]))
            statements.extend(((), s) for s in wire[1:])
        for i in self.snap.roots:
            statements.extend(((), s) for s in self.output_stmts(i))
        note = ""
        if not self.snap.backward_ran and self.show != "forward":
            note = f"  label=<{_font(MUTED, NOT_RUN)}>; labelloc=b; fontsize=12;\n"
        lines = [*nested_clusters(statements), *self.layout]
        return self.head(note) + "\n".join(lines) + "\n}\n"

    def head(self, note: str, extra: str = "") -> str:
        """The opening of the DOT text: graph, node and edge defaults, the bottom label."""
        return (
            "digraph tracegrad {\n"
            f"  graph [rankdir={self.rankdir}, nodesep=0.2, ranksep=0.25, pad=0.25, "
            f'bgcolor="white", fontname="{FONT}"{extra}];\n'
            f'  node [fontname="{FONT}", fontsize=13, fontcolor="{INK}", margin="0.08,0.04"];\n'
            f'  edge [fontname="{FONT}", arrowsize=0.7, penwidth=1.2];\n' + note
        )

    def passes_dot(self) -> str:
        """The DOT text of a graph holding a recorded backward: one box per pass, each
        backward pass running against the forward direction (right to left for LR), so it
        reads as the mirror image of the forward pass above it."""
        nodes, side = self.snap.nodes, self.side
        boxes: dict[int, list] = defaultdict(list)
        loose: list[str] = []
        for n in nodes:
            boxes[side[n.index]].append((scope_key(n.scope, n.calls), self.node_stmt(n)))
        for e in self.snap.edges:
            dst = nodes[e.dst]
            wire = self.wire_stmts(e)
            boxes[side[e.dst]].append((scope_key(dst.scope, dst.calls), wire[0]))
            loose.extend(wire[1:])
        first: dict[int, int] = {}
        for k, (i, name) in enumerate(self.outputs):
            sid = "" if first.setdefault(i, k) == k else f"k{k}"
            stmts = self.output_stmts(i, name, sid)
            boxes[side[i]].extend(((), s) for s in stmts[:2])
            loose.extend(stmts[2:])
        lines = []
        for level in sorted(boxes):
            inner = nested_clusters(boxes[level], prefix=f"cluster_p{level}_")
            lines.extend(pass_box(level, inner, f"pass{level}"))
        lines.extend(f"  {s}" for s in loose)
        sums = any(n.role == "sum" for n in nodes)
        rows = [f"<tr><td>{legend_html([n.level for n in nodes], sums)}</td></tr>"]
        if not self.snap.backward_ran and self.show != "forward":
            rows.append(f"<tr><td>{_font(MUTED, NOT_RUN)}</td></tr>")
        table = '<table border="0" cellborder="0" cellspacing="0">' + "".join(rows) + "</table>"
        note = f"  label=<{table}>; labelloc=b; fontsize=12;\n"
        return self.head(note) + "\n".join(lines) + "\n}\n"
