"""DOT for tensor graphs: op, shape, dtype and gradient summary per node; wires coloured
and thickened by the norm of the gradient they carried, on a log scale with a legend, so
vanishing and exploding gradients stand out; module scopes as boxes. A graph holding a
recorded backward is drawn as passes (see `viz.passes`), as scalar graphs are."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from viz.clusters import ScopeKey, nested_clusters
from viz.fold import Unit, plan
from viz.passes import colours, has_backward, legend_html, pass_box, reversed_level, sides
from viz.snapshot import Node, Snapshot
from viz.style import (
    ACCENT,
    ALARM,
    ALARM_FILL,
    BACKWARD,
    FONT,
    FORWARD,
    INK,
    LEAF_FILL,
    MAGNITUDE_RAMP,
    MUTED,
    NODE_FILL,
    check_fmt,
    esc,
    magnitude_colour,
    magnitude_width,
    number,
)
from viz.wrap import Columns, columns, same_rank, stacked_inputs

EDGE_LABEL_LIMIT = 60  # wires get a printed norm only in graphs up to this many wires
CHAIN_SHARE = 0.8  # of the ops on the longest path, for a graph to be wrapped as a chain
SHARED_LEAF_LIMIT = 4  # a leaf feeding more collapsed calls than this is listed, not drawn


@dataclass
class Wire:
    """All recorded edges drawn as one wire between two units."""

    norms: list[float] = field(default_factory=list)
    nonfinite: bool = False
    differentiable: bool = False
    recurrent: bool = False  # from one step of a folded loop to the next
    count: int = 0


def _shape(shape: tuple[int, ...]) -> str:
    return str(tuple(shape)) if shape else "scalar"


class TensorDot:
    """Builds the DOT text of a tensor snapshot."""

    def __init__(
        self,
        snap: Snapshot,
        *,
        fmt: str = ".4g",
        show: str = "both",
        rankdir: str = "LR",
        depth: int | None = None,
        fold: bool = True,
        grad_range: tuple[float, float] | None = None,
        outputs: Sequence[tuple[int, str]] | None = None,
    ):
        self.snap, self.fmt, self.show, self.rankdir = snap, check_fmt(fmt), show, rankdir
        self.names: dict[int, list[str]] = defaultdict(list)  # roots' names, when given
        for i, name in dict.fromkeys(outputs or ()):
            self.names[i].append(name)
        self.combined = has_backward(snap)
        self.side = sides(snap) if self.combined else []
        self.layout = plan(snap, depth=depth, fold=fold)
        self.ids = {u: f"u{k}" for k, u in enumerate(self.layout.members)}
        self.wires = self._wires()
        self.outputs = self._outputs()
        self.hidden = self._shared_leaves()
        norms = [v for w in self.wires.values() for v in w.norms if v > 0 and math.isfinite(v)]
        if grad_range is not None:
            norms = list(grad_range)  # a fixed scale, shared between pictures
        self.lo = math.floor(math.log10(min(norms))) if norms else 0
        self.hi = max(math.ceil(math.log10(max(norms))), self.lo + 1) if norms else 1

    def num(self, v: float) -> str:
        """A number in the graph's format."""
        return number(v, self.fmt)

    def _wires(self) -> dict[tuple[Unit, Unit], Wire]:
        wires: dict[tuple[Unit, Unit], Wire] = defaultdict(Wire)
        unit_of, inst = self.layout.unit_of, self.layout.instance_of
        for e in self.snap.edges:
            u, v = unit_of[e.src], unit_of[e.dst]
            if u == v:
                continue  # inside one collapsed call
            w = wires[(u, v)]
            w.count += 1
            w.differentiable |= e.differentiable
            w.nonfinite |= e.sent_nonfinite
            if e.sent_norm is not None:
                w.norms.append(e.sent_norm)
            if u[0] == v[0] == "t" and len(u) == 3 and inst[e.src] != inst[e.dst]:
                w.recurrent |= u[1] == v[1]
        return wires

    def _shared_leaves(self) -> list[Unit]:
        """Leaves (weights) that feed many collapsed calls: drawn, they would hide the chain."""
        fan: dict[Unit, set[Unit]] = defaultdict(set)
        for u, v in self.wires:
            if v[0] == "g":
                fan[u].add(v)
        hidden = []
        for u, targets in fan.items():
            first = self.snap.nodes[self.layout.members[u][0]]
            if first.is_leaf and len(targets) > SHARED_LEAF_LIMIT:
                hidden.append(u)
        return hidden

    def _hidden_note(self) -> str:
        names = []
        for u in self.hidden:
            first = self.snap.nodes[self.layout.members[u][0]]
            names.append(first.name or f"a {_shape(first.shape)} leaf")
        return "not drawn, used by every step: " + ", ".join(names)

    # -- nodes -------------------------------------------------------------------------
    def _title(self, unit: Unit, first: Node) -> str:
        if unit[0] == "g":
            return ".".join(name for name, _ in unit[1])
        if first.is_leaf:
            return first.name or ("parameter" if first.requires_grad else "input")
        return f"{first.op} {first.name}".strip()

    def _grad_row(self, nodes: list[Node]) -> tuple[str, str]:
        summaries = [n.grad_summary for n in nodes if n.grad_summary is not None]
        if not summaries:
            if not self.snap.backward_ran and any(n.requires_grad for n in nodes):
                return "grad ?", MUTED
            return "", MUTED
        norms = [s.norm for s in summaries]
        if len(summaries) == 1:
            s = summaries[0]
            text = f"‖g‖ {self.num(s.norm)}  [{self.num(s.min)}, {self.num(s.max)}]"
        else:
            text = f"‖g‖ {self.num(min(norms))} … {self.num(max(norms))} over {len(norms)}"
        return text, BACKWARD

    def node_stmt(self, unit: Unit) -> str:
        """The DOT statement for one unit."""
        nodes = [self.snap.nodes[i] for i in self.layout.members[unit]]
        group = unit[0] == "g"
        outputs = self._group_outputs(unit) if group else nodes[:1]
        first = outputs[-1] if outputs else nodes[0]
        title = self._title(unit, nodes[0])
        one = nodes[0] if not group and len(nodes) == 1 else None  # a single tensor
        if one is not None and one.mark and not one.level:
            title = f"{title} {one.mark}"  # a forward op a backward node refers to
        rows = [f"<tr><td><b>{esc(title)}</b></td></tr>"]
        if not group and nodes[0].level and nodes[0].mark:
            mark = nodes[0].mark
            rows.append(
                f'<tr><td><font color="{colours(nodes[0].level)[1]}" point-size="10">'
                f"{esc(mark)}</font></td></tr>"
            )
        ops = len({n.index for n in nodes if n.op})
        kind = f"{ops} ops → " if group else ""
        rows.append(
            f'<tr><td><font point-size="10">{kind}{esc(_shape(first.shape))} {esc(first.dtype)}'
            "</font></td></tr>"
        )
        if self.show != "backward" and not group:
            v = first.value_summary
            text = f"‖x‖ {self.num(v.norm)}  [{self.num(v.min)}, {self.num(v.max)}]"
            rows.append(
                f'<tr><td><font color="{FORWARD}" point-size="10">{esc(text)}</font></td></tr>'
            )
        if self.show != "forward":
            text, colour = self._grad_row(outputs if group else nodes)
            if text:
                rows.append(
                    f'<tr><td><font color="{colour}" point-size="10">{esc(text)}</font></td></tr>'
                )
        bad = [
            n
            for n in nodes
            if n.value_summary.nonfinite or (n.grad_summary and n.grad_summary.nonfinite)
        ]
        if bad:
            where = "value" if bad[0].value_summary.nonfinite else "gradient"
            what = f"NaN/inf in {where} of {bad[0].op or 'leaf'!r}"
            rows.append(
                f'<tr><td><font color="{ALARM}" point-size="10"><b>{esc(what)}</b></font></td></tr>'
            )
            fill, line, style = ALARM_FILL, ALARM, "rounded,filled,bold"
        elif group:
            fill, line, style = "#e3f2fd", ACCENT, "rounded,filled"
        elif nodes[0].is_leaf:
            fill, line = LEAF_FILL, INK if nodes[0].requires_grad else MUTED
            style = "rounded,filled" if nodes[0].requires_grad else "rounded,filled,dashed"
        elif nodes[0].level:
            (fill, line), style = colours(nodes[0].level), "rounded,filled"
        else:
            fill, line, style = NODE_FILL, INK, "rounded,filled"
        names = [name for n in nodes for name in self.names.get(n.index, ())]
        if names:
            rows.append(f"<tr><td><b>{esc('= ' + ' = '.join(names))}</b></td></tr>")
        label = '<table border="0" cellborder="0" cellspacing="0" cellpadding="0">'
        label += "".join(rows) + "</table>"
        uid = self.ids[unit]
        extra = ", peripheries=2" if not group and nodes[0].role == "sum" else ""
        return (
            f'{uid} [id="{uid}", shape=box, style="{style}", fillcolor="{fill}", color="{line}"'
            f"{extra}, label=<{label}>];"
        )

    def _group_outputs(self, unit: Unit) -> list[Node]:
        """The nodes of a collapsed call that something outside it reads (or the roots)."""
        return [self.snap.nodes[i] for i in sorted(self.outputs.get(unit, ()))]

    def _outputs(self) -> dict[Unit, set[int]]:
        """For every unit, its nodes read from outside it or that are roots (one pass)."""
        unit_of = self.layout.unit_of
        outputs: dict[Unit, set[int]] = defaultdict(set)
        for e in self.snap.edges:
            if unit_of[e.src] != unit_of[e.dst]:
                outputs[unit_of[e.src]].add(e.src)
        for r in self.snap.roots:
            outputs[unit_of[r]].add(r)
        return outputs

    # -- wires -------------------------------------------------------------------------
    def level(self, norm: float) -> float:
        """Position of a gradient norm on the graph's log scale, 0 (smallest) to 1."""
        if norm <= 0:
            return 0.0
        level = (math.log10(norm) - self.lo) / (self.hi - self.lo)
        return min(max(level, 0.0), 1.0)  # outside a fixed grad_range: the end colours

    def wire_stmt(self, key: tuple[Unit, Unit], w: Wire, cut: bool = False) -> str:
        """The DOT statement for one wire; ``cut``: it runs into a later column of a wrapped
        chain and does not pull the layout."""
        u, v = key
        attrs = ["constraint=false"] if cut else []
        finite = [x for x in w.norms if math.isfinite(x)]
        if w.nonfinite:
            attrs += [f'color="{ALARM}"', "penwidth=3", 'style="bold"']
        elif finite and self.show != "forward":
            norm = max(finite)
            lv = self.level(norm)
            attrs += [f'color="{magnitude_colour(lv)}"', f"penwidth={magnitude_width(lv)}"]
            attrs.append(f'tooltip="‖grad‖ {self.num(norm)}"')
            if len(self.wires) <= EDGE_LABEL_LIMIT:
                attrs.append(
                    f'label=<<font color="{BACKWARD}" point-size="9">{self.num(norm)}</font>>'
                )
            if norm == 0:
                attrs.append('style="dotted"')
        else:
            style = "solid" if w.differentiable else "dashed"
            attrs += [f'color="{INK if w.differentiable else MUTED}"', f'style="{style}"']
        if w.recurrent:
            attrs += ["constraint=false", 'xlabel="next step"', "fontsize=9"]
        if w.count > 1:
            attrs.append(f'edgetooltip="{w.count} edges"')
        if self.combined:
            return self._mirrored(u, v, attrs)
        return f"{self.ids[u]} -> {self.ids[v]} [{', '.join(attrs)}];"

    def unit_side(self, unit: Unit) -> int:
        """The pass a unit is drawn in (that of its first tensor)."""
        return self.side[self.layout.members[unit][0]]

    def _mirrored(self, u: Unit, v: Unit, attrs: list[str]) -> str:
        """A wire in a picture of passes: reversed in a backward pass (it runs against the
        forward direction), not pulling the layout between two passes."""
        if self.unit_side(u) != self.unit_side(v):
            return f"{self.ids[u]} -> {self.ids[v]} [{', '.join([*attrs, 'constraint=false'])}];"
        if reversed_level(self.unit_side(v)):
            return f"{self.ids[v]} -> {self.ids[u]} [{', '.join([*attrs, 'dir=back'])}];"
        return f"{self.ids[u]} -> {self.ids[v]} [{', '.join(attrs)}];"

    def legend(self) -> str:
        """A legend node: the colour ramp from the smallest to the largest gradient norm."""
        n = len(MAGNITUDE_RAMP)
        swatches = "".join(
            f'<td bgcolor="{c}" width="18" height="10"></td>' for c in MAGNITUDE_RAMP
        )
        half = n // 2
        return (
            'legend [id="legend", shape=plain, label=<<table border="0" cellborder="0" '
            'cellspacing="1" cellpadding="1">'
            f'<tr><td colspan="{n}"><font point-size="10">‖gradient‖ per wire, log scale'
            f"</font></td></tr><tr>{swatches}</tr>"
            f'<tr><td colspan="{half}" align="left"><font point-size="9">≤ 1e{self.lo}</font></td>'
            f'<td colspan="{n - half}" align="right"><font point-size="9">≥ 1e{self.hi}</font>'
            "</td></tr></table>>];"
        )

    def cluster_label(self, key: ScopeKey) -> str:
        """A cluster's caption: its dotted path, and ×T when it stands for T calls."""
        name = ".".join(n for n, _ in key)
        t = self.layout.repeats.get(key)
        return f"{name} ×{t}" if t else name

    def _pass_boxes(self, statements: list[tuple[ScopeKey, str]], hidden: set) -> list[str]:
        """The units' statements inside one box per pass, module scopes nested inside."""
        by_side: dict[int, list[tuple[ScopeKey, str]]] = defaultdict(list)
        units = [u for u in self.layout.members if u not in hidden]
        for u, stmt in zip(units, statements):
            by_side[self.unit_side(u)].append(stmt)
        lines: list[str] = []
        for level in sorted(by_side):
            inner = nested_clusters(
                by_side[level], label=self.cluster_label, prefix=f"cluster_p{level}_"
            )
            lines.extend(pass_box(level, inner, f"pass{level}"))
        return lines

    def wrapped(self, k: int) -> str | None:
        """The DOT text with the longest chain cut into ``k`` columns side by side
        (`viz.wrap`), or None when the graph has no chain long enough."""
        if self.combined:
            return None
        units = [u for u in self.layout.members if u not in self.hidden]
        edges = [
            key
            for key, w in self.wires.items()
            if not w.recurrent and key[0] not in self.hidden and key[1] not in self.hidden
        ]
        cols = columns(units, edges, k)
        if cols is None:
            return None
        # only a chain is wrapped: nearly every op on the longest path (a graph with
        # branches would be cut across them), and no two module boxes on it (a box is one
        # rectangle and cannot be cut into columns): the calls of one module, a loop
        boxes = {self.layout.cluster_of[cast(Unit, u)] for u in cols.path} - {()}
        ops = {v for _, v in edges}
        chain = len(ops.intersection(cols.path)) >= CHAIN_SHARE * len(ops)
        return self.dot(cols) if chain and len(boxes) <= 1 else None

    def dot(self, cols: Columns | None = None) -> str:
        """The whole DOT text (``cols``: a chain wrapped into columns, see `wrapped`)."""
        hidden = set(self.hidden)
        statements = [
            (self.layout.cluster_of[u], self.node_stmt(u))
            for u in self.layout.members
            if u not in hidden
        ]
        if self.combined:
            lines = self._pass_boxes(statements, hidden)
        else:
            lines = nested_clusters(statements, label=self.cluster_label)
        lines += [
            "  " + self.wire_stmt(k, w, cut=cols is not None and cols.cut(*k))
            for k, w in self.wires.items()
            if k[0] not in hidden and k[1] not in hidden
        ]
        if cols is not None:
            lines.append(same_rank([self.ids[cast(Unit, u)] for u in cols.heads]))
        drawn = [k for k in self.wires if k[0] not in hidden and k[1] not in hidden]
        members = self.layout.members
        leaves = {u for u, _ in drawn if u[0] == "t" and self.snap.nodes[members[u][0]].is_leaf}
        for u, v in stacked_inputs(drawn, leaves) if not self.combined else ():
            lines.append(f"  {self.ids[cast(Unit, u)]} -> {self.ids[cast(Unit, v)]} [style=invis];")
        has_grads = any(w.norms for w in self.wires.values())
        if has_grads and self.show != "forward":
            lines.append("  " + self.legend())
        notes = [self._hidden_note()] if self.hidden else []
        if not self.snap.backward_ran and self.show != "forward":
            notes.append("backward() has not run: no gradients yet")
        note = ""
        if notes:
            text = "<br/>".join(esc(n) for n in notes)
            note = f'  label=<<font color="{MUTED}">{text}</font>>; labelloc=b; fontsize=12;\n'
        if self.combined:
            sums = any(n.role == "sum" for n in self.snap.nodes)
            rows = [legend_html([n.level for n in self.snap.nodes], sums)]
            rows += [f'<font color="{MUTED}">{esc(n)}</font>' for n in notes]
            table = "".join(f"<tr><td>{r}</td></tr>" for r in rows)
            note = f'  label=<<table border="0" cellborder="0">{table}</table>>; labelloc=b;\n'

        wrap = "newrank=true, " if cols is not None else ""
        head = (
            "digraph tracegrad {\n"
            f"  graph [rankdir={self.rankdir}, nodesep=0.15, ranksep=0.2, pad=0.25, {wrap}"
            f'bgcolor="white", fontname="{FONT}"];\n'
            f'  node [fontname="{FONT}", fontsize=12, fontcolor="{INK}", margin="0.08,0.02"];\n'
            f'  edge [fontname="{FONT}", arrowsize=0.7, color="{INK}"];\n' + note
        )
        return head + "\n".join(lines) + "\n}\n"
