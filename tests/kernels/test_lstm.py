"""The fused LSTM: kernels against the numpy oracle, the op against the primitive-op build
and PyTorch, stability at ±1000 and shape errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from autograd import Tensor, no_grad
from autograd.kernels.lstm import VARIANTS, lstm_backward, lstm_forward
from autograd.kernels.lstm_oracle import lstm_backward_oracle, lstm_forward_oracle
from autograd.ops.rnn import lstm
from benchmarks.lstm_step import lstm_unfused

NAMES = ("x", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_peep")
SMALL_SHAPES = [(1, 1, 1, 1), (1, 2, 3, 2), (3, 1, 2, 3), (4, 2, 3, 4)]  # (T, B, D, H)
TOLERANCE = {np.float64: {"rtol": 1e-10, "atol": 1e-12}, np.float32: {"rtol": 1e-4, "atol": 2e-5}}


def _inputs(rng, steps, batch, dim, hidden, variant, dtype=np.float64, scale=0.5):
    """x, h0, c0, w_ih, w_hh, b_ih, b_hh and (peephole) w_peep as arrays of ``dtype``."""
    gates = VARIANTS[variant][1]
    shapes = [
        (steps, batch, dim),
        (batch, hidden),
        (batch, hidden),
        (gates * hidden, dim),
        (gates * hidden, hidden),
        (gates * hidden,),
        (gates * hidden,),
    ]
    if variant == "peephole":
        shapes.append((3, hidden))
    arrays = [rng.standard_normal(s) for s in shapes]
    for k in range(3, len(arrays)):
        arrays[k] *= scale
    return [a.astype(dtype) for a in arrays]


def _run_kernels(arrays, variant, grad):
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, *peep = arrays
    code = VARIANTS[variant][0]
    peep = peep[0] if peep else np.zeros((3, h0.shape[1]), x.dtype)
    hs, cs, gates = lstm_forward(x, h0, c0, w_ih, w_hh, b_ih + b_hh, peep, code)
    packed = hs[1:].copy()
    dx, dh0, dc0, dw_ih, dw_hh, db, dpeep = lstm_backward(
        grad, x, w_ih, w_hh, peep, hs, cs, gates, code
    )
    grads = {"x": dx, "h0": dh0, "c0": dc0, "w_ih": dw_ih, "w_hh": dw_hh, "b_ih": db, "b_hh": db}
    if variant == "peephole":
        grads["w_peep"] = dpeep
    return packed, grads


def _check_against_oracle(shape, variant, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = _inputs(rng, *shape, variant, dtype)
    grad = rng.standard_normal((shape[0] + 1, shape[1], shape[3])).astype(dtype)
    packed, grads = _run_kernels(arrays, variant, grad)
    expected, cache = lstm_forward_oracle(*arrays, variant=variant)
    expected_grads = lstm_backward_oracle(grad, cache)
    tol = TOLERANCE[dtype]
    assert packed.dtype == dtype
    np.testing.assert_allclose(packed, expected, **tol)
    assert set(grads) == set(expected_grads)
    for name, g in grads.items():
        assert g.dtype == dtype, name
        np.testing.assert_allclose(g, expected_grads[name], **tol, err_msg=name)


@pytest.mark.small
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("shape", SMALL_SHAPES)
def test_lstm_kernels_match_oracle_small(shape, variant, dtype):
    _check_against_oracle(shape, variant, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("shape", [(7, 5, 6, 19), (2, 3, 4, 33), (12, 1, 3, 16)])
def test_lstm_kernels_match_oracle_vector_sizes(shape, variant, dtype):
    # H not a multiple of the vector width: vectorised loops and their remainders both run
    _check_against_oracle(shape, variant, dtype, seed=1)


@pytest.mark.small
def test_lstm_backward_skips_unneeded_gradients():
    rng = np.random.default_rng(2)
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = _inputs(rng, 3, 2, 3, 4, "standard")
    peep = np.zeros((3, 4))
    hs, cs, gates = lstm_forward(x, h0, c0, w_ih, w_hh, b_ih + b_hh, peep, 0)
    grad = rng.standard_normal((4, 2, 4))
    full = lstm_backward(grad, x, w_ih, w_hh, peep, hs, cs, gates, 0)
    part = lstm_backward(grad, x, w_ih, w_hh, peep, hs, cs, gates, 0, False, False)
    assert part[:3] == (None, None, None)
    for a, b in zip(full[3:], part[3:]):
        np.testing.assert_allclose(a, b, rtol=1e-13)


# --- the op ------------------------------------------------------------------------------


def _loss_and_grads(run, arrays, variant, rng_seed=5):
    """Sum of out, h_T and c_T against fixed random weights; gradients of every input."""
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    peep = tensors[7] if variant == "peephole" else None
    out, (h, c) = run(*tensors[:7], peep, variant=variant)
    rng = np.random.default_rng(rng_seed)
    loss = (out * Tensor(rng.standard_normal(out.shape))).sum()
    loss = loss + (h * Tensor(rng.standard_normal(h.shape))).sum()
    loss = loss + (c * Tensor(rng.standard_normal(c.shape))).sum()
    loss.backward()
    return [out.data, h.data, c.data], [t.grad for t in tensors]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_lstm_fused_matches_primitive_ops(variant):
    arrays = _inputs(np.random.default_rng(3), 5, 3, 4, 6, variant)
    values, grads = _loss_and_grads(lstm, arrays, variant)
    expected_values, expected_grads = _loss_and_grads(lstm_unfused, arrays, variant)
    for got, want in zip(values, expected_values):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    for name, got, want in zip(NAMES, grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=name)


def test_lstm_is_one_node_whatever_the_length():
    arrays = _inputs(np.random.default_rng(4), 20, 2, 3, 4, "standard")
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out, (h, c) = lstm(*tensors)
    assert out.shape == (20, 2, 4)
    assert h.shape == c.shape == (2, 4)
    assert out.op == "getitem"
    node = out.parents[0]
    assert node.op == "lstm"
    assert node.shape == (21, 2, 4)
    assert node.parents == tuple(tensors)
    assert h.parents[0] is node
    assert c.parents[0] is node


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_keeps_dtype(dtype):
    arrays = _inputs(np.random.default_rng(6), 3, 2, 3, 4, "coupled", dtype)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out, (h, c) = lstm(*tensors, variant="coupled")
    (out.sum() + c.sum()).backward()
    assert out.dtype == h.dtype == c.dtype == dtype
    for t in tensors:
        assert t.grad.dtype == dtype


def test_lstm_defaults_state_and_biases_to_zero():
    x, h0, _, w_ih, w_hh, b_ih, b_hh = _inputs(np.random.default_rng(7), 3, 2, 3, 4, "standard")
    zeros = np.zeros_like(h0)
    out, _ = lstm(x, None, None, w_ih, w_hh, None, None)
    expected, _ = lstm(x, zeros, zeros, w_ih, w_hh, np.zeros_like(b_ih), np.zeros_like(b_hh))
    np.testing.assert_array_equal(out.data, expected.data)


def test_lstm_output_changed_in_place_makes_backward_raise():
    arrays = _inputs(np.random.default_rng(8), 3, 2, 3, 4, "standard")
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out, _ = lstm(*tensors)
    with no_grad():
        out += 1.0  # out is a view of the op's output, which backward needs
    with pytest.raises(RuntimeError, match="modified in place"):
        out.sum().backward()


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_stable_for_huge_preactivations(variant, dtype):
    rng = np.random.default_rng(9)
    arrays = _inputs(rng, 4, 3, 1, 5, variant, dtype)
    gates = VARIANTS[variant][1]
    arrays[0] = (1000.0 * rng.choice([-1.0, 1.0], (4, 3, 1))).astype(dtype)  # x = ±1000
    arrays[3] = rng.choice([-1.0, 1.0], (gates * 5, 1)).astype(dtype)  # z = ±1000 + small
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        out, (_, c) = lstm(*tensors, variant=variant)
        (out.sum() + c.sum()).backward()
        expected = lstm_forward_oracle(*arrays, variant=variant)[0]
    assert np.isfinite(out.data).all()
    assert np.isfinite(c.data).all()
    for t in tensors:
        assert np.isfinite(t.grad).all()
    np.testing.assert_allclose(out.data, expected[:4], atol=1e-6)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"variant": "gru"}, r"lstm: unknown variant 'gru'; choose from 'standard'"),
        ({"x": np.zeros((3, 2))}, r"lstm: x must be 3-D \(T, B, D\), got shape \(3, 2\)"),
        ({"x": np.zeros((0, 2, 3))}, r"sequence is empty"),
        ({"w_hh": np.zeros((16, 5))}, r"w_hh must have shape \(4H, H\) .*, got \(16, 5\)"),
        ({"w_ih": np.zeros((16, 2))}, r"w_ih must have shape \(4H, D\) = \(16, 3\).*got \(16, 2\)"),
        ({"h0": np.zeros((3, 4))}, r"h0 must have shape \(B, H\) = \(2, 4\).*got \(3, 4\)"),
        ({"c0": np.zeros((2, 5))}, r"c0 must have shape \(B, H\) = \(2, 4\).*got \(2, 5\)"),
        ({"b_hh": np.zeros(15)}, r"b_hh must have shape \(4H,\) = \(16,\).*got \(15,\)"),
        ({"variant": "coupled"}, r"w_hh must have shape \(3H, H\) for variant 'coupled'"),
        ({"variant": "peephole"}, r"variant 'peephole' needs w_peep of shape \(3, 4\)"),
        ({"w_peep": np.zeros((3, 4))}, r"w_peep is only used by variant 'peephole'"),
    ],
)
def test_lstm_rejects_bad_shapes_clearly(change, match):
    args = {
        "x": np.zeros((5, 2, 3)),
        "h0": np.zeros((2, 4)),
        "c0": np.zeros((2, 4)),
        "w_ih": np.zeros((16, 3)),
        "w_hh": np.zeros((16, 4)),
        "b_ih": np.zeros(16),
        "b_hh": np.zeros(16),
        "w_peep": None,
        "variant": "standard",
    }
    args.update(change)
    variant = args.pop("variant")
    with pytest.raises(ValueError, match=match):
        lstm(*args.values(), variant=variant)


def test_lstm_rejects_wrong_peephole_shape():
    args = _inputs(np.random.default_rng(10), 2, 2, 3, 4, "peephole")
    args[7] = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"w_peep must have shape \(3, H\) = \(3, 4\)"):
        lstm(*args, variant="peephole")


def test_lstm_matches_torch_nn_lstm():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    steps, batch, dim, hidden = 6, 3, 4, 5
    x, h0, c0, w_ih, w_hh, b_ih, b_hh = _inputs(rng, steps, batch, dim, hidden, "standard")
    module = torch.nn.LSTM(dim, hidden).double()
    with torch.no_grad():
        for p, a in zip(module.parameters(), (w_ih, w_hh, b_ih, b_hh)):
            p.copy_(torch.from_numpy(a))
    tx, th0, tc0 = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    t_out, (t_h, t_c) = module(tx, (th0[None], tc0[None]))
    ups = [
        rng.standard_normal(s) for s in ((steps, batch, hidden), (batch, hidden), (batch, hidden))
    ]
    (
        (t_out * torch.from_numpy(ups[0])).sum()
        + (t_h[0] * torch.from_numpy(ups[1])).sum()
        + (t_c[0] * torch.from_numpy(ups[2])).sum()
    ).backward()

    tensors = [Tensor(a, requires_grad=True) for a in (x, h0, c0, w_ih, w_hh, b_ih, b_hh)]
    out, (h, c) = lstm(*tensors)
    (
        (out * Tensor(ups[0])).sum() + (h * Tensor(ups[1])).sum() + (c * Tensor(ups[2])).sum()
    ).backward()

    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h.data, t_h[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.data, t_c[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    expected = [tx.grad, th0.grad, tc0.grad, *(p.grad for p in module.parameters())]
    for name, t, want in zip(NAMES, tensors, expected):
        np.testing.assert_allclose(t.grad, want.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
