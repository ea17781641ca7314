"""Fused GRU over a whole sequence, with PyTorch's equations and layout.

``w_ih (3H, D)``, ``w_hh (3H, H)``, ``b_ih``, ``b_hh (3H,)``, gate order r, z, n; x (T, B, D),
h0 (B, H). Per step::

    r = σ(W_ir x + b_ir + W_hr h + b_hr)
    z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))      b_hn sits inside the product with r
    h' = (1 - z) ⊙ n + z ⊙ h

As in `autograd.kernels.lstm`: one GEMM for all input projections (turned into the gate
activations in place), per step a GEMM for the hidden projection and a jitted kernel for the
gates; backward per step a jitted kernel and a GEMM for dh_{t-1}, then single GEMMs for the
weight and input gradients; big arrays live on recycled memory (`autograd.kernels.buffers`).
The gradients of the input projection (dgi) and of the hidden projection (dgh) differ only in
the n block: dgh_n = dgi_n ⊙ r, since r multiplies W_hn h + b_hn.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels.activations import sigmoid, tanh
from autograd.kernels.buffers import empty, row_major_transpose
from autograd.kernels.jit import njit

# As in the LSTM kernels, each inner loop writes one output stream so that it vectorises.


@njit(error_model="numpy")
def gru_step_forward(z, hw, b_ih, b_hh, h_prev, hn, rhn, h):
    """One step, gates computed in place: z (B, 3H) holds x_t W_ihᵀ on entry and r, z, n on
    exit. hw (B, 3H) = h_{t-1} W_hhᵀ; b_ih, b_hh (3H,); h_prev (B, H). Writes hn (B, H) =
    W_hn h_{t-1} + b_hn and h (B, H); rhn (B, H) is scratch (r ⊙ hn)."""
    batch, hidden = h.shape
    kz = hidden
    kn = 2 * hidden
    for b in range(batch):
        for j in range(hidden):
            # r = σ(W_ir x + b_ir + W_hr h + b_hr)
            z[b, j] = sigmoid(z[b, j] + b_ih[j] + hw[b, j] + b_hh[j])
        for j in range(hidden):
            # z = σ(W_iz x + b_iz + W_hz h + b_hz)
            k = kz + j
            z[b, k] = sigmoid(z[b, k] + b_ih[k] + hw[b, k] + b_hh[k])
        for j in range(hidden):
            hn[b, j] = hw[b, kn + j] + b_hh[kn + j]
        for j in range(hidden):
            # apart from the n loop: reading z[b, j] while writing z[b, kn + j] (2H apart in
            # one array) would stop it from vectorising
            rhn[b, j] = z[b, j] * hn[b, j]
        for j in range(hidden):
            # n = tanh(W_in x + b_in + r·(W_hn h + b_hn))
            k = kn + j
            z[b, k] = tanh(z[b, k] + b_ih[k] + rhn[b, j])
        for j in range(hidden):
            # h' = (1 - z)·n + z·h = n + z·(h - n)
            n = z[b, kn + j]
            h[b, j] = n + z[b, kz + j] * (h_prev[b, j] - n)


@njit(error_model="numpy")
def gru_step_backward(gates, hn, h_prev, dh_out, dh_rec, dh_next, dgi, dgh):
    """One step back. gates, hn, h_prev as in forward; dh_out (B, H) the gradient reaching h_t
    from outside. In/out: dh_rec (B, H) = dgh_{t+1} W_hh on entry, the total dL/dh_t on exit;
    dh_next (B, H) = dL/dh_t along the direct path z ⊙ h on entry, that of h_{t-1} on exit.
    Writes dgi, dgh (B, 3H): the gradients of x W_ihᵀ + b_ih and of h W_hhᵀ + b_hh.
    """
    batch, hidden = h_prev.shape
    one = h_prev.dtype.type(1)
    kz = hidden
    kn = 2 * hidden
    for b in range(batch):
        for j in range(hidden):
            dh_rec[b, j] += dh_out[b, j] + dh_next[b, j]
        for j in range(hidden):
            # h' = n + z·(h - n): d/dn: 1 - z; tanh' = 1 - n²
            n = gates[b, kn + j]
            dgi[b, kn + j] = dh_rec[b, j] * (one - gates[b, kz + j]) * (one - n * n)
        for j in range(hidden):
            # d/dz: h - n; σ' = z·(1 - z)
            z = gates[b, kz + j]
            dgi[b, kz + j] = dh_rec[b, j] * (h_prev[b, j] - gates[b, kn + j]) * z * (one - z)
        for j in range(hidden):
            # d/dr: dn_pre·(W_hn h + b_hn); dn_pre recomputed (reading dgi here would stop
            # the loop from vectorising: a read and a write H apart in one array)
            n = gates[b, kn + j]
            r = gates[b, j]
            dn_pre = dh_rec[b, j] * (one - gates[b, kz + j]) * (one - n * n)
            dgi[b, j] = dn_pre * hn[b, j] * r * (one - r)
        for k in range(2 * hidden):
            # r and z: W_h· h + b_h· enters exactly like W_i· x + b_i·
            dgh[b, k] = dgi[b, k]
        for j in range(hidden):
            # d/d(W_hn h + b_hn): dn_pre·r
            dgh[b, kn + j] = dgi[b, kn + j] * gates[b, j]
        for j in range(hidden):
            # d/dh_{t-1} along h' = … + z·h
            dh_next[b, j] = dh_rec[b, j] * gates[b, kz + j]


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the GRU over the sequence; all arrays C-contiguous and of one float dtype.

    x (T, B, D), h0 (B, H), w_ih (3H, D), w_hh (3H, H), b_ih and b_hh (3H,). Returns
    ``(hs, gates, hns)``: hs (T+1, B, H) = h0, h_1 … h_T (``hs[1:]`` is the output);
    gates (T, B, 3H) = r, z, n; hns (T, B, H) = W_hn h_{t-1} + b_hn.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    dtype = x.dtype
    # all input projections in one GEMM, (T·B, D) @ (D, 3H); the kernels turn them into the
    # gate activations in place
    gates = empty((steps, batch, 3 * hidden), dtype)
    np.matmul(x.reshape(steps * batch, -1), w_ih.T, out=gates.reshape(steps * batch, -1))
    hs = empty((steps + 1, batch, hidden), dtype)
    hns = empty((steps, batch, hidden), dtype)
    hw = empty((batch, 3 * hidden), dtype)
    rhn = empty((batch, hidden), dtype)
    hs[0] = h0
    w_hh_t = row_major_transpose(w_hh, steps)
    for t in range(steps):
        np.matmul(hs[t], w_hh_t, out=hw)
        gru_step_forward(gates[t], hw, b_ih, b_hh, hs[t], hns[t], rhn, hs[t + 1])
    return hs, gates, hns


def gru_backward(
    grad: np.ndarray,
    x: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    hs: np.ndarray,
    gates: np.ndarray,
    hns: np.ndarray,
    need_x: bool = True,
    need_h0: bool = True,
) -> tuple[np.ndarray | None, ...]:
    """Backpropagate through time from ``grad`` (T, B, H), the gradient of the outputs.

    Returns ``(dx, dh0, dw_ih, dw_hh, db_ih, db_hh)``; dx is None unless ``need_x``, dh0
    None unless ``need_h0``.
    """
    steps, batch, _ = x.shape
    hidden = hs.shape[2]
    dtype = x.dtype
    dgi = empty((steps, batch, 3 * hidden), dtype)
    dgh = empty((steps, batch, 3 * hidden), dtype)
    dh_rec = empty((batch, hidden), dtype)
    dh_next = empty((batch, hidden), dtype)
    dh_rec[...] = 0
    dh_next[...] = 0
    for t in range(steps - 1, -1, -1):
        gru_step_backward(gates[t], hns[t], hs[t], grad[t], dh_rec, dh_next, dgi[t], dgh[t])
        if t > 0 or need_h0:
            # d/dh_{t-1} through the hidden projection: dgh_t · W_hh
            np.matmul(dgh[t], w_hh, out=dh_rec)
    dgi2 = dgi.reshape(steps * batch, 3 * hidden)
    dgh2 = dgh.reshape(steps * batch, 3 * hidden)
    # d/dW_ih: Σ_t dgi_tᵀ x_t, d/dW_hh: Σ_t dgh_tᵀ h_{t-1}, biases: Σ over t and b
    dw_ih = np.matmul(dgi2.T, x.reshape(steps * batch, -1), out=empty(w_ih.shape, dtype))
    dw_hh = np.matmul(
        dgh2.T, hs[:steps].reshape(steps * batch, hidden), out=empty(w_hh.shape, dtype)
    )
    db_ih = dgi2.sum(axis=0)
    db_hh = dgh2.sum(axis=0)
    dx = None
    if need_x:
        # d/dx_t: dgi_t · W_ih
        dx = empty(x.shape, dtype)
        np.matmul(dgi2, w_ih, out=dx.reshape(steps * batch, -1))
    dh0 = dh_rec + dh_next if need_h0 else None
    return dx, dh0, dw_ih, dw_hh, db_ih, db_hh
