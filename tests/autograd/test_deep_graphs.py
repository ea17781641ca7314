"""Deep graphs: no recursion anywhere, and memory freed by reference counting alone."""

from __future__ import annotations

import gc
import weakref

import numpy as np

import autograd
from autograd import Tensor


def test_million_node_chain_backpropagates_without_recursion_error():
    x = Tensor(0.5, requires_grad=True)
    y = x * 3.0
    for _ in range(999_999):
        y = -y
    y.backward()
    # an odd number of negations after a factor 3: a sign or the factor lost would show
    assert y.item() == -1.5
    assert x.grad == -3.0
    assert len(autograd.topological_order(y)) == 1_000_002  # x, the constant 3, 1e6 ops


def test_graph_is_freed_when_root_is_dropped_without_the_cycle_collector():
    gc.disable()
    try:
        x = Tensor(np.ones(3), requires_grad=True)
        y = x
        refs = []
        for i in range(2000):
            y = (y * 1.0001 + 0.5).tanh()
            if i % 500 == 0:
                refs.append(weakref.ref(y))
        y.sum().backward()
        assert all(r() is not None for r in refs)
        del y
        assert all(r() is None for r in refs), "graph nodes outlived the root: a reference cycle"
    finally:
        gc.enable()
    assert x.grad is not None  # the leaf keeps its gradient


def test_intermediate_keeps_grad_for_drawing_after_backward():
    x = Tensor(2.0, requires_grad=True)
    mid = x * x
    out = mid + 1
    out.backward()
    assert mid.grad == 1.0
    assert out.grad == 1.0
