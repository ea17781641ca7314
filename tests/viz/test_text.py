"""The text view of scalar graphs (the `tracegrad demo` that prints it: tests/tracegrad)."""

from __future__ import annotations

from viz.circuits import add_mul_circuit, sigmoid_neuron
from viz.text import edge_table


def test_edge_table_shows_local_times_upstream():
    n = sigmoid_neuron()
    n["f"].backward()
    table = edge_table(n["f"], ".2f")
    assert "← to x0: [2.00] × [0.197] = 0.39" in table
    assert "← to w0: [-1.00] × [0.20] = -0.20" in table
    assert "← to x1: [-3.00] × [0.197] = -0.59" in table


def test_edge_table_before_backward_says_so_instead_of_zeros():
    c = add_mul_circuit()
    table = edge_table(c["f"])
    assert "(no backward yet)" in table
    assert "× [?] = ?" in table
    assert "grad 0" not in table
