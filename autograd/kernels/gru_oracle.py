"""Slow, obviously-correct numpy reference for the GRU kernels (tests only).

Everything is computed in float64, one time step at a time, with PyTorch's equations written
out (layouts: `autograd.kernels.gru`). The functions are named after the kernels they check,
with ``_oracle`` appended, but take the math's own inputs; backward takes the cache of this
module's forward (never the kernel's saved arrays) and accumulates every weight gradient
inside its loop back through time.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _f64(*arrays: np.ndarray) -> list[np.ndarray]:
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def gru_forward_oracle(x, h0, w_ih, w_hh, b_ih, b_hh):
    """GRU forward (PyTorch's equations). Returns ``(out (T, B, H), cache)``."""
    x, h0, w_ih, w_hh, b_ih, b_hh = _f64(x, h0, w_ih, w_hh, b_ih, b_hh)
    hidden = h0.shape[1]
    h = h0
    outs = []
    cache = []
    for t in range(x.shape[0]):
        gi = x[t] @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        r = _sigmoid(gi[:, :hidden] + gh[:, :hidden])
        z = _sigmoid(gi[:, hidden : 2 * hidden] + gh[:, hidden : 2 * hidden])
        hn = gh[:, 2 * hidden :]  # W_hn h + b_hn: r multiplies it, bias included
        n = np.tanh(gi[:, 2 * hidden :] + r * hn)
        h_new = (1 - z) * n + z * h
        cache.append({"x": x[t], "h": h, "r": r, "z": z, "n": n, "hn": hn})
        h = h_new
        outs.append(h)
    return np.stack(outs), (cache, {"w_ih": w_ih, "w_hh": w_hh})


def gru_backward_oracle(grad, cache):
    """BPTT from ``grad`` (T, B, H), the gradient of the outputs. Returns a dict with the
    gradients of x, h0, w_ih, w_hh, b_ih and b_hh."""
    steps_cache, weights = cache
    grad = np.asarray(grad, dtype=np.float64)
    w_ih, w_hh = weights["w_ih"], weights["w_hh"]
    dx = np.zeros((len(steps_cache), *steps_cache[0]["x"].shape))
    dw_ih = np.zeros_like(w_ih)
    dw_hh = np.zeros_like(w_hh)
    db_ih = np.zeros(w_ih.shape[0])
    db_hh = np.zeros(w_hh.shape[0])
    dh_next = np.zeros_like(grad[0])
    for t in reversed(range(len(steps_cache))):
        s = steps_cache[t]
        r, z, n, hn, h_prev = s["r"], s["z"], s["n"], s["hn"], s["h"]
        dh = grad[t] + dh_next
        # h' = (1 - z)·n + z·h
        dn = dh * (1 - z)
        dz = dh * (h_prev - n)
        dh_prev = dh * z
        # n = tanh(gi_n + r·hn)
        dzn = dn * (1 - n**2)
        dr = dzn * hn
        dhn = dzn * r
        dzr = dr * r * (1 - r)
        dzz = dz * z * (1 - z)
        dgi = np.concatenate([dzr, dzz, dzn], axis=1)  # gradient of x W_ihᵀ + b_ih
        dgh = np.concatenate([dzr, dzz, dhn], axis=1)  # gradient of h W_hhᵀ + b_hh
        dw_ih += dgi.T @ s["x"]
        db_ih += dgi.sum(axis=0)
        dw_hh += dgh.T @ h_prev
        db_hh += dgh.sum(axis=0)
        dx[t] = dgi @ w_ih
        dh_next = dh_prev + dgh @ w_hh
    return {"x": dx, "h0": dh_next, "w_ih": dw_ih, "w_hh": dw_hh, "b_ih": db_ih, "b_hh": db_hh}
