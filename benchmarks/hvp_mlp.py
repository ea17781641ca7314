"""Workload ``hvp_mlp``: a Hessian-vector product of an MLP's loss w.r.t. all its parameters.

MLP 784-256-128-10 with tanh hidden layers, float32, batch 128, the weights of ``mlp_step``
(PyTorch layout, initialised like ``nn.Linear``); the loss is the mean cross-entropy of the
logits. A step computes ``H v`` for the Hessian ``H`` of the loss w.r.t. the six parameter
tensors and a fixed direction ``v`` (one float32 array per parameter, standard normal from
``default_rng(1)``), through the public API a user writes:

- tracegrad: ``autograd.hvp(loss_fn, params, v)``: the recorded gradient (a
  ``create_graph=True`` backward), the recorded vjp of that gradient with a zero ``u`` (the
  double-vjp trick), then a plain backward of that w.r.t. ``u`` seeded with ``v``: three
  reverse passes. The loss is ``autograd.functional.cross_entropy``.
- torch: ``torch.autograd.functional.hvp(loss_fn, params, v)``: the same three passes (its
  documented double-backward trick). The loss is ``torch.nn.functional.cross_entropy``.

The loss is the step's loss; the gradient probe is ``(H v)`` for the first layer's
``weight[0, 0]``. Nothing is updated, so every step computes the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.data import mnist_like_problem
from benchmarks.flops import dense_hvp
from benchmarks.harness import Prepared, StepResult
from benchmarks.mlp import make_params

DESCRIPTION = "Hessian-vector product of an MLP 784-256-128-10 (tanh) CE loss, batch 128"
ENGINES = ("tracegrad", "torch")
REPEATS = {"tracegrad": 20, "torch": 20}
WARMUP = {"tracegrad": 3, "torch": 3}

#: GEMM FLOPs per step (see `benchmarks.flops.dense_hvp`): the least work of H v,
#: forward-over-reverse (9 GEMMs per layer, 4 for the first); the three reverse passes both
#: engines run multiply more, so GFLOP/s here understates their GEMM rate: 284.0 MFLOP
FLOPS = dense_hvp(128, (784, 256, 128, 10))


def directions(params: list[np.ndarray]) -> list[np.ndarray]:
    """The direction ``v``: one standard-normal float32 array per parameter, shared by all."""
    rng = np.random.default_rng(1)
    return [rng.standard_normal(p.shape).astype(np.float32) for p in params]


def tanh_forward(x: Any, params: tuple[Any, ...]) -> Any:
    """``x @ w.T + b`` per layer, tanh after every layer except the last (linear) one."""
    n_layers = len(params) // 2
    h = x
    for i in range(n_layers):
        h = h @ params[2 * i].T + params[2 * i + 1]
        if i < n_layers - 1:
            h = h.tanh()
    return h


def _tracegrad() -> Prepared:
    import autograd
    import autograd.functional as F
    from autograd import Tensor

    problem = mnist_like_problem()
    x = Tensor(problem.x)
    targets = problem.y
    arrays = make_params(problem, lambda a: a)
    params = tuple(Tensor(a) for a in arrays)
    v = tuple(Tensor(d) for d in directions(arrays))

    def loss_fn(*ps: Tensor) -> Tensor:
        return F.cross_entropy(tanh_forward(x, ps), targets)

    def step() -> StepResult:
        loss, hv = autograd.hvp(loss_fn, params, v)
        return float(loss.data), float(hv[0].data[0, 0])

    return Prepared(step)


def _torch() -> Prepared:
    import torch
    import torch.nn.functional as F

    problem = mnist_like_problem()
    x = torch.from_numpy(problem.x)
    targets = torch.from_numpy(problem.y)
    arrays = make_params(problem, lambda a: a)
    params = tuple(torch.from_numpy(a) for a in arrays)
    v = tuple(torch.from_numpy(d) for d in directions(arrays))

    def loss_fn(*ps: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(tanh_forward(x, ps), targets)

    def step() -> StepResult:
        loss, hv = torch.autograd.functional.hvp(loss_fn, params, v)
        return loss.item(), hv[0][0, 0].item()

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (tracegrad or torch)."""
    builders = {"tracegrad": _tracegrad, "torch": _torch}
    if engine not in builders:
        raise ValueError(f"hvp_mlp: unknown engine {engine!r}")
    return builders[engine]()
