"""The grid an exploded op is drawn on: Graphviz ranks and orders that keep its wires apart.

An exploded matmul ``Y = X·W`` (m×n @ n×p) is a sum over the inner index j of outer
products, ``Y = Σ_j X[:, j] ⊗ W[j, :]``, and is drawn that way: one block per j, holding
the leaves ``X[i, j]`` and ``W[j, k]`` in one column and the m·p products they make in the
next, in the order of the outputs they go to (``Y`` row by row); each output's running sum
collects one product from every block, and the outputs stand in one column, row by row.
Every block is a small grid, so a matrix times a vector (or a vector times a matrix) is
drawn without a single crossing wire; a full matrix product cannot be drawn without any
(its graph is not planar once n ≥ 3 and Y has three elements or more), and the blocks keep
the crossings few and between neighbours.

Elementwise ops are drawn the same way: the outputs in one column, grouped by the element
of a broadcast operand they share, and each input element beside the outputs it feeds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from viz.scalar_dot import wire_id
from viz.snapshot import Snapshot

ELEMENTWISE = ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs", "neg")
BROADCASTING = ("add", "sub", "mul", "div")
# A matmul with this many outputs has its blocks side by side, its two running sums passing
# above and below them: no wire crosses. With one output, stacked blocks cross nothing
# either and are compact; with more, some wires cross however the blocks are placed (two
# running sums would each need a product from both sides of a shared leaf), and stacked
# blocks keep the picture compact.
STAGGERED = 2


def _same_rank(names: Sequence[str]) -> str:
    """Nodes on one rank, in this order (invisible flat edges fix the order)."""
    if len(names) == 1:
        return f"  {{rank=same; {names[0]};}}"
    return "  {rank=same; " + " -> ".join(names) + " [style=invis];}"


def _by_barycentre(snap: Snapshot, consumers: Sequence[int]) -> list[int]:
    """The leaves the ``consumers`` read, each placed at the mean position of the consumers
    it feeds (ties: the first consumer, then graph order)."""
    fed: dict[int, list[int]] = {}
    for pos, c in enumerate(consumers):
        for p in snap.nodes[c].parents:
            if not snap.nodes[p].parents:
                fed.setdefault(p, []).append(pos)
    return sorted(fed, key=lambda leaf: (float(np.mean(fed[leaf])), fed[leaf][0], leaf))


def _bands(snap: Snapshot, roots: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """Per output of a matmul: its products in order of the inner index, and its sums
    (``((p0 + p1) + p2) + …``, the last being the output itself)."""
    bands = []
    for r in roots:
        products, sums, t = [], [], r
        while snap.nodes[t].op == "add" and len(snap.nodes[t].parents) == 2:
            head, product = snap.nodes[t].parents
            products.append(product)
            sums.append(t)
            t = head
        products.append(t)
        bands.append((products[::-1], sums[::-1]))
    return bands


def _matmul(snap: Snapshot, roots: Sequence[int]) -> tuple[list[list[str]], list[str]]:
    """The groups of nodes sharing a rank, in order, and the invisible edges that put the
    blocks one after another (for two outputs; else the blocks are stacked)."""
    bands = _bands(snap, roots)
    inner = len(bands[0][0])
    if any(len(products) != inner for products, _ in bands):
        return [], []
    staggered = len(bands) == STAGGERED
    wires = {(e.src, e.dst): f"w{wire_id(e)}" for e in snap.edges}
    groups: list[list[str]] = []
    edges = []
    last: list[int] = []  # the rank the previous block ends on
    for j in range(inner):
        products = [band[0][j] for band in bands]
        leaves = [f"n{i}" for i in _by_barycentre(snap, products)]
        if last and staggered:
            edges.append(f"  n{last[0]} -> {leaves[0]} [style=invis, minlen=2, weight=0];")
            # each running sum passes the block on its own side, its wire label level
            # with the block's leaves: a rail above and a rail below
            rails = [wires.get((prev, band[1][j - 1]), "") for prev, band in zip(last, bands)]
            if all(rails):
                leaves = [rails[0], *leaves, *rails[1:]]
        groups += [leaves, [f"n{i}" for i in products]]
        last = products
        if j:
            last = [band[1][j - 1] for band in bands]
            groups.append([f"n{i}" for i in last])
    return groups, edges


def _elementwise(
    snap: Snapshot, roots: Sequence[int], out_shape: tuple[int, ...], in_shapes: list[tuple]
) -> list[list[str]]:
    """The input elements in one rank and the outputs in the next, outputs that share an
    element of a broadcast operand next to each other."""
    order = list(range(len(roots)))
    sizes = [int(np.prod(s, dtype=np.int64)) for s in in_shapes]
    if len(in_shapes) == 2 and sizes[0] != sizes[1]:
        shared = in_shapes[int(np.argmin(sizes))]  # the broadcast operand
        offset = len(out_shape) - len(shared)

        def source(k: int) -> int:
            idx = np.unravel_index(k, out_shape)
            at = tuple(0 if n == 1 else int(idx[offset + d]) for d, n in enumerate(shared))
            return int(np.ravel_multi_index(at, shared)) if shared else 0

        order.sort(key=lambda k: (source(k), k))
    outputs = [roots[k] for k in order]
    return [[f"n{i}" for i in group] for group in (_by_barycentre(snap, outputs), outputs)]


def grid_layout(
    snap: Snapshot, op: str, out_shape: tuple[int, ...], in_shapes: Sequence[tuple[int, ...]]
) -> list[str]:
    """DOT statements placing the scalar graph of an exploded ``op`` on its grid (see the
    module docstring); nothing for ops drawn well as they are (softmax, sum, mean)."""
    roots = list(dict.fromkeys(snap.roots))
    if len(roots) != int(np.prod(out_shape, dtype=np.int64)):
        return []
    edges: list[str] = []
    if op == "matmul" and len(out_shape) == 2:
        groups, edges = _matmul(snap, roots)
    elif op in ELEMENTWISE or op in BROADCASTING:
        groups = _elementwise(snap, roots, tuple(out_shape), [tuple(s) for s in in_shapes])
    else:
        return []
    placed: set[str] = set()
    lines = list(edges)
    for group in groups:
        fresh = [i for i in group if i not in placed]  # a node sits on one rank only
        placed.update(fresh)
        if fresh:
            lines.append(_same_rank(fresh))
    return lines
