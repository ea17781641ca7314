"""Long chains wrapped into columns, as a newspaper sets a long text.

An unrolled loop (an RNN over 50 steps at ``depth=2, fold=False``) is a chain of boxes
thousands of pixels long in either orientation. Drawn top to bottom, it is cut into
``k`` segments of its longest path, set side by side: every wire from one segment into a
later one stops pulling the layout (Graphviz ``constraint=false``), so each segment starts
at the top again, and the segments' first boxes share a rank, in order, left to right.
The wire from the foot of one column to the head of the next shows the chain goes on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass

LONG_CHAIN = 12  # boxes on the longest path before wrapping is worth trying


@dataclass
class Columns:
    """A chain cut into columns: each unit's column, the first unit of each column, and the
    chain (the longest path)."""

    column: dict[Hashable, int]
    heads: list[Hashable]
    path: list[Hashable]

    def cut(self, u: Hashable, v: Hashable) -> bool:
        """Whether the wire u → v runs from one column into a later one."""
        return self.column.get(v, 0) > self.column.get(u, 0)


def longest_path(units: Sequence[Hashable], edges: Iterable[tuple[Hashable, Hashable]]) -> list:
    """The longest path (in units) of the DAG ``units``/``edges``, inputs first."""
    succ: dict[Hashable, list[Hashable]] = defaultdict(list)
    indegree = dict.fromkeys(units, 0)
    for u, v in edges:
        if u in indegree and v in indegree and u != v:
            succ[u].append(v)
            indegree[v] += 1
    ready = [u for u in units if indegree[u] == 0]
    best: dict[Hashable, tuple[int, Hashable | None]] = {u: (1, None) for u in units}
    seen = 0
    while ready:
        u = ready.pop()
        seen += 1
        for v in succ[u]:
            if best[u][0] + 1 > best[v][0]:
                best[v] = (best[u][0] + 1, u)
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    if seen != len(units) or not units:
        return []  # not a DAG (cannot happen for a recorded graph): no wrapping
    end = max(units, key=lambda u: best[u][0])
    path = [end]
    while (prev := best[path[-1]][1]) is not None:
        path.append(prev)
    return path[::-1]


def columns(
    units: Sequence[Hashable], edges: Sequence[tuple[Hashable, Hashable]], k: int
) -> Columns | None:
    """Cut the longest path of ``units`` into ``k`` columns of about equal length; every
    other unit goes with the column of the first path unit it feeds (else of the last it
    reads from). None when the path is too short to be worth it."""
    path = longest_path(units, edges)
    if k < 2 or len(path) < max(LONG_CHAIN, 2 * k):
        return None
    size = math.ceil(len(path) / k)
    column = {u: i // size for i, u in enumerate(path)}
    heads = [path[i] for i in range(0, len(path), size)]
    succ: dict[Hashable, list[Hashable]] = defaultdict(list)
    pred: dict[Hashable, list[Hashable]] = defaultdict(list)
    for u, v in edges:
        succ[u].append(v)
        pred[v].append(u)
    for _ in range(len(units)):  # propagate until nothing changes (bounded)
        changed = False
        for u in units:
            if u in column:
                continue
            fed = [column[v] for v in succ[u] if v in column]
            read = [column[v] for v in pred[u] if v in column]
            if fed or read:
                column[u] = min(fed) if fed else max(read)
                changed = True
        if not changed:
            break
    return Columns(column, heads, path)


def same_rank(names: Sequence[str]) -> str:
    """A DOT statement putting ``names`` on one rank, in this order, left to right."""
    return "  {rank=same; " + " -> ".join(names) + " [style=invis];}"


def stacked_inputs(
    edges: Sequence[tuple[Hashable, Hashable]], inputs: Collection[Hashable], per_row: int = 2
) -> list[tuple[Hashable, Hashable]]:
    """Invisible edges setting the inputs of one box in rows of ``per_row`` (a layer's
    weight and bias side by side, the next layer's below them), where a box has more: four
    parameters in one row would make the picture as wide as four boxes (three stay in one
    row). Only inputs
    (``inputs``: leaves) that feed that box alone are stacked."""
    fan: dict[Hashable, int] = defaultdict(int)
    for u, _ in edges:
        fan[u] += 1
    fed: dict[Hashable, list[Hashable]] = defaultdict(list)
    for u, v in edges:
        if u in inputs and fan[u] == 1:
            fed[v].append(u)
    return [
        (leaves[i], leaves[i + per_row])
        for leaves in fed.values()
        if len(leaves) > per_row + 1  # three in a row are fine
        for i in range(len(leaves) - per_row)
    ]
