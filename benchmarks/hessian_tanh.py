"""Workload ``hessian_tanh``: the full Hessian of a tiny tanh network's loss, 65 × 65.

An MLP 2-16-1 (tanh hidden layer, linear output), float32, whose 65 parameters (weight
(16, 2), bias (16,), weight (1, 16), bias (1,), in that order) are one flat vector ``theta``,
sliced and reshaped inside the loss; the loss is the mean squared error on a batch of 32
points (inputs standard normal from ``default_rng(0)``, targets ``sin(x0) * cos(x1)``;
``theta`` standard normal times 0.5). A step computes the Hessian of the loss w.r.t.
``theta``, through the public API a user writes, with the same loss code for both engines:

- tracegrad: ``autograd.hessian(loss_fn, theta)``: the recorded gradient (one
  ``create_graph=True`` backward), then its Jacobian by reverse mode: one plain backward of
  the recorded gradient per parameter (65), seeded with a one-hot vector.
- torch: ``torch.autograd.functional.hessian(loss_fn, theta)``: the same, one
  ``torch.autograd.grad`` of the recorded gradient per parameter (``vectorize=False``, its
  default).

A step also evaluates the loss once more (a forward of 32 rows, to report it); the gradient
probe is the Hessian's trace (both engines sum the same 65 float32 entries). Nothing is
updated, so every step computes the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "full Hessian (65 × 65) of the MSE loss of an MLP 2-16-1 (tanh), batch 32"
ENGINES = ("tracegrad", "torch")
REPEATS = {"tracegrad": 20, "torch": 20}
WARMUP = {"tracegrad": 3, "torch": 3}

HIDDEN = 16
BATCH = 32
#: (name, shape) of each parameter, in their order inside theta
SHAPES = (("w1", (HIDDEN, 2)), ("b1", (HIDDEN,)), ("w2", (1, HIDDEN)), ("b2", (1,)))
N_PARAMS = sum(int(np.prod(shape)) for _, shape in SHAPES)  # 65


def problem() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x (32, 2), y (32, 1), theta (65,))``, float32, from ``default_rng(0)``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, 2)).astype(np.float32)
    y = (np.sin(x[:, :1]) * np.cos(x[:, 1:])).astype(np.float32)
    theta = (0.5 * rng.standard_normal(N_PARAMS)).astype(np.float32)
    return x, y, theta


def mse_of(x: Any, y: Any) -> Any:
    """The loss as a function of the flat parameter vector, for either engine's tensors."""

    def loss_fn(theta: Any) -> Any:
        params, start = [], 0
        for _, shape in SHAPES:
            size = int(np.prod(shape))
            params.append(theta[start : start + size].reshape(*shape))
            start += size
        w1, b1, w2, b2 = params
        pred = (x @ w1.T + b1).tanh() @ w2.T + b2
        diff = pred - y
        return (diff * diff).mean()

    return loss_fn


def _tracegrad() -> Prepared:
    import autograd
    from autograd import Tensor

    x, y, theta = problem()
    loss_fn = mse_of(Tensor(x), Tensor(y))
    theta_t = Tensor(theta)

    def step() -> StepResult:
        h = autograd.hessian(loss_fn, theta_t)
        loss = loss_fn(theta_t)
        return float(loss.data), float(np.trace(h.data))

    return Prepared(step)


def _torch() -> Prepared:
    import torch

    x, y, theta = problem()
    loss_fn = mse_of(torch.from_numpy(x), torch.from_numpy(y))
    theta_t = torch.from_numpy(theta)

    def step() -> StepResult:
        h = torch.autograd.functional.hessian(loss_fn, theta_t)
        loss = loss_fn(theta_t)
        return loss.item(), torch.trace(h).item()

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (tracegrad or torch)."""
    builders = {"tracegrad": _tracegrad, "torch": _torch}
    if engine not in builders:
        raise ValueError(f"hessian_tanh: unknown engine {engine!r}")
    return builders[engine]()
