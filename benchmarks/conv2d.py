"""Workload ``conv2d``: one 3×3 convolution layer, forward and backward, float32.

x (32, 16, 32, 32) -> y (32, 32, 32, 32) with w (32, 16, 3, 3), bias (32,), padding 1,
stride 1, weights initialised like ``nn.Conv2d`` (uniform in ±1/sqrt(C·kh·kw)) and x normal.
A step is: forward, backward from a fixed upstream gradient G (so x, w and b all get their
gradient: three matrix products' worth of work), then the gradients are dropped. The loss
reported is ⟨y[0], G[0]⟩ (`check_value`), the probe d⟨y, G⟩/d w[0, 0, 0, 0].

FLOPs per step: 3 · 2·N·O·C·kh·kw·Ho·Wo = 3 · 0.302 GFLOP = 0.906 GFLOP, so a step of
10 ms is 90.6 GFLOP/s.

Engines:
- ``tracegrad``: the layer ``nn.Conv2d(16, 32, 3, padding=1)`` with the shared weights loaded
  (its forward is ``F.conv2d``: im2col in Numba + BLAS, see `autograd.kernels.conv` for why);
  the gradients are dropped with ``conv.zero_grad()`` and ``x.grad = None``.
- ``torch``: ``torch.nn.Conv2d(16, 32, 3, padding=1)``, the same weights (oneDNN / its own
  im2col + GEMM); ``conv.zero_grad()`` and ``x.grad = None``.
- ``numpy``: im2col written with numpy only (``sliding_window_view`` copied into rows, one
  GEMM per product, col2im as kh·kw strided slice additions), the floor for a numpy engine
  that does not jit its copies.

Measured when both sides called the functional conv2d (2 cores, ``python -m benchmarks
--only conv2d --only lenet_step``, 3 rounds; this shared machine's speed drifts by a third
between sessions, so compare within one run):

    engine      ms     GFLOP/s   ratio tracegrad/engine
    tracegrad   22.6   40        1.00
    torch       16.6   55        1.36   (1.36-1.56 in the last four runs)
    numpy       70.0   13        0.32

tracegrad's floor is its three OpenBLAS products, 4.2 ms each at 71 GFLOP/s on these skinny
shapes; `autograd.kernels.conv` has the measurements behind the algorithm.
"""

from __future__ import annotations

import numpy as np

from benchmarks.flops import conv2d_step
from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "conv2d 3x3 fwd+bwd, x (32,16,32,32), w (32,16,3,3), padding 1, float32"
ENGINES = ("tracegrad", "torch", "numpy")
REPEATS = dict.fromkeys(ENGINES, 20)
WARMUP = dict.fromkeys(ENGINES, 3)

N, C, H, W, OUT, K, PAD = 32, 16, 32, 32, 32, 3, 1

#: GEMM FLOPs per step (see `benchmarks.flops`): forward, weight and input gradient, each
#: 2·N·O·C·kh·kw·Ho·Wo (Ho = H, Wo = W with padding 1): 0.906 GFLOP
FLOPS = conv2d_step(N, C, OUT, K, H, W, input_grad=True)


def problem() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x (N, C, H, W), w (O, C, K, K), b (O,) and the upstream gradient G (N, O, H, W)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W), dtype=np.float32)
    bound = 1.0 / np.sqrt(C * K * K)
    w = rng.uniform(-bound, bound, (OUT, C, K, K)).astype(np.float32)
    b = rng.uniform(-bound, bound, OUT).astype(np.float32)
    g = rng.standard_normal((N, OUT, H, W), dtype=np.float32)
    return x, w, b, g


def check_value(y: np.ndarray, g: np.ndarray) -> float:
    """⟨y[0], G[0]⟩ in float64: the first image's output against its upstream gradient.

    (Over all of y, float32 sums of a million terms of both signs differ between engines by
    about 1e-4 relative, enough to trip the harness's disagreement check.)
    """
    return float(np.vdot(y[0].astype(np.float64), g[0]))


def _tracegrad() -> Prepared:
    import nn
    from autograd import Tensor

    x_np, w_np, b_np, g = problem()
    x = Tensor(x_np, requires_grad=True)
    conv = nn.Conv2d(C, OUT, K, padding=PAD)
    conv.load_state_dict({"weight": w_np, "bias": b_np})

    def step() -> StepResult:
        y = conv(x)
        y.backward(g)
        loss = check_value(y.data, g)
        probe = float(conv.weight.grad[0, 0, 0, 0])
        conv.zero_grad()
        x.grad = None
        return loss, probe

    return Prepared(step)


def _torch() -> Prepared:
    import torch

    x_np, w_np, b_np, g_np = problem()
    x = torch.from_numpy(x_np).requires_grad_()
    conv = torch.nn.Conv2d(C, OUT, K, padding=PAD)
    conv.load_state_dict({"weight": torch.from_numpy(w_np), "bias": torch.from_numpy(b_np)})
    g = torch.from_numpy(g_np)

    def step() -> StepResult:
        y = conv(x)
        y.backward(g)
        loss = check_value(y.detach().numpy(), g_np)
        probe = conv.weight.grad[0, 0, 0, 0].item()
        conv.zero_grad()
        x.grad = None
        return loss, probe

    return Prepared(step)


def numpy_conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, pad: int) -> tuple:
    """y = x ⋆ w + b (stride 1) with numpy only, and the cache `numpy_conv2d_backward` needs.

    cols (N·Ho·Wo, C·kh·kw) holds one receptive field per row, so y = cols · Wᵀ is one GEMM.
    """
    n, c, _, _ = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    ho, wo = windows.shape[2:4]
    cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)
    w2 = w.reshape(o, -1)
    y = (cols @ w2.T + b).reshape(n, ho, wo, o).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(y), (x.shape, w, cols, pad)


def numpy_conv2d_backward(g: np.ndarray, cache: tuple, need_dx: bool = True) -> tuple:
    """(dx, dw, db) for upstream g (N, O, Ho, Wo): dW = Gᵀ · cols, dcols = G · W added back
    onto the windows kh·kw strided slices at a time (dx is None unless ``need_dx``)."""
    (n, c, h, wd), w, cols, pad = cache
    o, _, kh, kw = w.shape
    ho, wo = g.shape[2:]
    g2 = g.transpose(0, 2, 3, 1).reshape(n * ho * wo, o)
    dw = (g2.T @ cols).reshape(w.shape)
    db = g.sum(axis=(0, 2, 3))
    if not need_dx:
        return None, dw, db
    dcols = (g2 @ w.reshape(o, -1)).reshape(n, ho, wo, c, kh, kw)
    dxp = np.zeros((n, c, h + 2 * pad, wd + 2 * pad), dtype=g.dtype)
    for p in range(kh):
        for q in range(kw):
            dxp[:, :, p : p + ho, q : q + wo] += dcols[..., p, q].transpose(0, 3, 1, 2)
    return dxp[:, :, pad : pad + h, pad : pad + wd], dw, db


def _numpy() -> Prepared:
    x, w, b, g = problem()

    def step() -> StepResult:
        y, cache = numpy_conv2d_forward(x, w, b, PAD)
        _, dw, _ = numpy_conv2d_backward(g, cache)
        return check_value(y, g), float(dw[0, 0, 0, 0])

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (tracegrad, torch or numpy)."""
    builders = {"tracegrad": _tracegrad, "torch": _torch, "numpy": _numpy}
    if engine not in builders:
        raise ValueError(f"conv2d: unknown engine {engine!r}")
    return builders[engine]()
