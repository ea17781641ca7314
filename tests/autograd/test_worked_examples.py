"""The course's two worked examples, number for number (notebook 01)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from viz.circuits import add_mul_circuit, sigmoid_neuron


def test_add_mul_circuit_values_and_gradients():
    c = add_mul_circuit()
    f = c["f"]
    assert c["q"].item() == 3.0
    assert f.item() == -12.0
    f.backward()
    assert c["x"].grad == -4.0
    assert c["y"].grad == -4.0
    assert c["z"].grad == 3.0
    # the intermediate q keeps its gradient, df/dq = z
    assert c["q"].grad == -4.0


def test_add_mul_circuit_chain_rule_through_vjp():
    c = add_mul_circuit()
    c["f"].backward()
    q, f = c["q"], c["f"]
    # local gradients: dq/dx = dq/dy = 1; df/dq = z = -4, df/dz = q = 3
    assert [g.item() for g in q.vjp(1.0)] == [1.0, 1.0]
    assert [g.item() for g in f.vjp(1.0)] == [-4.0, 3.0]
    # df/dx = df/dq · dq/dx: upstream -4 times local 1
    assert [g.item() for g in q.vjp(q.grad)] == [-4.0, -4.0]


def test_sigmoid_neuron_forward_values():
    n = sigmoid_neuron()
    assert n["w0x0"].item() == -2.0
    assert n["w1x1"].item() == 6.0
    assert n["s"].item() == 1.0
    assert n["f"].item() == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-6)
    assert round(n["f"].item(), 2) == 0.73


def test_sigmoid_neuron_gradients():
    n = sigmoid_neuron()
    n["f"].backward()
    sig = 1 / (1 + math.exp(-1))
    dsig = (1 - sig) * sig  # the sigmoid gate's local gradient, ≈ 0.2
    assert n["s"].grad == pytest.approx(dsig, rel=1e-6)
    expected = {"w0": -1 * dsig, "x0": 2 * dsig, "w1": -2 * dsig, "x1": -3 * dsig, "w2": dsig}
    for name, value in expected.items():
        assert n[name].grad == pytest.approx(value, rel=1e-6), name
    rounded = {k: round(float(n[k].grad), 2) for k in expected}
    assert rounded == {"w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2}


def test_sigmoid_neuron_edges_show_local_times_upstream():
    n = sigmoid_neuron()
    n["f"].backward()
    w0x0 = n["w0x0"]
    upstream = w0x0.grad
    assert round(float(upstream), 1) == 0.2
    local_w0, local_x0 = w0x0.vjp(1.0)
    assert (local_w0.item(), local_x0.item()) == (-1.0, 2.0)  # [x0] for w0, [w0] for x0
    sent_w0, sent_x0 = w0x0.vjp(upstream)
    assert sent_x0 == pytest.approx(2 * upstream)  # x0: [2] × [0.2] = 0.4 (exactly 0.39)
    assert sent_w0 == pytest.approx(-1 * upstream)  # w0: [-1] × [0.2] = -0.2
    assert round(float(sent_x0), 2) == 0.39
    assert round(float(sent_w0), 1) == -0.2


def test_sigmoid_neuron_backward_gate_by_gate():
    """Backward from 1.00: 1/x → -0.53, +1 → -0.53, exp → -0.20, ·(-1) → 0.20."""
    n = sigmoid_neuron()
    f = n["f"]
    f.backward()
    recip_in = f.parents[1]  # 1 + e^-s
    exp_out = recip_in.parents[1]
    neg = exp_out.parents[0]
    grads = [recip_in.grad, exp_out.grad, neg.grad, n["s"].grad]
    assert np.round(np.array(grads, dtype=float), 2).tolist() == [-0.53, -0.53, -0.2, 0.2]
