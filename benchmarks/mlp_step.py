"""Workload ``mlp_step``: one SGD training step of an MNIST-sized MLP on a batch of 128.

MLP 784-256-128-10 with ReLU, float32, weights in PyTorch layout (out, in) initialised like
``nn.Linear``; loss is the mean cross-entropy of the logits against integer targets; SGD with
lr 0.01. A step is: forward, backward, update, zero grads. Here the time goes into matmuls,
so it measures how close an engine gets to plain numpy; the ``numpy`` engine is a
hand-written forward/backward with no graph at all, the floor for a numpy-based engine.

Engines, each the way its users write it:
- ``tracegrad``: ``nn.MLP([784, 256, 128, 10], activation="relu")`` with the shared weights
  loaded, ``autograd.functional.cross_entropy``, ``nn.optim.SGD(model.parameters(),
  lr=0.01)``, ``opt.step()``, ``opt.zero_grad()``.
- ``torch``: the same layout as ``torch.nn.Sequential`` of ``Linear`` and ``ReLU``
  (`benchmarks.mlp.torch_mlp`), ``torch.nn.functional.cross_entropy``, ``torch.optim.SGD``
  (its default, the per-parameter loop on CPU), ``step()``, ``zero_grad()``.
- ``numpy``: forward, backward and ``p -= lr * g`` by hand.

The gradient probe is d loss / d (first layer's weight[0, 0]).
"""

from __future__ import annotations

import numpy as np

from benchmarks.data import mnist_like_problem
from benchmarks.flops import dense_step
from benchmarks.harness import Prepared, StepResult
from benchmarks.mlp import make_params, torch_mlp_of, tracegrad_mlp

DESCRIPTION = "MLP 784-256-128-10, batch 128, cross-entropy, one SGD step (matmul-bound)"
ENGINES = ("tracegrad", "torch", "numpy")
REPEATS = {"tracegrad": 30, "torch": 30, "numpy": 30}
WARMUP = {"tracegrad": 3, "torch": 3, "numpy": 3}

LR = 0.01

#: GEMM FLOPs per step (see `benchmarks.flops`): forward + backward of 784-256-128-10 on 128
#: rows, no input gradient: 3 GEMMs per layer, 2 for the first: 128.9 MFLOP
FLOPS = dense_step(128, (784, 256, 128, 10))


def _tracegrad() -> Prepared:
    import autograd.functional as F
    from autograd import Tensor
    from nn.optim import SGD

    problem = mnist_like_problem()
    x = Tensor(problem.x)
    targets = problem.y
    model = tracegrad_mlp(problem, "relu")
    first = model[0].weight
    opt = SGD(model.parameters(), lr=LR)

    def step() -> StepResult:
        loss = F.cross_entropy(model(x), targets)
        loss.backward()
        probe = float(first.grad[0, 0])
        opt.step()
        opt.zero_grad()
        return float(loss.data), probe

    return Prepared(step)


def _torch() -> Prepared:
    import torch
    import torch.nn.functional as F

    problem = mnist_like_problem()
    x = torch.from_numpy(problem.x)
    targets = torch.from_numpy(problem.y)
    model = torch_mlp_of(problem, "relu")
    first = model[0].weight
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> StepResult:
        loss = F.cross_entropy(model(x), targets)
        loss.backward()
        probe = first.grad[0, 0].item()
        opt.step()
        opt.zero_grad()
        return loss.item(), probe

    return Prepared(step)


def _numpy() -> Prepared:
    problem = mnist_like_problem()
    x = problem.x
    rows = np.arange(len(problem.y))
    targets = problem.y
    w1, b1, w2, b2, w3, b3 = make_params(problem, lambda a: a)
    batch = np.float32(len(targets))

    def step() -> StepResult:
        # forward
        a1 = x @ w1.T + b1
        h1 = np.maximum(a1, 0)
        a2 = h1 @ w2.T + b2
        h2 = np.maximum(a2, 0)
        z = h2 @ w3.T + b3
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        loss = -(shifted[rows, targets] - np.log(sum_exp[:, 0])).mean()
        # backward: d loss / d z = (softmax - one_hot) / batch
        dz = exp / sum_exp
        dz[rows, targets] -= 1
        dz /= batch
        dw3, db3 = dz.T @ h2, dz.sum(axis=0)
        da2 = (dz @ w3) * (a2 > 0)
        dw2, db2 = da2.T @ h1, da2.sum(axis=0)
        da1 = (da2 @ w2) * (a1 > 0)
        dw1, db1 = da1.T @ x, da1.sum(axis=0)
        probe = float(dw1[0, 0])
        # SGD, in place
        for p, g in ((w1, dw1), (b1, db1), (w2, dw2), (b2, db2), (w3, dw3), (b3, db3)):
            p -= LR * g
        return float(loss), probe

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (tracegrad, torch or numpy)."""
    builders = {"tracegrad": _tracegrad, "torch": _torch, "numpy": _numpy}
    if engine not in builders:
        raise ValueError(f"mlp_step: unknown engine {engine!r}")
    return builders[engine]()
