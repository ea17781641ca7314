"""Workload ``lstm_step``: one SGD step of a one-layer LSTM over a sequence.

Sequence 35, batch 32, input 64, hidden 128, float32; weights in PyTorch layout (gate order
i, f, g, o) initialised like ``nn.LSTM`` (uniform in ±1/sqrt(H)), inputs uniform in [-1, 1),
h0 = c0 = 0 (each layer's default when no state is passed). The loss is the mean of the
squares of all T·B·H outputs; SGD with lr 0.1. A step is: forward, backward, update, zero
grads. The input does not require a gradient.

Engines:
- ``tracegrad``: ``nn.LSTM(64, 128)`` with its defaults (``fused=True``: the fused op
  ``lstm``, one graph node; Numba gate kernels, numpy GEMMs) and the shared weights loaded,
  ``nn.optim.SGD(model.parameters(), lr=0.1)``, ``opt.step()``, ``opt.zero_grad()``.
- ``tracegrad-unfused``: ``nn.LSTM(64, 128, fused=False)``, the same layer from primitive
  Tensor ops (``lstm_cell`` per step: matmul, +, sigmoid, tanh, *, slicing, stack), about 20
  graph nodes per time step; the same optimizer.
- ``torch``: ``torch.nn.LSTM(64, 128)`` with the same weights (on CPU, its oneDNN RNN
  kernel), ``torch.optim.SGD`` (its default, the per-parameter loop on CPU), ``step()``,
  ``zero_grad()``.
- ``numpy``: hand-written BPTT with no graph: big GEMMs for the input projections and the
  weight gradients, per step a GEMM and numpy elementwise ops.

The gradient probe is d loss / d w_hh[0, 0].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.flops import lstm_step as lstm_flops
from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "LSTM seq 35, batch 32, input 64, hidden 128: mean-square loss, one SGD step"
ENGINES = ("tracegrad", "tracegrad-unfused", "torch", "numpy")
REPEATS = {"tracegrad": 30, "tracegrad-unfused": 10, "torch": 30, "numpy": 30}
WARMUP = {"tracegrad": 3, "tracegrad-unfused": 2, "torch": 3, "numpy": 3}

STEPS, BATCH, INPUT, HIDDEN, LR = 35, 32, 64, 128, 0.1

#: GEMM FLOPs per step (see `benchmarks.flops`): input projection and recurrent products
#: forward, dW_ih, dW_hh and dh backward (no input or h0 gradient); the same count for the
#: fused, unfused, torch and numpy engines: 583.0 MFLOP
FLOPS = lstm_flops(STEPS, BATCH, INPUT, HIDDEN)


def _problem() -> tuple[np.ndarray, list[np.ndarray]]:
    """x (T, B, D) and [w_ih (4H, D), w_hh (4H, H), b_ih (4H,), b_hh (4H,)], float32."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, (STEPS, BATCH, INPUT)).astype(np.float32)
    bound = 1.0 / np.sqrt(HIDDEN)
    shapes = [(4 * HIDDEN, INPUT), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,)]
    params = [rng.uniform(-bound, bound, s).astype(np.float32) for s in shapes]
    return x, params


def lstm_unfused(
    x: Any,
    h0: Any,
    c0: Any,
    w_ih: Any,
    w_hh: Any,
    b_ih: Any,
    b_hh: Any,
    w_peep: Any = None,
    *,
    variant: str = "standard",
) -> tuple[Any, tuple[Any, Any]]:
    """`autograd.ops.rnn.lstm` built from primitive Tensor ops (``nn.rnn.lstm_cell``).

    Same arguments, variants and result ``(out (T, B, H), (h_T, c_T))``; every gate is a
    node of the graph. Used by the tests, which check that the fused op agrees with it (the
    benchmark's ``tracegrad-unfused`` engine runs ``nn.LSTM(fused=False)``, the same cells).
    """
    import autograd
    from nn.rnn import lstm_cell

    h, c = h0, c0
    outs = []
    for t in range(x.shape[0]):
        h, c = lstm_cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh, w_peep, variant=variant)
        outs.append(h)
    return autograd.stack(outs), (h, c)


#: the state-dict names of a one-layer LSTM, in the order of `_problem`'s arrays (both
#: ``nn.LSTM`` and ``torch.nn.LSTM`` use them)
NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def _tracegrad(fused: bool) -> Prepared:
    import nn
    from autograd import Tensor
    from nn.optim import SGD

    x_data, arrays = _problem()
    x = Tensor(x_data)
    # nn.LSTM(INPUT, HIDDEN) is the default layer; fused=False is its unfused option
    model = nn.LSTM(INPUT, HIDDEN) if fused else nn.LSTM(INPUT, HIDDEN, fused=False)
    model.load_state_dict(dict(zip(NAMES, arrays, strict=True)))
    opt = SGD(model.parameters(), lr=LR)

    def step() -> StepResult:
        out, _ = model(x)
        loss = (out * out).mean()
        loss.backward()
        probe = float(model.weight_hh_l0.grad[0, 0])
        opt.step()
        opt.zero_grad()
        return float(loss.data), probe

    return Prepared(step)


def _torch() -> Prepared:
    import torch

    x_data, arrays = _problem()
    x = torch.from_numpy(x_data)
    model = torch.nn.LSTM(INPUT, HIDDEN)
    model.load_state_dict({k: torch.from_numpy(a) for k, a in zip(NAMES, arrays, strict=True)})
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> StepResult:
        out, _ = model(x)
        loss = (out * out).mean()
        loss.backward()
        probe = model.weight_hh_l0.grad[0, 0].item()
        opt.step()
        opt.zero_grad()
        return loss.item(), probe

    return Prepared(step)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * z) + 1)  # σ(z) = (1 + tanh(z/2)) / 2: no overflow


def _numpy() -> Prepared:
    x, (w_ih, w_hh, b_ih, b_hh) = _problem()
    rows = STEPS * BATCH
    x2 = x.reshape(rows, INPUT)
    n = np.float32(rows * HIDDEN)
    hidden = HIDDEN

    def step() -> StepResult:
        # forward: input projections in one GEMM, then the recurrence
        xw = (x2 @ w_ih.T + (b_ih + b_hh)).reshape(STEPS, BATCH, 4 * hidden)
        hs = np.zeros((STEPS + 1, BATCH, hidden), np.float32)
        cs = np.zeros((STEPS + 1, BATCH, hidden), np.float32)
        acts = np.empty((STEPS, BATCH, 4 * hidden), np.float32)
        for t in range(STEPS):
            z = xw[t] + hs[t] @ w_hh.T
            a = acts[t]
            a[:, : 2 * hidden] = _sigmoid(z[:, : 2 * hidden])
            a[:, 2 * hidden : 3 * hidden] = np.tanh(z[:, 2 * hidden : 3 * hidden])
            a[:, 3 * hidden :] = _sigmoid(z[:, 3 * hidden :])
            i, f, g, o = np.split(a, 4, axis=1)
            cs[t + 1] = f * cs[t] + i * g
            hs[t + 1] = o * np.tanh(cs[t + 1])
        out = hs[1:]
        loss = float((out * out).sum() / n)
        # backward: d loss / d out = 2·out / n, then back through time
        dout = (2 / n) * out
        dz = np.empty_like(acts)
        dh = np.zeros((BATCH, hidden), np.float32)
        dc = np.zeros((BATCH, hidden), np.float32)
        for t in range(STEPS - 1, -1, -1):
            i, f, g, o = np.split(acts[t], 4, axis=1)
            tc = np.tanh(cs[t + 1])
            dh = dh + dout[t]
            dc = dc + dh * o * (1 - tc * tc)
            d = dz[t]
            d[:, :hidden] = dc * g * i * (1 - i)
            d[:, hidden : 2 * hidden] = dc * cs[t] * f * (1 - f)
            d[:, 2 * hidden : 3 * hidden] = dc * i * (1 - g * g)
            d[:, 3 * hidden :] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = d @ w_hh
        dz2 = dz.reshape(rows, 4 * hidden)
        grads = [dz2.T @ x2, dz2.T @ hs[:STEPS].reshape(rows, hidden)]
        db = dz2.sum(axis=0)
        grads += [db, db]
        probe = float(grads[1][0, 0])
        for p, grad in zip((w_ih, w_hh, b_ih, b_hh), grads):
            p -= LR * grad
        return loss, probe

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (one of ``ENGINES``)."""
    builders = {
        "tracegrad": lambda: _tracegrad(fused=True),
        "tracegrad-unfused": lambda: _tracegrad(fused=False),
        "torch": _torch,
        "numpy": _numpy,
    }
    if engine not in builders:
        raise ValueError(f"lstm_step: unknown engine {engine!r}")
    return builders[engine]()
