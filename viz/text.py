"""Plain-text view of a scalar graph: every node's value and gradient, every edge's
``[local gradient] × [upstream gradient] = sent``. Reads only the public graph API."""

from __future__ import annotations

from autograd import Tensor, topological_order
from viz.numbers import product_text
from viz.style import check_fmt, number, printable


def _label(t: Tensor, ids: dict[int, str]) -> str:
    return printable(t.name) if t.name else ids[id(t)]


def edge_table(root: Tensor, fmt: str = ".4g") -> str:
    """One line per node (inputs first) and per edge, with values and gradients.

    Works on graphs of one-element tensors. Before ``backward()`` the gradient columns say
    so instead of showing zeros. ``fmt`` is a float format spec (see ``viz.check_fmt``);
    names are printed with control characters escaped, so the table is safe on a terminal.
    """
    check_fmt(fmt)
    if not isinstance(root, Tensor):
        raise TypeError(f"viz.edge_table: expected a Tensor, got {type(root).__name__}")
    order = topological_order(root)
    big = next((t for t in order if t.size != 1), None)
    if big is not None:
        what = f"{printable(big.name)!r}" if big.name else f"the output of {printable(big.op)!r}"
        raise ValueError(
            f"viz.edge_table: lists graphs of one-element tensors, but {what} has shape "
            f"{tuple(big.shape)}; draw tensor graphs with viz.draw_graph, or explode one op "
            "with viz.draw_graph(y, explode=True)"
        )
    ids = {id(t): printable(t.op or "const") + f"#{i}" for i, t in enumerate(order)}
    ran = root.grad is not None
    width = max(8, *(len(_label(t, ids)) for t in order))  # names from viz.expr run longer
    lines = []
    for t in order:
        grad = number(t.grad, fmt) if t.grad is not None else ("—" if ran else "(no backward yet)")
        kind = printable(t.op) if t.op else ("leaf" if t.requires_grad else "constant")
        value = number(t.data, fmt)
        lines.append(f"{_label(t, ids):>{width}} = {value:>8}   {kind:<9} grad {grad}")
        if not t.parents:
            continue
        local = t.vjp(1.0)
        sent = t.vjp(t.grad) if t.grad is not None else (None,) * len(t.parents)
        for p, loc, s in zip(t.parents, local, sent):
            if loc is None:
                continue
            if t.grad is not None and s is not None:
                shown = product_text(loc, t.grad, s, fmt)
            else:
                shown = f"[{number(loc, fmt)}] × [?] = ?"
            lines.append(f"{'':>{width}}   ← to {_label(p, ids)}: {shown}")
    return "\n".join(lines)
