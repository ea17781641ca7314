"""DOT for scalar graphs, drawn like the slides' circuits.

Every wire carries the value flowing forward in green above the line and, below it in
red, ``[local gradient] × [upstream gradient] = gradient sent`` for that edge. Nodes show
their name, op, value and gradient; a node feeding several wires shows its gradient as
the sum of what comes back along them.

SVG element ids are stable so a step-through can restyle one layout frame by frame:
``n{i}`` is node i (topological index), ``w{src}_{dst}_{slot}`` the label on a wire,
``e{src}_{dst}_{slot}a`` / ``…b`` the two halves of the wire, ``out{i}`` a root's output.
"""

from __future__ import annotations

from collections import defaultdict

from viz.clusters import nested_clusters, scope_key
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


class ScalarDot:
    """Builds the DOT text of a scalar snapshot (see module docstring for the layout)."""

    def __init__(self, snap: Snapshot, *, fmt: str = ".4g", show: str = "both", rankdir="LR"):
        if show not in SHOWS:
            raise ValueError(f"viz.draw_graph: show must be one of {SHOWS}, got {show!r}")
        self.snap, self.fmt, self.show, self.rankdir = snap, check_fmt(fmt), show, rankdir
        self.out_edges: dict[int, list[Edge]] = defaultdict(list)
        for e in snap.edges:
            self.out_edges[e.src].append(e)

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
        total = self.num(n.grad.reshape(-1)[0])
        parts = [
            self.num(e.sent.reshape(-1)[0]) for e in self.out_edges[n.index] if e.sent is not None
        ]
        if len(parts) > 1:
            return "grad " + " + ".join(parts) + f" = {total}"
        return f"grad {total}"

    def edge_text(self, e: Edge) -> str:
        """``src: [local] × [upstream] = sent`` for one edge ("" before backward)."""
        src, dst = self.snap.nodes[e.src], self.snap.nodes[e.dst]
        if not e.differentiable:
            return "constant"
        if e.sent is None or e.local is None or dst.grad is None:
            return ""
        prefix = f"{src.name}: " if src.name else ""
        local, up, sent = e.local.reshape(-1)[0], dst.grad.reshape(-1)[0], e.sent.reshape(-1)[0]
        return f"{prefix}[{self.num(local)}] × [{self.num(up)}] = {self.num(sent)}"

    # -- DOT statements ----------------------------------------------------------------
    def node_stmt(self, n: Node) -> str:
        """The DOT statement for node ``n``."""
        alarm = (n.value_summary.nonfinite) or (
            n.grad_summary is not None and n.grad_summary.nonfinite
        )
        constant = n.is_leaf and not n.requires_grad and not n.name
        rows = [] if constant else [f"<tr><td><b>{esc(node_title(n))}</b></td></tr>"]
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
        else:
            fill, line, style = NODE_FILL, INK, "rounded,filled"
        return (
            f'n{n.index} [id="n{n.index}", shape=box, style="{style}", fillcolor="{fill}", '
            f'color="{line}", label=<{label}>];'
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
        return [
            f'w{wid} [id="w{wid}", shape=plain, label=<{_pair(top, bottom)}>];',
            f'n{e.src} -> w{wid}:w [id="e{wid}a", arrowhead=none, color="{line}", style={style}];',
            f'w{wid}:e -> n{e.dst} [id="e{wid}b", color="{line}", style={style}];',
        ]

    def output_stmts(self, i: int) -> list[str]:
        """The wire out of a root, to its name, carrying its value and the seed gradient."""
        n = self.snap.nodes[i]
        value = self.value_text(n) if self.show != "backward" else BLANK
        grad = self.num(n.grad.reshape(-1)[0]) if n.grad is not None else ""
        grad = grad if self.show != "forward" else BLANK
        pair = _pair(_font(FORWARD, value), _font(BACKWARD, grad or BLANK, 11))
        name = esc(n.name or "out")
        return [
            f'out{i} [id="out{i}", shape=plain, label=<<b> {name}</b>>];',
            f'ow{i} [id="ow{i}", shape=plain, label=<{pair}>];',
            f'n{i} -> ow{i}:w [id="oe{i}a", arrowhead=none, color="{INK}"];',
            f'ow{i}:e -> out{i} [id="oe{i}b", color="{INK}"];',
        ]

    def dot(self) -> str:
        """The whole DOT text."""
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
        head = (
            "digraph tracegrad {\n"
            f"  graph [rankdir={self.rankdir}, nodesep=0.2, ranksep=0.25, pad=0.25, "
            f'bgcolor="white", fontname="{FONT}"];\n'
            f'  node [fontname="{FONT}", fontsize=13, fontcolor="{INK}", margin="0.08,0.04"];\n'
            f'  edge [fontname="{FONT}", arrowsize=0.7, penwidth=1.2];\n' + note
        )
        return head + "\n".join(nested_clusters(statements)) + "\n}\n"
