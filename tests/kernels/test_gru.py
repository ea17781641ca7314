"""The fused GRU: kernels against the numpy oracle, the op against PyTorch, stability at
±1000 and shape errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from autograd import Tensor
from autograd.kernels.gru import gru_backward, gru_forward
from autograd.kernels.gru_oracle import gru_backward_oracle, gru_forward_oracle
from autograd.ops.rnn import gru

NAMES = ("x", "h0", "w_ih", "w_hh", "b_ih", "b_hh")
TOLERANCE = {np.float64: {"rtol": 1e-10, "atol": 1e-12}, np.float32: {"rtol": 1e-4, "atol": 2e-5}}


def _inputs(rng, steps, batch, dim, hidden, dtype=np.float64, scale=0.5):
    """x, h0, w_ih, w_hh, b_ih, b_hh as arrays of ``dtype``."""
    shapes = [
        (steps, batch, dim),
        (batch, hidden),
        (3 * hidden, dim),
        (3 * hidden, hidden),
        (3 * hidden,),
        (3 * hidden,),
    ]
    arrays = [rng.standard_normal(s) for s in shapes]
    for k in range(2, len(arrays)):
        arrays[k] *= scale
    return [a.astype(dtype) for a in arrays]


def _check_against_oracle(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = _inputs(rng, *shape, dtype)
    x, _, w_ih, w_hh, _, _ = arrays
    grad = rng.standard_normal((shape[0], shape[1], shape[3])).astype(dtype)
    hs, gates, hns = gru_forward(*arrays)
    grads = dict(zip(NAMES, gru_backward(grad, x, w_ih, w_hh, hs, gates, hns)))
    expected, cache = gru_forward_oracle(*arrays)
    expected_grads = gru_backward_oracle(grad, cache)
    tol = TOLERANCE[dtype]
    assert hs.dtype == dtype
    np.testing.assert_allclose(hs[1:], expected, **tol)
    for name, g in grads.items():
        assert g.dtype == dtype, name
        np.testing.assert_allclose(g, expected_grads[name], **tol, err_msg=name)


@pytest.mark.small
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (1, 2, 3, 2), (3, 1, 2, 3), (4, 2, 3, 4)])
def test_gru_kernels_match_oracle_small(shape, dtype):
    _check_against_oracle(shape, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(7, 5, 6, 19), (2, 3, 4, 33), (12, 1, 3, 16)])
def test_gru_kernels_match_oracle_vector_sizes(shape, dtype):
    _check_against_oracle(shape, dtype, seed=1)


@pytest.mark.small
def test_gru_backward_skips_unneeded_gradients():
    rng = np.random.default_rng(2)
    x, h0, w_ih, w_hh, b_ih, b_hh = _inputs(rng, 3, 2, 3, 4)
    hs, gates, hns = gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh)
    grad = rng.standard_normal((3, 2, 4))
    full = gru_backward(grad, x, w_ih, w_hh, hs, gates, hns)
    part = gru_backward(grad, x, w_ih, w_hh, hs, gates, hns, False, False)
    assert part[:2] == (None, None)
    for a, b in zip(full[2:], part[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_gru_is_one_node_and_returns_the_last_state():
    arrays = _inputs(np.random.default_rng(3), 15, 2, 3, 4)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out, h = gru(*tensors)
    assert out.op == "gru"
    assert out.shape == (15, 2, 4)
    assert out.parents == tuple(tensors)
    np.testing.assert_array_equal(h.data, out.data[-1])
    assert h.parents[0] is out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gru_keeps_dtype_and_defaults_to_zeros(dtype):
    x, h0, w_ih, w_hh, b_ih, b_hh = _inputs(np.random.default_rng(4), 3, 2, 3, 4, dtype)
    tensors = [Tensor(a, requires_grad=True) for a in (x, w_ih, w_hh)]
    out, h = gru(tensors[0], None, tensors[1], tensors[2], None, None)
    (out.sum() + h.sum()).backward()
    assert out.dtype == dtype
    for t in tensors:
        assert t.grad.dtype == dtype
    zeros = np.zeros_like
    expected, _ = gru(x, zeros(h0), w_ih, w_hh, zeros(b_ih), zeros(b_hh))
    np.testing.assert_array_equal(out.data, expected.data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gru_stable_for_huge_preactivations(dtype):
    rng = np.random.default_rng(5)
    arrays = _inputs(rng, 4, 3, 1, 5, dtype)
    arrays[0] = (1000.0 * rng.choice([-1.0, 1.0], (4, 3, 1))).astype(dtype)
    arrays[2] = rng.choice([-1.0, 1.0], (15, 1)).astype(dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        tensors = [Tensor(a, requires_grad=True) for a in arrays]
        out, _ = gru(*tensors)
        out.sum().backward()
        expected = gru_forward_oracle(*arrays)[0]
    assert np.isfinite(out.data).all()
    for t in tensors:
        assert np.isfinite(t.grad).all()
    np.testing.assert_allclose(out.data, expected, atol=1e-6)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"x": np.zeros((3, 2))}, r"gru: x must be 3-D \(T, B, D\), got shape \(3, 2\)"),
        ({"x": np.zeros((0, 2, 3))}, r"sequence is empty"),
        ({"w_hh": np.zeros((16, 4))}, r"gru: w_hh must have shape \(3H, H\), got \(16, 4\)"),
        ({"w_ih": np.zeros((12, 2))}, r"w_ih must have shape \(3H, D\) = \(12, 3\).*got \(12, 2\)"),
        ({"h0": np.zeros((2, 5))}, r"h0 must have shape \(B, H\) = \(2, 4\).*got \(2, 5\)"),
        ({"b_ih": np.zeros(11)}, r"b_ih must have shape \(3H,\) = \(12,\).*got \(11,\)"),
    ],
)
def test_gru_rejects_bad_shapes_clearly(change, match):
    args = {
        "x": np.zeros((5, 2, 3)),
        "h0": np.zeros((2, 4)),
        "w_ih": np.zeros((12, 3)),
        "w_hh": np.zeros((12, 4)),
        "b_ih": np.zeros(12),
        "b_hh": np.zeros(12),
    }
    args.update(change)
    with pytest.raises(ValueError, match=match):
        gru(*args.values())


def test_gru_matches_torch_nn_gru():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    steps, batch, dim, hidden = 6, 3, 4, 5
    x, h0, w_ih, w_hh, b_ih, b_hh = _inputs(rng, steps, batch, dim, hidden)
    module = torch.nn.GRU(dim, hidden).double()
    with torch.no_grad():
        for p, a in zip(module.parameters(), (w_ih, w_hh, b_ih, b_hh)):
            p.copy_(torch.from_numpy(a))
    tx, th0 = (torch.tensor(a, requires_grad=True) for a in (x, h0))
    t_out, t_h = module(tx, th0[None])
    ups = [rng.standard_normal(s) for s in ((steps, batch, hidden), (batch, hidden))]
    (
        (t_out * torch.from_numpy(ups[0])).sum() + (t_h[0] * torch.from_numpy(ups[1])).sum()
    ).backward()

    tensors = [Tensor(a, requires_grad=True) for a in (x, h0, w_ih, w_hh, b_ih, b_hh)]
    out, h = gru(*tensors)
    ((out * Tensor(ups[0])).sum() + (h * Tensor(ups[1])).sum()).backward()

    np.testing.assert_allclose(out.data, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h.data, t_h[0].detach().numpy(), rtol=1e-12, atol=1e-12)
    expected = [tx.grad, th0.grad, *(p.grad for p in module.parameters())]
    for name, t, want in zip(NAMES, tensors, expected):
        np.testing.assert_allclose(t.grad, want.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
