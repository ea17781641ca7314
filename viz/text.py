"""Plain-text view of a scalar graph: every node's value and gradient, every edge's
``[local gradient] × [upstream gradient] = sent``. Reads only the public graph API."""

from __future__ import annotations

from autograd import Tensor, topological_order


def _num(value: object, fmt: str) -> str:
    return format(float(value), fmt)  # type: ignore[arg-type]


def _label(t: Tensor, ids: dict[int, str]) -> str:
    return t.name or ids[id(t)]


def edge_table(root: Tensor, fmt: str = ".4g") -> str:
    """One line per node (inputs first) and per edge, with values and gradients.

    Works on graphs of one-element tensors. Before ``backward()`` the gradient columns say
    so instead of showing zeros.
    """
    order = topological_order(root)
    ids = {id(t): (t.op or "const") + f"#{i}" for i, t in enumerate(order)}
    ran = root.grad is not None
    lines = []
    for t in order:
        grad = _num(t.grad, fmt) if t.grad is not None else ("—" if ran else "(no backward yet)")
        kind = f"{t.op}" if t.op else ("leaf" if t.requires_grad else "constant")
        lines.append(f"{_label(t, ids):>8} = {_num(t.data, fmt):>8}   {kind:<9} grad {grad}")
        if not t.parents:
            continue
        local = t.vjp(1.0)
        sent = t.vjp(t.grad) if t.grad is not None else (None,) * len(t.parents)
        for p, loc, s in zip(t.parents, local, sent):
            if loc is None:
                continue
            up = _num(t.grad, fmt) if t.grad is not None else "?"
            got = _num(s, fmt) if s is not None else "?"
            lines.append(f"{'':>8}   ← to {_label(p, ids)}: [{_num(loc, fmt)}] × [{up}] = {got}")
    return "\n".join(lines)
