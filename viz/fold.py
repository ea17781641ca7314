"""Which nodes a tensor picture draws as one: collapsed module calls and folded loops.

Two reductions, both computed from ``scope`` and its call ids only:

- ``depth=d`` collapses every module call at nesting level ``d`` into one box-shaped
  node (its internals hidden), so a model reads as its layers.
- ``fold=True`` draws repeated calls of the same module (the steps of an unrolled loop)
  once: step t's nodes map onto the first step's, provided every step recorded the same
  ops in the same order; the cluster is marked ×T and the recurrent wires loop back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from viz.clusters import ScopeKey, scope_key
from viz.snapshot import Node, Snapshot

Unit = tuple  # ("t", node index) | ("t", scope key, position) | ("g", scope key)


@dataclass
class Layout:
    """Every node's unit, the units' members and clusters, and each cluster's fold count."""

    unit_of: list[Unit]
    members: dict[Unit, list[int]] = field(default_factory=dict)
    cluster_of: dict[Unit, ScopeKey] = field(default_factory=dict)
    repeats: dict[ScopeKey, int] = field(default_factory=dict)  # folded cluster -> T
    instance_of: list[ScopeKey] = field(default_factory=list)  # each node's own call key


def _signature(nodes: list[Node]) -> tuple:
    return tuple((n.op, n.shape) for n in nodes)


def _canonicaliser(
    keys: list[ScopeKey], by_key: dict[ScopeKey, list[Node]]
) -> tuple[dict[ScopeKey, ScopeKey], dict[ScopeKey, list[Node]], dict[ScopeKey, int]]:
    """Map each call key to its representative: the first call with the same ops."""
    # every prefix of every key is a call of some module; group calls by (parent, name)
    prefixes: list[ScopeKey] = []
    seen: set[ScopeKey] = set()
    for key in keys:
        for k in range(1, len(key) + 1):
            if key[:k] not in seen:
                seen.add(key[:k])
                prefixes.append(key[:k])
    below: dict[ScopeKey, list[Node]] = defaultdict(list)
    for key, nodes in by_key.items():
        for k in range(1, len(key) + 1):
            below[key[:k]].extend(nodes)
    for nodes in below.values():
        nodes.sort(key=lambda n: n.index)

    canon: dict[ScopeKey, ScopeKey] = {(): ()}
    # (canonical parent, module name, signature) -> the first call with those ops; a dict,
    # so ten thousand calls of a module that records different ops each time stay linear
    reps: dict[tuple, ScopeKey] = {}
    for key in sorted(prefixes, key=len):
        parent = canon[key[:-1]]
        sig = (parent, key[-1][0], _signature(below[key]))
        target = reps.get(sig)
        if target is None:
            target = (*parent, key[-1])
            reps[sig] = target
            below[target] = below[key]
        canon[key] = target
    counts: dict[ScopeKey, int] = defaultdict(int)
    for key in prefixes:
        counts[canon[key]] += 1
    return canon, below, counts


def plan(snap: Snapshot, *, depth: int | None, fold: bool) -> Layout:
    """Assign every node of ``snap`` to the unit it is drawn as."""
    if depth is not None and (not isinstance(depth, int) or depth < 1):
        raise ValueError(f"viz.draw_graph: depth must be a positive int or None, got {depth!r}")
    keys = [scope_key(n.scope, n.calls) for n in snap.nodes]
    by_key: dict[ScopeKey, list[Node]] = defaultdict(list)
    for n, key in zip(snap.nodes, keys):
        by_key[key].append(n)
    if fold:
        canon, below, counts = _canonicaliser(keys, by_key)
    else:
        canon = {k[:i]: k[:i] for k in keys for i in range(len(k) + 1)}
        below, counts = {}, {}
    layout = Layout(unit_of=[], instance_of=keys)
    # a node's position within its own call (counting the calls nested in it), so step
    # t's k-th node and step 0's k-th node become one unit
    position: dict[int, int] = {}
    for key, nodes in by_key.items():
        ranks = {m.index: p for p, m in enumerate(below[key])} if fold and key else None
        for p, n in enumerate(nodes):
            position[n.index] = ranks[n.index] if ranks is not None else p
    for n, key in zip(snap.nodes, keys):
        if depth is not None and len(key) >= depth:
            group = canon[key[:depth]]
            unit: Unit = ("g", group)
            cluster = group[:-1]
        elif key:
            ck = canon[key]
            unit = ("t", ck, position[n.index])
            cluster = ck
        else:
            unit, cluster = ("t", n.index), ()
        layout.unit_of.append(unit)
        layout.members.setdefault(unit, []).append(n.index)
        layout.cluster_of[unit] = cluster
    layout.repeats = {k: c for k, c in counts.items() if c > 1}
    return layout
