"""The fused LSTM and GRU under ``create_graph=True``: the recorded backward recomputes the
sequence with the unfused cells of `autograd.ops.rnn_cells`. Its first-order gradients are the
kernel's, it stays inside the op (upstream hooks run once), and it differentiates again."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import autograd.functional as F
from autograd import Tensor
from autograd.kernels.lstm import VARIANTS
from autograd.ops.rnn import GRU, LSTM
from autograd.ops.rnn_cells import gru_sequence, lstm_sequence

T, B, D, H = 4, 3, 5, 4


def _lstm_arrays(rng, variant, dtype=np.float64):
    gates = VARIANTS[variant][1]
    arrays = [
        rng.standard_normal((T, B, D)),
        rng.standard_normal((B, H)),
        rng.standard_normal((B, H)),
        0.5 * rng.standard_normal((gates * H, D)),
        0.5 * rng.standard_normal((gates * H, H)),
        0.3 * rng.standard_normal(gates * H),
        0.3 * rng.standard_normal(gates * H),
    ]
    if variant == "peephole":
        arrays.append(0.5 * rng.standard_normal((3, H)))
    return [a.astype(dtype) for a in arrays]


def _gru_arrays(rng, dtype=np.float64):
    arrays = [
        rng.standard_normal((T, B, D)),
        rng.standard_normal((B, H)),
        0.5 * rng.standard_normal((3 * H, D)),
        0.5 * rng.standard_normal((3 * H, H)),
        0.3 * rng.standard_normal(3 * H),
        0.3 * rng.standard_normal(3 * H),
    ]
    return [a.astype(dtype) for a in arrays]


def _cases():
    rng = np.random.default_rng(3)
    cases = [
        pytest.param(LSTM, _lstm_arrays(rng, v), {"variant": v}, id=f"lstm-{v}") for v in VARIANTS
    ]
    return [*cases, pytest.param(GRU, _gru_arrays(rng), {}, id="gru")]


def _first_order(op, arrays, attrs, create_graph, wrt=None):
    xs = [Tensor(a, requires_grad=wrt is None or i in wrt) for i, a in enumerate(arrays)]
    out = op.apply(*xs, **attrs)
    v = np.random.default_rng(11).standard_normal(out.shape).astype(out.dtype)
    inputs = [x for x in xs if x.requires_grad]
    grads = autograd.grad(out, inputs, Tensor(v), create_graph=create_graph)
    return out, [g.data if create_graph else g for g in grads]


@pytest.mark.parametrize(("op", "arrays", "attrs"), _cases())
def test_fallback_first_order_gradients_equal_the_kernels(op, arrays, attrs):
    _, fused = _first_order(op, arrays, attrs, create_graph=False)
    _, fallback = _first_order(op, arrays, attrs, create_graph=True)
    assert len(fused) == len(fallback) == len(arrays)
    for a, g, h in zip(arrays, fused, fallback):
        assert h.shape == a.shape
        assert h.dtype == a.dtype
        np.testing.assert_allclose(h, g, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("op", "arrays", "attrs"), _cases())
def test_unfused_sequence_equals_the_fused_output(op, arrays, attrs):
    fused = op.apply(*(Tensor(a) for a in arrays), **attrs)
    sequence = lstm_sequence if op is LSTM else gru_sequence
    unfused = sequence(*(Tensor(a) for a in arrays), **attrs)
    assert unfused.shape == fused.shape
    np.testing.assert_allclose(unfused.data, fused.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("op", "arrays", "attrs"), _cases())
def test_fallback_only_for_the_inputs_that_require_grad(op, arrays, attrs):
    wrt = {0, 3}  # x and a weight (w_ih of the LSTM, w_hh of the GRU); the rest constants
    _, fused = _first_order(op, arrays, attrs, create_graph=False, wrt=wrt)
    _, fallback = _first_order(op, arrays, attrs, create_graph=True, wrt=wrt)
    for g, h in zip(fused, fallback):
        np.testing.assert_allclose(h, g, rtol=1e-10, atol=1e-10)


def test_fallback_in_float32_matches_the_float32_kernel():
    arrays = _lstm_arrays(np.random.default_rng(4), "peephole", np.float32)
    _, fused = _first_order(LSTM, arrays, {"variant": "peephole"}, create_graph=False)
    _, fallback = _first_order(LSTM, arrays, {"variant": "peephole"}, create_graph=True)
    for g, h in zip(fused, fallback):
        assert h.dtype == np.float32
        np.testing.assert_allclose(h, g, rtol=1e-4, atol=1e-5)


def test_fallback_stops_at_the_ops_inputs():
    # the recorded backward differentiates its recomputation with respect to the op's inputs
    # only: the graph that made them is swept once, by the outer backward (one hook call)
    rng = np.random.default_rng(5)
    x, h0, w_ih, w_hh, b_ih, b_hh = _gru_arrays(rng)
    a = Tensor(x, requires_grad=True)
    calls = []
    a.register_hook(lambda g: calls.append(g.shape))
    w = Tensor(w_ih, requires_grad=True)
    out, _ = F.gru(a * 2.0, h0, w, w_hh, b_ih, b_hh)
    ga, gw = autograd.grad(out.sum(), [a, w], create_graph=True)
    assert calls == [a.shape]
    plain = autograd.grad(F.gru(a * 2.0, h0, w, w_hh, b_ih, b_hh)[0].sum(), [a, w])
    np.testing.assert_allclose(ga.data, plain[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw.data, plain[1], rtol=1e-10, atol=1e-12)


def test_one_tensor_as_both_biases_gets_both_gradients():
    rng = np.random.default_rng(6)
    x, h0, c0, w_ih, w_hh, b, _ = _lstm_arrays(rng, "standard")
    bias = Tensor(b, requires_grad=True)
    packed = LSTM.apply(*(Tensor(a) for a in (x, h0, c0, w_ih, w_hh)), bias, bias)
    v = Tensor(rng.standard_normal(packed.shape))
    (fallback,) = autograd.grad(packed, [bias], v, create_graph=True)
    (fused,) = autograd.grad(packed, [bias], v)
    np.testing.assert_allclose(fallback.data, fused, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("variant", ["standard", "gru"])
def test_third_derivatives_match_torch(variant):
    torch = pytest.importorskip("torch")
    from tests.torch_references import collect

    rng = np.random.default_rng(8)
    small = (2, 2, 2, 2)  # T, B, D, H
    steps, batch, dim, hidden = small
    gates = 3 if variant == "gru" else 4
    arrays = [
        rng.standard_normal((steps, batch, dim)),
        rng.standard_normal((batch, hidden)),
        *([] if variant == "gru" else [rng.standard_normal((batch, hidden))]),
        0.5 * rng.standard_normal((gates * hidden, dim)),
        0.5 * rng.standard_normal((gates * hidden, hidden)),
        0.3 * rng.standard_normal(gates * hidden),
        0.3 * rng.standard_normal(gates * hidden),
    ]
    op = GRU if variant == "gru" else LSTM
    reference = collect(torch)[op.name]

    def third(apply, grad, tensor, ones):
        xs = [tensor(a) for a in arrays]
        out = apply(*xs)
        w = xs[-3]  # w_hh
        (g,) = grad(out, [w], ones(out.shape) * 0.5, create_graph=True)
        (gg,) = grad((g * g).sum(), [w], create_graph=True)
        (ggg,) = grad((gg * gg).sum(), [xs[0]])
        return ggg

    ours = third(
        op.apply,
        autograd.grad,
        lambda a: Tensor(a, requires_grad=True),
        lambda shape: Tensor(np.ones(shape)),
    )
    theirs = third(
        reference,
        torch.autograd.grad,
        lambda a: torch.tensor(a, requires_grad=True),
        lambda shape: torch.ones(tuple(shape), dtype=torch.float64),
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-11)


def test_fallback_ops_are_tagged_as_the_fused_ops_backward():
    # the inner autograd.grad tags its ops as the backward of the recomputed tensors; they
    # are retagged as the fused op's own first-order backward (viz draws one backward pass)
    rng = np.random.default_rng(9)
    xs = [Tensor(a, requires_grad=True) for a in _gru_arrays(rng)]
    out = GRU.apply(*xs)
    grads = autograd.grad(out.sum(), xs, create_graph=True)
    order = {id(t): t for g in grads for t in autograd.topological_order(g)}
    recorded = [t for t in order.values() if t.op and t is not out and id(t) not in map(id, xs)]
    assert recorded
    for t in recorded:
        if t.backward_of is not None:
            assert t.backward_of.backward_of is None, f"{t.op} is tagged as a 2nd-order op"
