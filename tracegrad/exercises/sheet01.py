"""Checkers for notebook 01, backpropagation by hand: example 1 at new inputs, a tanh
neuron, and an order of backprop that goes wrong."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tracegrad.exercises.checking import (
    Sheet,
    StudentError,
    array,
    close,
    exercise,
    number,
    wrong_number,
)

# exercise 1: f = (x + y)·z
X, Y, Z = 1.0, 3.0, -2.0
# exercise 2: the collapsed neuron with tanh
W0, X0, W1, X1, W2 = 2.0, -1.0, -3.0, -2.0, -3.0
LEAVES = ("w0", "x0", "w1", "x1", "w2")
# exercise 3: u = 2x, h = u·u + u; each node's inputs
GRAPH = {"h": ("u*u", "u"), "u*u": ("u", "u"), "u": ("x",), "x": ()}


@exercise("1.1", praise="f = q·z sends z to q and q to z; + copies q's gradient to x and y.")
def _example_one(f: float, dfdx: float, dfdy: float, dfdz: float) -> str | None:
    """f and its three gradients for f = (x + y)·z at x=1, y=3, z=-2."""
    f, dfdx, dfdy, dfdz = (number(v, n) for v, n in zip((f, dfdx, dfdy, dfdz), _NAMES))
    q = X + Y
    if not close(f, q * Z):
        return "f is not right yet: compute q = x + y first, then f = q·z."
    if close(dfdz, Z):
        return "∂f/∂z: the local gradient of × with respect to z is the other input, q."
    if close(dfdx, 1.0) and close(dfdy, 1.0):
        return "1 is only the local gradient of +: multiply it by the upstream gradient ∂f/∂q."
    if close(dfdx, q) or close(dfdy, q):
        return "∂f/∂x and ∂f/∂y reach x and y through q, whose upstream is ∂f/∂q = z, not q."
    for got, expected, what in ((dfdx, Z, "∂f/∂x"), (dfdy, Z, "∂f/∂y"), (dfdz, q, "∂f/∂z")):
        if hint := wrong_number(got, expected, what):
            return hint
    return None


_NAMES = ("f", "∂f/∂x", "∂f/∂y", "∂f/∂z")


@exercise("1.2", praise="tanh' = 1 − tanh² plays the part of σ' = σ(1 − σ).")
def _tanh_neuron(local: float, grads: Sequence[float]) -> str | None:
    """The tanh edge's local gradient, then the five leaf gradients (w0, x0, w1, x1, w2)."""
    local = number(local, "the local gradient")
    got = array(grads, "grads (w0, x0, w1, x1, w2)", (5,))
    s = W0 * X0 + W1 * X1 + W2
    t = math.tanh(s)
    sigma = 1 / (1 + math.exp(-s))
    if close(local, 1 - t):
        return "1 − tanh(s) is not tanh's derivative: square tanh(s) before subtracting it."
    if close(local, sigma * (1 - sigma)):
        return "that is the sigmoid's local gradient σ(1 − σ); the edge now goes into tanh."
    if hint := wrong_number(local, 1 - t * t, "the local gradient"):
        return hint
    inputs = {"w0": X0, "x0": W0, "w1": X1, "x1": W1, "w2": 1.0}  # each leaf's local gradient
    expected = [inputs[leaf] * local for leaf in LEAVES]
    if close(got, [inputs[leaf] * sigma * (1 - sigma) for leaf in LEAVES]):
        return "these are the sigmoid neuron's gradients: run backward on the tanh neuron."
    for leaf, g, e in zip(LEAVES, got, expected):
        if e != 0 and close(-g, e):
            return (
                f"your gradient for {leaf} has the wrong sign; the local gradient of × "
                "is the other input."
            )
        if not close(g, e):
            return f"your gradient for {leaf} is not right yet: [local] × [upstream] at its ×."
    return None


def _received(order: Sequence[str]) -> dict[str, float]:
    """The gradients hand-run backprop leaves on each node when it goes in ``order``."""
    values = {"x": 3.0, "u": 6.0, "u*u": 36.0, "h": 42.0}
    grads = {"h": 1.0}
    for node in order:
        upstream = grads.get(node, 0.0)
        if node == "h":
            sends = [("u*u", upstream), ("u", upstream)]
        elif node == "u*u":
            sends = [("u", values["u"] * upstream), ("u", values["u"] * upstream)]
        elif node == "u":
            sends = [("x", 2.0 * upstream)]
        else:
            sends = []
        for parent, sent in sends:
            grads[parent] = grads.get(parent, 0.0) + sent
    return grads


def _is_safe(order: Sequence[str]) -> bool:
    """Every node after all of its consumers."""
    position = {node: i for i, node in enumerate(order)}
    return all(position[p] > position[node] for node, ps in GRAPH.items() for p in ps)


@exercise(
    "1.3",
    praise="safe means h, u*u, u in that order (x, which sends nothing, anywhere): every node "
    "that sends comes after all of its consumers.",
)
def _wrong_order(order: Sequence[str], predicted: float) -> str | None:
    """An order of the nodes "h", "u*u", "u", "x" that goes wrong, and the ∂h/∂x it gives."""
    if isinstance(order, str) or sorted(map(str, order)) != sorted(GRAPH):
        raise StudentError(f"order should list each node once, by name: {sorted(GRAPH)}.")
    order = [str(node) for node in order]
    predicted = number(predicted, "your predicted ∂h/∂x")
    if order == ["h", "u", "u*u", "x"]:
        return "that is the notebook's wrong order; find another one."
    if _is_safe(order):
        return "that order is safe: every node comes after all its consumers. Find one that isn't."
    if close(_received(order)["x"], _received(list(GRAPH))["x"]):
        return (
            "your order still gives the right ∂h/∂x: only a node that sends on something "
            "(h, u*u or u) goes wrong when it is processed too early."
        )
    if not close(predicted, _received(order)["x"]):
        return (
            "run your order in the cell: it gives another ∂h/∂x. A node sends on only what it "
            "has received by the time it is processed (nothing, if it goes first)."
        )
    return None


SHEET = Sheet("01", [_example_one, _tanh_neuron, _wrong_order])
