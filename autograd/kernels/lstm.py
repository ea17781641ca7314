"""Fused LSTM over a whole sequence: forward keeps the gate activations, backward runs BPTT.

PyTorch layout and gate order i, f, g, o: ``w_ih (4H, D)``, ``w_hh (4H, H)``, one bias
``b = b_ih + b_hh (4H,)``; x (T, B, D), h0 and c0 (B, H). Per step, with z = x_t W_ihᵀ +
h_{t-1} W_hhᵀ + b split into four (B, H) blocks::

    i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g        h_t = o ⊙ tanh(c_t)

Variants (a small int code, so each kernel is compiled once per dtype):

- ``STANDARD`` (0): the equations above.
- ``PEEPHOLE`` (1), Gers & Schmidhuber: ``w_peep (3, H)`` rows p_i, p_f, p_o let the gates
  look at the cell: z_i += p_i ⊙ c_{t-1}, z_f += p_f ⊙ c_{t-1}, z_o += p_o ⊙ c_t.
- ``COUPLED`` (2): no input gate; 3H rows in gate order f, g, o and
  c_t = f ⊙ c_{t-1} + (1 - f) ⊙ g.

Numba has no BLAS here, so the products stay in numpy: one GEMM for all input projections
up front (the kernels turn them into the gate activations in place), per step a GEMM
``h_{t-1} W_hhᵀ`` and a jitted kernel for the gates and the cell; backward per step a jitted
kernel for the gate derivatives and a GEMM for dh_{t-1}; after the loop one GEMM each for
dW_ih, dW_hh and dx over all T·B rows at once. Big arrays come from
`autograd.kernels.buffers.empty`, which recycles memory instead of paying page faults on fresh
arrays every call.

The gate nonlinearities (`autograd.kernels.activations`) are stable for any input; in float32
they use a polynomial e^x that LLVM vectorises. Kernels use ``error_model="numpy"``: Python's
error model checks every division for zero, which stops the loops from vectorising.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels.activations import sigmoid, tanh
from autograd.kernels.buffers import empty, row_major_transpose
from autograd.kernels.jit import njit

STANDARD, PEEPHOLE, COUPLED = 0, 1, 2
#: variant name -> (int code passed to the kernels, number of gates)
VARIANTS = {"standard": (STANDARD, 4), "peephole": (PEEPHOLE, 4), "coupled": (COUPLED, 3)}

# --- the per-step kernels ------------------------------------------------------------------

# Each inner loop below writes one output stream. A loop that stores to several column
# blocks of one array (offsets j and j + H, H unknown to the compiler) does not vectorise
# (LLVM cannot rule out overlap), nor does one with many output arrays (too many run-time
# alias checks); one stream per loop vectorises, and a row of B·H values stays in L1 cache.
# Column offsets of the blocks are computed inline: LLVM must see how they relate to H.


@njit(error_model="numpy")
def lstm_step_forward(variant, z, hw, bias, peep, c_prev, c, h):
    """One step, gates computed in place: z (B, G·H) holds x_t W_ihᵀ on entry and the gate
    activations (i, f, g, o, or f, g, o for COUPLED) on exit.

    hw (B, G·H) = h_{t-1} W_hhᵀ; bias (G·H,) = b_ih + b_hh; peep (3, H), zeros unless
    PEEPHOLE (adding 0·c is exact); c_prev (B, H). Writes c (B, H) = c_t, h (B, H) = h_t.
    """
    batch, hidden = c.shape
    one = c.dtype.type(1)  # typed: an int literal would promote float32 math to float64
    kf = 0 if variant == COUPLED else hidden
    kg = kf + hidden
    ko = kg + hidden
    for b in range(batch):
        if variant != COUPLED:
            for j in range(hidden):
                # i = σ(z_i + p_i·c_{t-1})
                z[b, j] = sigmoid(z[b, j] + hw[b, j] + bias[j] + peep[0, j] * c_prev[b, j])
        for j in range(hidden):
            # f = σ(z_f + p_f·c_{t-1})
            k = kf + j
            z[b, k] = sigmoid(z[b, k] + hw[b, k] + bias[k] + peep[1, j] * c_prev[b, j])
        for j in range(hidden):
            # g = tanh(z_g)
            k = kg + j
            z[b, k] = tanh(z[b, k] + hw[b, k] + bias[k])
        if variant == COUPLED:
            for j in range(hidden):
                # c_t = f·c_{t-1} + (1 - f)·g
                f = z[b, j]
                c[b, j] = f * c_prev[b, j] + (one - f) * z[b, kg + j]
        else:
            for j in range(hidden):
                # c_t = f·c_{t-1} + i·g
                c[b, j] = z[b, kf + j] * c_prev[b, j] + z[b, j] * z[b, kg + j]
        for j in range(hidden):
            # o = σ(z_o + p_o·c_t)
            k = ko + j
            z[b, k] = sigmoid(z[b, k] + hw[b, k] + bias[k] + peep[2, j] * c[b, j])
        for j in range(hidden):
            # h_t = o·tanh(c_t)
            h[b, j] = z[b, ko + j] * tanh(c[b, j])


@njit(error_model="numpy")
def lstm_step_backward(variant, gates, c_prev, c, peep, dh_out, dh_rec, dc, dz, dpeep, tc):
    """One step back: from dL/dh_t and dL/dc_t to the gate pre-activation gradients.

    gates (B, G·H), c_prev, c (B, H) and peep (3, H) as in forward; dh_out (B, H) the
    gradient reaching h_t from outside. In/out: dh_rec (B, H), the gradient from step t+1
    (dz_{t+1} W_hh), is overwritten with the total dL/dh_t; dc (B, H) holds dL/dc_t on entry
    and dL/dc_{t-1} on exit. Writes dz (B, G·H) = dL/dz_t; PEEPHOLE adds into dpeep (3, H).
    tc (B, H) is scratch (it receives tanh(c_t), recomputed rather than stored by forward).
    """
    batch, hidden = c.shape
    one = c.dtype.type(1)
    kf = 0 if variant == COUPLED else hidden
    kg = kf + hidden
    ko = kg + hidden
    for b in range(batch):
        for j in range(hidden):
            dh_rec[b, j] += dh_out[b, j]
        for j in range(hidden):
            tc[b, j] = tanh(c[b, j])
        for j in range(hidden):
            # h_t = o·tanh(c_t): d/dz_o: dh·tanh(c_t)·σ'(z_o), σ' = o·(1 - o)
            o = gates[b, ko + j]
            dz[b, ko + j] = dh_rec[b, j] * tc[b, j] * o * (one - o)
        for j in range(hidden):
            # d/dc_t: what came from c_{t+1}, plus dh·o·(1 - tanh²(c_t)), plus dz_o·p_o
            t = tc[b, j]
            dh_o = dh_rec[b, j] * gates[b, ko + j]
            dc[b, j] += dh_o * (one - t * t) + dz[b, ko + j] * peep[2, j]
        if variant == COUPLED:
            for j in range(hidden):
                # c_t = f·c_{t-1} + (1 - f)·g: d/df: c_{t-1} - g
                f = gates[b, j]
                dz[b, j] = dc[b, j] * (c_prev[b, j] - gates[b, kg + j]) * f * (one - f)
            for j in range(hidden):
                # d/dg: 1 - f, tanh' = 1 - g²
                g = gates[b, kg + j]
                dz[b, kg + j] = dc[b, j] * (one - gates[b, j]) * (one - g * g)
        else:
            for j in range(hidden):
                # c_t = f·c_{t-1} + i·g: d/di: g
                i = gates[b, j]
                dz[b, j] = dc[b, j] * gates[b, kg + j] * i * (one - i)
            for j in range(hidden):
                # d/df: c_{t-1}
                f = gates[b, kf + j]
                dz[b, kf + j] = dc[b, j] * c_prev[b, j] * f * (one - f)
            for j in range(hidden):
                # d/dg: i
                g = gates[b, kg + j]
                dz[b, kg + j] = dc[b, j] * gates[b, j] * (one - g * g)
        if variant == PEEPHOLE:
            # d/dp_i: dz_i·c_{t-1}, d/dp_f: dz_f·c_{t-1}, d/dp_o: dz_o·c_t (summed over b)
            for j in range(hidden):
                dpeep[0, j] += dz[b, j] * c_prev[b, j]
            for j in range(hidden):
                dpeep[1, j] += dz[b, kf + j] * c_prev[b, j]
            for j in range(hidden):
                dpeep[2, j] += dz[b, ko + j] * c[b, j]
            for j in range(hidden):
                # d/dc_{t-1}: f, and p_i, p_f through z_i, z_f
                peeped = dz[b, j] * peep[0, j] + dz[b, kf + j] * peep[1, j]
                dc[b, j] = dc[b, j] * gates[b, kf + j] + peeped
        else:
            for j in range(hidden):
                # d/dc_{t-1}: f
                dc[b, j] *= gates[b, kf + j]


# --- the time loops --------------------------------------------------------------------------


def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    bias: np.ndarray,
    peep: np.ndarray,
    variant: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the LSTM over the sequence; all arrays C-contiguous and of one float dtype.

    x (T, B, D), h0 and c0 (B, H), w_ih (G·H, D), w_hh (G·H, H), bias (G·H,) = b_ih + b_hh,
    peep (3, H) (zeros unless PEEPHOLE). Returns ``(hs, cs, gates)``: hs (T+2, B, H) =
    h0, h_1 … h_T, c_T (so ``hs[1:]`` is the packed output and ``hs[:T]`` the previous
    hidden states); cs (T+1, B, H) = c0 … c_T; gates (T, B, G·H) the activations.
    """
    steps, batch, _ = x.shape
    hidden = h0.shape[1]
    width = w_ih.shape[0]
    dtype = x.dtype
    # all input projections in one GEMM, (T·B, D) @ (D, G·H); the kernels turn them into
    # the gate activations in place
    gates = empty((steps, batch, width), dtype)
    np.matmul(x.reshape(steps * batch, -1), w_ih.T, out=gates.reshape(steps * batch, width))
    hs = empty((steps + 2, batch, hidden), dtype)
    cs = empty((steps + 1, batch, hidden), dtype)
    hw = empty((batch, width), dtype)
    hs[0] = h0
    cs[0] = c0
    w_hh_t = row_major_transpose(w_hh, steps)
    for t in range(steps):
        np.matmul(hs[t], w_hh_t, out=hw)
        lstm_step_forward(variant, gates[t], hw, bias, peep, cs[t], cs[t + 1], hs[t + 1])
    hs[steps + 1] = cs[steps]
    return hs, cs, gates


def lstm_backward(
    grad: np.ndarray,
    x: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    peep: np.ndarray,
    hs: np.ndarray,
    cs: np.ndarray,
    gates: np.ndarray,
    variant: int,
    need_x: bool = True,
    need_state: bool = True,
) -> tuple[np.ndarray | None, ...]:
    """Backpropagate through time from ``grad`` (T+1, B, H), the gradient of the packed output
    (rows 0…T-1: dL/dh_t from outside, row T: dL/dc_T); the rest as from `lstm_forward`.

    Returns ``(dx, dh0, dc0, dw_ih, dw_hh, db, dpeep)``: db is the gradient of b_ih and of
    b_hh alike; dx is None unless ``need_x``, dh0 and dc0 None unless ``need_state``.
    """
    steps, batch, _ = x.shape
    hidden = hs.shape[2]
    width = w_ih.shape[0]
    dtype = x.dtype
    dz = empty((steps, batch, width), dtype)
    tc = empty((batch, hidden), dtype)
    dh_rec = empty((batch, hidden), dtype)
    dh_rec[...] = 0
    dc = empty((batch, hidden), dtype)
    dc[...] = grad[steps]
    dpeep = np.zeros_like(peep)
    for t in range(steps - 1, -1, -1):
        lstm_step_backward(
            variant, gates[t], cs[t], cs[t + 1], peep, grad[t], dh_rec, dc, dz[t], dpeep, tc
        )
        if t > 0 or need_state:
            # d/dh_{t-1}: dz_t · W_hh
            np.matmul(dz[t], w_hh, out=dh_rec)
    dz2 = dz.reshape(steps * batch, width)
    # d/dW_ih: Σ_t dz_tᵀ x_t, d/dW_hh: Σ_t dz_tᵀ h_{t-1}, d/db: Σ_t Σ_b dz_t, as single GEMMs
    dw_ih = np.matmul(dz2.T, x.reshape(steps * batch, -1), out=empty(w_ih.shape, dtype))
    dw_hh = np.matmul(
        dz2.T, hs[:steps].reshape(steps * batch, hidden), out=empty(w_hh.shape, dtype)
    )
    db = dz2.sum(axis=0)
    dx = None
    if need_x:
        # d/dx_t: dz_t · W_ih
        dx = empty(x.shape, dtype)
        np.matmul(dz2, w_ih, out=dx.reshape(steps * batch, -1))
    if not need_state:
        return dx, None, None, dw_ih, dw_hh, db, dpeep
    return dx, dh_rec, dc, dw_ih, dw_hh, db, dpeep
