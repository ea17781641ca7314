"""Nested Graphviz clusters: one box per module scope (per call of it), boxes inside boxes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from viz.style import CLUSTER_FILL, CLUSTER_LINE, FONT, INK, esc

# A scope key: one (name, call id) pair per level of the dotted path, outermost first.
ScopeKey = tuple[tuple[str, int], ...]


def scope_key(scope: str, calls: Sequence[int]) -> ScopeKey:
    """Split a dotted scope and its call ids into a key (call id 0 when unknown)."""
    if not scope:
        return ()
    parts = scope.split(".")
    ids = list(calls)[-len(parts) :] if calls else []
    ids = [0] * (len(parts) - len(ids)) + ids
    return tuple(zip(parts, ids))


def nested_clusters(
    statements: Sequence[tuple[ScopeKey, str]],
    label: Callable[[ScopeKey], str] | None = None,
    indent: str = "  ",
    prefix: str = "cluster_",
) -> list[str]:
    """DOT lines placing each statement inside the clusters of its scope key.

    ``label(key)`` gives a cluster's caption (default: the dotted path); ``prefix`` starts
    the clusters' names (several calls in one picture need different ones).
    """
    tree: dict = {}
    for key, stmt in statements:
        level = tree
        for part in key:
            level = level.setdefault(part, {})
        level.setdefault(None, []).append(stmt)
    lines: list[str] = []
    counter = [0]

    def emit(level: dict, path: ScopeKey, depth: int) -> None:
        pad = indent * depth
        for stmt in level.get(None, []):
            lines.append(pad + stmt)
        for part, sub in level.items():
            if part is None:
                continue
            key = (*path, part)
            counter[0] += 1
            caption = label(key) if label else ".".join(name for name, _ in key)
            lines.append(f"{pad}subgraph {prefix}{counter[0]} {{")
            lines.append(
                f'{pad}{indent}graph [label=<{esc(caption)}>, style="rounded,filled", '
                f'fillcolor="{CLUSTER_FILL}", color="{CLUSTER_LINE}", fontcolor="{INK}", '
                f'fontname="{FONT}", fontsize=11, labeljust=l];'
            )
            emit(sub, key, depth + 1)
            lines.append(f"{pad}}}")

    emit(tree, (), 1)
    return lines
