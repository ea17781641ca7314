"""conv2d kernels against their numpy oracles, and the conv2d op against PyTorch (float32)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from autograd import Tensor
from autograd.kernels import conv_oracle as oracle
from autograd.kernels.conv import (
    _col2im,
    _im2col,
    conv2d_backward,
    conv2d_backward_bias,
    conv2d_backward_input,
    conv2d_backward_weight,
    conv2d_forward,
    out_size,
)
from autograd.ops.conv import conv2d

# (x shape, w shape, stride, padding): batch 1, one channel, odd and non-square sizes,
# stride > 1, padding, a kernel as large as the padded input, a 1x1 kernel
FIXED_CASES = [
    ((1, 1, 4, 4), (1, 1, 3, 3), (1, 1), (0, 0)),
    ((2, 3, 7, 6), (4, 3, 3, 2), (2, 1), (1, 2)),
    ((1, 2, 5, 5), (3, 2, 5, 5), (2, 2), (2, 2)),
    ((3, 2, 9, 7), (2, 2, 2, 3), (3, 2), (0, 1)),
    ((2, 1, 3, 3), (1, 1, 5, 5), (1, 1), (1, 1)),
    ((1, 4, 6, 5), (2, 4, 1, 1), (1, 1), (0, 0)),
    ((2, 2, 8, 8), (3, 2, 3, 3), (3, 3), (1, 1)),
]


def _random_cases(count: int, seed: int = 5) -> list:
    """Random small geometries (deterministic): every size fits its padded input."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(count):
        n, c, o = (int(v) for v in rng.integers(1, 4, 3))
        kh, kw = (int(v) for v in rng.integers(1, 5, 2))
        sh, sw = (int(v) for v in rng.integers(1, 4, 2))
        ph, pw = (int(v) for v in rng.integers(0, 3, 2))
        h = int(rng.integers(max(1, kh - 2 * ph), 10))
        w = int(rng.integers(max(1, kw - 2 * pw), 10))
        cases.append(((n, c, h, w), (o, c, kh, kw), (sh, sw), (ph, pw)))
    return cases


CASES = FIXED_CASES + _random_cases(8)
DTYPES = [np.float32, np.float64]


def _tolerance(dtype) -> dict:
    return {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-11, "atol": 1e-11}


def _arrays(rng, x_shape, w_shape, dtype):
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[:1]).astype(dtype)
    return x, w, b


@pytest.mark.small
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CASES)
def test_conv2d_forward_matches_oracle(rng, x_shape, w_shape, stride, padding, dtype):
    x, w, b = _arrays(rng, x_shape, w_shape, dtype)
    for bias in (b, None):
        y = conv2d_forward(x, w, bias, stride, padding)
        assert y.dtype == dtype
        expected = oracle.conv2d_forward_oracle(x, w, bias, stride, padding)
        np.testing.assert_allclose(y, expected, **_tolerance(dtype))


@pytest.mark.small
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CASES)
def test_conv2d_backward_matches_oracle(rng, x_shape, w_shape, stride, padding, dtype):
    x, w, b = _arrays(rng, x_shape, w_shape, dtype)
    y = conv2d_forward(x, w, b, stride, padding)
    grad = rng.standard_normal(y.shape).astype(dtype)
    tol = _tolerance(dtype)

    dx, dw = conv2d_backward(grad, x, w, stride, padding, (True, True))
    expected_dx, expected_dw = oracle.conv2d_backward_oracle(
        grad, x, w, stride, padding, (True, True)
    )
    assert dx.shape == x.shape
    assert dx.dtype == dtype
    np.testing.assert_allclose(dx, expected_dx, **tol)
    assert dw.shape == w.shape
    assert dw.dtype == dtype
    np.testing.assert_allclose(dw, expected_dw, **tol)

    db = conv2d_backward_bias(grad)
    np.testing.assert_allclose(db, oracle.conv2d_backward_bias_oracle(grad), **tol)

    # one gradient alone is the same as both at once
    only_dx = conv2d_backward(grad, x, w, stride, padding, (True, False))
    only_dw = conv2d_backward(grad, x, w, stride, padding, (False, True))
    assert only_dx[1] is None
    assert only_dw[0] is None
    np.testing.assert_array_equal(only_dx[0], dx)
    np.testing.assert_array_equal(only_dw[1], dw)


@pytest.mark.small
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CASES)
def test_conv2d_backward_input_and_weight_alone_match_oracle(
    rng, x_shape, w_shape, stride, padding, dtype
):
    # the entry points of the ops conv2d_input_grad and conv2d_weight_grad: each takes only
    # the other operand and the missing shape (x's H, W are not fixed by Ho when stride > 1)
    x, w, _ = _arrays(rng, x_shape, w_shape, dtype)
    y = conv2d_forward(x, w, None, stride, padding)
    grad = rng.standard_normal(y.shape).astype(dtype)
    tol = _tolerance(dtype)

    dx = conv2d_backward_input(grad, w, x_shape, stride, padding)
    dw = conv2d_backward_weight(grad, x, w_shape, stride, padding)
    assert (dx.shape, dx.dtype, dw.shape, dw.dtype) == (x_shape, dtype, w_shape, dtype)
    expected_dx = oracle.conv2d_backward_input_oracle(grad, w, x_shape, stride, padding)
    expected_dw = oracle.conv2d_backward_weight_oracle(grad, x, w_shape, stride, padding)
    np.testing.assert_allclose(dx, expected_dx, **tol)
    np.testing.assert_allclose(dw, expected_dw, **tol)
    both = conv2d_backward(grad, x, w, stride, padding, (True, True))
    np.testing.assert_array_equal(both[0], dx)
    np.testing.assert_array_equal(both[1], dw)


@pytest.mark.small
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), FIXED_CASES)
def test_col2im_is_adjoint_of_im2col(rng, x_shape, w_shape, stride, padding):
    # <im2col(x), c> == <x, col2im(c)> for every x and c: col2im is im2col's transpose
    x = rng.standard_normal(x_shape)
    (kh, kw), (sh, sw), (ph, pw) = w_shape[2:], stride, padding
    ho, wo = out_size(x_shape[2], kh, sh, ph), out_size(x_shape[3], kw, sw, pw)
    geometry = (kh, kw, sh, sw, ph, pw, ho, wo)
    cols = np.empty((x_shape[1] * kh * kw, x_shape[0], ho * wo))
    _im2col(x, cols, *geometry)
    c = rng.standard_normal(cols.shape)
    back = np.empty_like(x)
    _col2im(c, back, *geometry)
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)


@pytest.mark.small
def test_conv2d_forward_accepts_non_contiguous_input(rng):
    x = rng.standard_normal((2, 3, 6, 8))[:, :, :, ::2]
    w = rng.standard_normal((2, 3, 3, 3))
    y = conv2d_forward(x, w, None, (1, 1), (1, 1))
    np.testing.assert_allclose(
        y, oracle.conv2d_forward_oracle(x, w, None, (1, 1), (1, 1)), rtol=1e-12, atol=1e-12
    )


def test_conv2d_results_keep_their_values_when_scratch_is_reused(rng):
    # cols and the rearranged gradient live in pooled buffers reused by the next call
    x, w, b = _arrays(rng, (2, 3, 6, 6), (4, 3, 3, 3), np.float64)
    y1 = conv2d_forward(x, w, b, (1, 1), (1, 1))
    g1 = rng.standard_normal(y1.shape)
    dx1, dw1 = conv2d_backward(g1, x, w, (1, 1), (1, 1), (True, True))
    kept = [a.copy() for a in (y1, dx1, dw1)]
    y2 = conv2d_forward(2 * x, w, None, (2, 2), (0, 0))
    conv2d_backward(rng.standard_normal(y2.shape), 2 * x, w, (2, 2), (0, 0), (True, True))
    for before, after in zip(kept, (y1, dx1, dw1)):
        np.testing.assert_array_equal(before, after)


def test_conv2d_threads_compute_independently(rng):
    cases = [_arrays(rng, (3, 2, 7, 7), (3, 2, 3, 3), np.float64) for _ in range(4)]

    def run(case):
        x, w, b = case
        return conv2d_forward(x, w, b, (1, 1), (1, 1))

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(run, cases * 5))
    for (x, w, b), y in zip(cases * 5, results):
        expected = oracle.conv2d_forward_oracle(x, w, b, (1, 1), (1, 1))
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_conv2d_op_errors_name_op_and_shapes(rng):
    x = Tensor(rng.standard_normal((1, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"conv2d.*\(1, 3, 5, 5\).*\(2, 4, 3, 3\).*channels"):
        conv2d(x, Tensor(rng.standard_normal((2, 4, 3, 3))))
    with pytest.raises(ValueError, match=r"conv2d.*kernel height 7 is larger.*padded input"):
        conv2d(x, Tensor(rng.standard_normal((2, 3, 7, 3))), padding=0)
    with pytest.raises(ValueError, match=r"conv2d.*b must have shape \(2,\)"):
        conv2d(x, Tensor(rng.standard_normal((2, 3, 3, 3))), Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match=r"conv2d: stride must be at least 1"):
        conv2d(x, Tensor(rng.standard_normal((2, 3, 3, 3))), stride=0)


def test_conv2d_op_computes_mixed_dtypes_in_float64(rng):
    x = Tensor(rng.standard_normal((1, 1, 4, 4)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True)
    y = conv2d(x, w)
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    assert w.grad.dtype == np.float64


def test_conv2d_op_matches_torch_float32_realistic_size(rng):
    torch = pytest.importorskip("torch")
    x_np = rng.standard_normal((4, 3, 17, 17)).astype(np.float32)
    w_np = (0.2 * rng.standard_normal((5, 3, 3, 3))).astype(np.float32)
    b_np = rng.standard_normal(5).astype(np.float32)
    x, w, b = (Tensor(a.copy(), requires_grad=True) for a in (x_np, w_np, b_np))
    y = conv2d(x, w, b, stride=2, padding=1)
    upstream = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(upstream)

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    ty = torch.nn.functional.conv2d(tx, tw, tb, stride=2, padding=1)
    ty.backward(torch.from_numpy(upstream))

    assert y.shape == (4, 5, 9, 9)
    assert y.dtype == np.float32
    tol = {"rtol": 1e-4, "atol": 1e-4}
    np.testing.assert_allclose(y.data, ty.detach().numpy(), **tol)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), **tol)
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), **tol)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), **tol)


@pytest.mark.small
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kept_cols_give_the_same_weight_gradient(rng, dtype, monkeypatch):
    from autograd.kernels import conv as kernels

    x = rng.standard_normal((3, 2, 6, 5)).astype(dtype)
    w = rng.standard_normal((4, 2, 3, 3)).astype(dtype)
    y, cols = kernels.conv2d_forward_keeping_cols(x, w, None, (1, 1), (1, 1))
    assert cols is not None  # one chunk
    assert cols.shape == (2 * 3 * 3, 3 * 6 * 5)
    np.testing.assert_array_equal(y, conv2d_forward(x, w, None, (1, 1), (1, 1)))
    grad = rng.standard_normal(y.shape).astype(dtype)
    kept = conv2d_backward(grad, x, w, (1, 1), (1, 1), (True, True), cols)
    gathered = conv2d_backward(grad, x, w, (1, 1), (1, 1), (True, True))
    np.testing.assert_array_equal(kept[0], gathered[0])
    np.testing.assert_allclose(kept[1], gathered[1], rtol=1e-6 if dtype == np.float32 else 1e-13)
    # several chunks: nothing is kept (the buffer is reused from chunk to chunk)
    monkeypatch.setattr(kernels, "CHUNK_BYTES", cols.nbytes // 3)
    assert kernels.conv2d_forward_keeping_cols(x, w, None, (1, 1), (1, 1))[1] is None


def test_conv_op_keeps_cols_only_while_recording(rng):
    from autograd import no_grad
    from autograd.ops.conv import Conv2d

    x = Tensor(rng.standard_normal((2, 1, 5, 5)))
    w = Tensor(rng.standard_normal((3, 1, 3, 3)), requires_grad=True)
    y = Conv2d.apply(x, w, stride=(1, 1), padding=(0, 0))
    assert y._ctx.cols.shape == (9, 2 * 3 * 3)
    with no_grad():
        z = Conv2d.apply(x, w, stride=(1, 1), padding=(0, 0))
    assert z._ctx is None
