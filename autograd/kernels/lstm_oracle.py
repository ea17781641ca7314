"""Slow, obviously-correct numpy reference for the LSTM kernels (tests only).

Everything is computed in float64, one time step and one gate at a time, with the equations
written out as in the papers and PyTorch's documentation (layouts: `autograd.kernels.lstm`).
The functions are named after the kernels they check, with ``_oracle`` appended, but take
the math's own inputs: ``b_ih`` and ``b_hh`` apart, the variant by name, and for backward the
cache of this module's forward (never the kernel's saved arrays). Forward returns the
outputs and that cache; backward runs back through time step by step, accumulating every
weight gradient inside the loop.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _f64(*arrays: np.ndarray | None) -> list[np.ndarray | None]:
    return [None if a is None else np.asarray(a, dtype=np.float64) for a in arrays]


def lstm_forward_oracle(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_peep=None, variant="standard"):
    """LSTM forward. Returns ``(packed, cache)``: packed (T+1, B, H) holds h_1 … h_T in rows
    0…T-1 and c_T in row T."""
    x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_peep = _f64(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_peep)
    steps = x.shape[0]
    hidden = h0.shape[1]
    h, c = h0, c0
    packed = np.zeros((steps + 1, *h0.shape))
    cache = []
    for t in range(steps):
        z = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        blocks = [z[:, k * hidden : (k + 1) * hidden] for k in range(z.shape[1] // hidden)]
        if variant == "coupled":
            zf, zg, zo = blocks
            f = _sigmoid(zf)
            g = np.tanh(zg)
            i = 1.0 - f
        else:
            zi, zf, zg, zo = blocks
            if variant == "peephole":
                zi = zi + w_peep[0] * c
                zf = zf + w_peep[1] * c
            i = _sigmoid(zi)
            f = _sigmoid(zf)
            g = np.tanh(zg)
        c_new = f * c + i * g
        if variant == "peephole":
            zo = zo + w_peep[2] * c_new
        o = _sigmoid(zo)
        h_new = o * np.tanh(c_new)
        cache.append({"x": x[t], "h": h, "c": c, "i": i, "f": f, "g": g, "o": o, "c_new": c_new})
        h, c = h_new, c_new
        packed[t] = h
    packed[steps] = c
    weights = {"w_ih": w_ih, "w_hh": w_hh, "w_peep": w_peep, "variant": variant}
    return packed, (cache, weights)


def lstm_backward_oracle(grad, cache):
    """BPTT from ``grad`` (T+1, B, H), the gradient of the packed output. Returns a dict with
    the gradients of x, h0, c0, w_ih, w_hh, b_ih, b_hh and (peephole only) w_peep."""
    steps_cache, weights = cache
    grad = np.asarray(grad, dtype=np.float64)
    w_ih, w_hh, w_peep, variant = (weights[k] for k in ("w_ih", "w_hh", "w_peep", "variant"))
    steps = len(steps_cache)
    dx = np.zeros((steps, *steps_cache[0]["x"].shape))
    dw_ih = np.zeros_like(w_ih)
    dw_hh = np.zeros_like(w_hh)
    db = np.zeros(w_ih.shape[0])
    dpeep = None if w_peep is None else np.zeros_like(w_peep)
    dh_next = np.zeros_like(grad[0])  # gradient reaching h_t through step t+1
    dc = grad[steps].copy()  # dL/dc_t
    for t in reversed(range(steps)):
        s = steps_cache[t]
        i, f, g, o, c_prev, c = s["i"], s["f"], s["g"], s["o"], s["c"], s["c_new"]
        dh = grad[t] + dh_next
        tc = np.tanh(c)
        # h = o·tanh(c)
        do = dh * tc
        dzo = do * o * (1 - o)
        dc = dc + dh * o * (1 - tc**2)
        if variant == "peephole":
            assert dpeep is not None
            dc = dc + dzo * w_peep[2]
            dpeep[2] += (dzo * c).sum(axis=0)
        # c = f·c_prev + i·g (coupled: i = 1 - f)
        df = dc * c_prev
        di = dc * g
        dg = dc * i
        dc_prev = dc * f
        if variant == "coupled":
            dzf = (df - di) * f * (1 - f)
            dzg = dg * (1 - g**2)
            dz = np.concatenate([dzf, dzg, dzo], axis=1)
        else:
            dzi = di * i * (1 - i)
            dzf = df * f * (1 - f)
            dzg = dg * (1 - g**2)
            if variant == "peephole":
                assert dpeep is not None
                dc_prev = dc_prev + dzi * w_peep[0] + dzf * w_peep[1]
                dpeep[0] += (dzi * c_prev).sum(axis=0)
                dpeep[1] += (dzf * c_prev).sum(axis=0)
            dz = np.concatenate([dzi, dzf, dzg, dzo], axis=1)
        # z = x W_ihᵀ + b_ih + h_prev W_hhᵀ + b_hh
        dw_ih += dz.T @ s["x"]
        dw_hh += dz.T @ s["h"]
        db += dz.sum(axis=0)
        dx[t] = dz @ w_ih
        dh_next = dz @ w_hh
        dc = dc_prev
    grads = {
        "x": dx,
        "h0": dh_next,
        "c0": dc,
        "w_ih": dw_ih,
        "w_hh": dw_hh,
        "b_ih": db,
        "b_hh": db.copy(),
    }
    if dpeep is not None:
        grads["w_peep"] = dpeep
    return grads
