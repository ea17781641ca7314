"""The forward pass and the recorded backward passes of one graph, told apart for drawing.

A ``create_graph=True`` backward records the gradient computation as ops, each tagged with
the forward tensor it serves: ``t.backward_of``, and ``t.backward_role`` — "vjp" (made by
the backward of the op that produced ``backward_of``) or "sum" (the addition of the
gradients several consumers sent to ``backward_of``). A node's *level* counts those hops:
0 for the forward pass, 1 for its backward, 2 for the backward of that backward, …

Pictures with any backward node draw each level as one box ("forward pass", "backward
pass", …), backward nodes in their own colours and labelled with what they are the backward
of ("∂ of mul (f)", "Σ grads into x"); odd levels run against the forward direction, so
the backward pass reads as the mirror image of the forward one. Reads only the public graph
API (``backward_of``, ``backward_role``, ``op``, ``name``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from autograd import Tensor
from viz.style import FONT, INK, esc

if TYPE_CHECKING:
    from viz.snapshot import Snapshot

MAX_LEVEL = 32  # hops followed through backward_of (a guard; real graphs have a few)
NESTED_REF = 3  # how far a label follows an undrawn backward node back to its forward op

# (fill, line) of the op nodes of each level; level 0 keeps the forward-only colours
LEVEL_COLOURS = {1: ("#fff3e0", "#e65100"), 2: ("#f3e5f5", "#6a1b9a"), 3: ("#e0f2f1", "#00695c")}
PASS_FILL = {0: "#f7f9fb", 1: "#fffaf3", 2: "#fcf7fd", 3: "#f5fbfa"}
FORWARD_LINE = "#78909c"  # the forward pass box


def level_of(t: Tensor) -> int:
    """0 for a forward tensor, 1 for one recorded by its backward, 2 by that one's, …"""
    level, served = 0, t.backward_of
    while served is not None and level < MAX_LEVEL:
        level += 1
        served = served.backward_of
    return level


def colours(level: int) -> tuple[str, str]:
    """(fill, line) of the op nodes recorded at ``level`` (≥ 1)."""
    return LEVEL_COLOURS[min(max(level, 1), max(LEVEL_COLOURS))]


def pass_name(level: int) -> str:
    """The caption of the box holding the nodes of ``level``."""
    if level == 0:
        return "forward pass"
    if level == 1:
        return "backward pass (recorded: create_graph=True)"
    if level == 2:
        return "backward of the backward (2nd order)"
    return f"backward pass of order {level}"


def _ref(t: Tensor, tags: dict[int, str], depth: int = 0) -> str:
    """How a label names the tensor ``t``: "mul (f)", "exp #2", "x", "mul"."""
    if not t.op:
        return t.name or ("leaf" if t.requires_grad else "constant")
    if t.name:
        return f"{t.op} ({t.name})"
    if id(t) in tags:
        return f"{t.op} {tags[id(t)]}"
    served = t.backward_of
    if served is not None and depth < NESTED_REF:
        return f"{t.op} in ∂ of {_ref(served, tags, depth + 1)}"
    return t.op


def marks(order: Sequence[Tensor], index: dict[int, int]) -> list[dict[str, Any]]:
    """Per tensor of ``order``, the pass fields of its snapshot node (empty dicts when the
    graph has no backward node, so forward-only snapshots stay as they were)."""
    levels = [level_of(t) for t in order]
    if not any(levels):
        return [{} for _ in order]
    served = [t.backward_of for t in order]
    drawn_targets = {id(s) for s in served if s is not None and id(s) in index}
    tags: dict[int, str] = {}
    for t in order:
        if id(t) in drawn_targets and t.op and not t.name:
            tags[id(t)] = f"#{len(tags) + 1}"
    out: list[dict[str, Any]] = []
    for t, level, s in zip(order, levels, served):
        fields: dict[str, Any] = {"level": level}
        if s is not None:
            role = t.backward_role
            fields["role"] = role
            fields["served"] = index.get(id(s))
            what = "Σ grads into" if role == "sum" else "∂ of"
            fields["mark"] = f"{what} {_ref(s, tags)}"
        elif id(t) in tags:
            fields["mark"] = tags[id(t)]
        out.append(fields)
    return out


def has_backward(snap: Snapshot) -> bool:
    """True when some node of ``snap`` was recorded by a create_graph backward."""
    return any(n.level for n in snap.nodes)


def sides(snap: Snapshot) -> list[int]:
    """The pass each node is drawn in: its level; a constant leaf only read by backward
    nodes (a seed, a constant of a backward formula) goes with the lowest level reading it.
    Leaves that require grad (the function's inputs) stay in the forward pass."""
    readers: dict[int, list[int]] = {}
    for e in snap.edges:
        readers.setdefault(e.src, []).append(snap.nodes[e.dst].level)
    out = []
    for n in snap.nodes:
        levels = readers.get(n.index, [])
        if n.is_leaf and not n.requires_grad and levels and min(levels) > 0:
            out.append(min(levels))
        else:
            out.append(n.level)
    return out


def reversed_level(level: int) -> bool:
    """Odd levels (a backward of a forward) run against the forward direction."""
    return level % 2 == 1


def pass_box(level: int, lines: list[str], name: str, indent: str = "  ") -> list[str]:
    """DOT lines of the box holding one pass; ``lines`` are its contents."""
    line = FORWARD_LINE if level == 0 else colours(level)[1]
    fill = PASS_FILL.get(level, PASS_FILL[3])
    return [
        f"{indent}subgraph cluster_pass{level} {{",
        f'{indent}{indent}graph [id="{name}", label=<<b>{esc(pass_name(level))}</b>>, '
        f'style="rounded,filled", fillcolor="{fill}", color="{line}", fontcolor="{line}", '
        f'fontname="{FONT}", fontsize=12, labeljust=l, penwidth=1.4];',
        *(indent + s for s in lines),
        f"{indent}}}",
    ]


def legend_html(levels: Sequence[int], sums: bool) -> str:
    """An HTML-like table: one swatch per kind of node the picture holds (``sums``: it
    holds Σ nodes, drawn with a double border)."""
    cells = [
        f'<td bgcolor="#ffffff" border="1" color="{INK}" width="14" height="10"></td>'
        '<td align="left"><font point-size="10">forward op</font></td>'
    ]
    for level in sorted({lv for lv in levels if lv > 0}):
        fill, line = colours(level)
        what = "backward op (∂ of …)" if level == 1 else f"order-{level} backward op"
        cells.append(
            f'<td bgcolor="{fill}" border="1" color="{line}" width="14" height="10"></td>'
            f'<td align="left"><font point-size="10">{esc(what)}</font></td>'
        )
    if sums:
        cells.append(
            '<td align="left" colspan="2"><font point-size="10">'
            f"{esc('double border: Σ of the gradients sent to one tensor')}</font></td>"
        )
    return (
        '<table border="0" cellborder="0" cellspacing="3" cellpadding="1"><tr>'
        + "".join(cells)
        + "</tr></table>"
    )
