"""Workload ``lenet_step``: one SGD training step of LeNet-5 on a batch of 64 MNIST-sized images.

conv(1->6, 5x5, pad 2) - relu - maxpool 2 - conv(6->16, 5x5) - relu - maxpool 2 - flatten -
linear 400->120 - relu - linear 120->84 - relu - linear 84->10, float32, weights in PyTorch
layout initialised like ``nn.Conv2d`` / ``nn.Linear`` (uniform in ±1/sqrt(fan_in)); pixels
uniform in [0, 1), integer targets 0-9; mean cross-entropy; SGD with lr 0.01. A step is:
forward, backward, update, zero grads. The first conv's input needs no gradient, so no
engine computes one.

Engines, each the way its users write it:
- ``tracegrad``: ``nn.LeNet5()`` with the shared weights loaded (its layers are
  ``nn.Conv2d``, ``nn.ReLU``, ``nn.MaxPool2d``, ``nn.Flatten`` and ``nn.Linear``),
  ``autograd.functional.cross_entropy``, ``nn.optim.SGD(model.parameters(), lr=0.01)``,
  ``opt.step()``, ``opt.zero_grad()``.
- ``torch``: `torch_lenet5`, the same modules in ``torch.nn`` (same names, same order, same
  weights), ``torch.nn.functional.cross_entropy``, ``torch.optim.SGD`` (its default, the
  per-parameter loop on CPU), ``step()``, ``zero_grad()``.
- ``numpy``: a hand-written forward and backward with no graph: the numpy im2col convolution
  of `benchmarks.conv2d`, pooling by reshaping into 2x2 blocks (the gradient to each block's
  first maximum), dense layers and softmax by hand.

The gradient probe is d loss / d conv1.weight[0, 0, 0, 0].

Measured when both sides were functional calls with a hand-written update (2 cores,
``python -m benchmarks --only conv2d --only lenet_step``, 3 rounds; this shared machine's
speed drifts by a third between sessions, so compare within one run):

    engine      ms     ratio tracegrad/engine
    tracegrad   10.5   1.00
    torch        8.3   1.27   (1.08 in the run before)
    numpy       33.5   0.31

Half of tracegrad's step is its two convolutions. Before conv2d kept its scratch memory
between calls, the ratio was 1.6-1.7: fresh im2col matrices cost 1,286 page faults per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.conv2d import numpy_conv2d_backward, numpy_conv2d_forward
from benchmarks.flops import conv2d_step, dense_step
from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "LeNet-5 on 1x28x28, batch 64, cross-entropy, one SGD step (conv + pool)"
ENGINES = ("tracegrad", "torch", "numpy")
REPEATS = dict.fromkeys(ENGINES, 30)
WARMUP = dict.fromkeys(ENGINES, 3)

BATCH, LR = 64, 0.01

#: GEMM FLOPs per step (see `benchmarks.flops`): conv1 1->6 5x5 on 28x28 (padding 2) forward
#: and weight gradient (its input needs none), conv2 6->16 5x5 on 14x14 -> 10x10 forward,
#: weight and input gradient, and the dense 400-120-84-10 forward + backward with the input
#: gradient (it flows back to the convolutions): 144.9 MFLOP
FLOPS = (
    conv2d_step(BATCH, 1, 6, 5, 28, 28, input_grad=False)
    + conv2d_step(BATCH, 6, 16, 5, 10, 10, input_grad=True)
    + dense_step(BATCH, (400, 120, 84, 10), input_grad=True)
)
#: (name, shape) of every parameter, in order: weights (out, in, ...) then biases
SHAPES = (
    ("conv1.weight", (6, 1, 5, 5)),
    ("conv1.bias", (6,)),
    ("conv2.weight", (16, 6, 5, 5)),
    ("conv2.bias", (16,)),
    ("fc1.weight", (120, 400)),
    ("fc1.bias", (120,)),
    ("fc2.weight", (84, 120)),
    ("fc2.bias", (84,)),
    ("fc3.weight", (10, 84)),
    ("fc3.bias", (10,)),
)


def problem() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """x (64, 1, 28, 28) float32, targets (64,) int64 and the initial parameters (fresh
    copies: training updates them in place)."""
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, BATCH, dtype=np.int64)
    params = []
    fan_in = 1
    for name, shape in SHAPES:
        if name.endswith("weight"):
            fan_in = int(np.prod(shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, shape).astype(np.float32))
    return x, y, params


def torch_lenet5() -> Any:
    """``nn.LeNet5``'s twin in ``torch.nn``: the same submodules under the same names
    (``conv1``, ``act1``, ``pool1``, ..., ``fc3``), called in the same order, so its state
    dict has ``nn.LeNet5``'s keys. PyTorch's own initialisation; load weights into it."""
    import torch
    from torch import nn as tnn

    class LeNet5(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 6, 5, padding=2)
            self.act1, self.pool1 = tnn.ReLU(), tnn.MaxPool2d(2)
            self.conv2 = tnn.Conv2d(6, 16, 5)
            self.act2, self.pool2 = tnn.ReLU(), tnn.MaxPool2d(2)
            self.flatten = tnn.Flatten()
            self.fc1, self.act3 = tnn.Linear(400, 120), tnn.ReLU()
            self.fc2, self.act4 = tnn.Linear(120, 84), tnn.ReLU()
            self.fc3 = tnn.Linear(84, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            a2 = self.act2(self.conv2(self.pool1(self.act1(self.conv1(x)))))
            h = self.flatten(self.pool2(a2))
            return self.fc3(self.act4(self.fc2(self.act3(self.fc1(h)))))

    return LeNet5()


def _tracegrad() -> Prepared:
    import autograd.functional as F
    import nn
    from autograd import Tensor
    from nn.optim import SGD

    x_np, targets, arrays = problem()
    x = Tensor(x_np)
    model = nn.LeNet5()
    model.load_state_dict({name: a for (name, _), a in zip(SHAPES, arrays, strict=True)})
    opt = SGD(model.parameters(), lr=LR)

    def step() -> StepResult:
        loss = F.cross_entropy(model(x), targets)
        loss.backward()
        probe = float(model.conv1.weight.grad[0, 0, 0, 0])
        opt.step()
        opt.zero_grad()
        return float(loss.data), probe

    return Prepared(step)


def _torch() -> Prepared:
    import torch
    import torch.nn.functional as F

    x_np, targets_np, arrays = problem()
    x, targets = torch.from_numpy(x_np), torch.from_numpy(targets_np)
    model = torch_lenet5()
    model.load_state_dict(
        {name: torch.from_numpy(a) for (name, _), a in zip(SHAPES, arrays, strict=True)}
    )
    opt = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> StepResult:
        loss = F.cross_entropy(model(x), targets)
        loss.backward()
        probe = model.conv1.weight.grad[0, 0, 0, 0].item()
        opt.step()
        opt.zero_grad()
        return loss.item(), probe

    return Prepared(step)


def _pool_forward(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 max pooling of (N, C, H, W), H and W even: (y, index of each block's first max)."""
    n, c, h, w = a.shape
    blocks = a.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    blocks = blocks.reshape(n, c, h // 2, w // 2, 4)
    at = blocks.argmax(axis=-1)
    return np.take_along_axis(blocks, at[..., None], axis=-1)[..., 0], at


def _pool_backward(g: np.ndarray, at: np.ndarray) -> np.ndarray:
    n, c, ho, wo = g.shape
    blocks = np.zeros((n, c, ho, wo, 4), dtype=g.dtype)
    np.put_along_axis(blocks, at[..., None], g[..., None], axis=-1)
    blocks = blocks.reshape(n, c, ho, wo, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return blocks.reshape(n, c, 2 * ho, 2 * wo)


def _numpy() -> Prepared:
    x, targets, params = problem()
    rows = np.arange(BATCH)
    c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b, f3w, f3b = params

    def step() -> StepResult:
        # forward
        a1, cache1 = numpy_conv2d_forward(x, c1w, c1b, 2)
        p1, at1 = _pool_forward(np.maximum(a1, 0))
        a2, cache2 = numpy_conv2d_forward(p1, c2w, c2b, 0)
        p2, at2 = _pool_forward(np.maximum(a2, 0))
        h0 = p2.reshape(BATCH, 400)
        z1 = h0 @ f1w.T + f1b
        h1 = np.maximum(z1, 0)
        z2 = h1 @ f2w.T + f2b
        h2 = np.maximum(z2, 0)
        z = h2 @ f3w.T + f3b
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        loss = -(shifted[rows, targets] - np.log(sum_exp[:, 0])).mean()
        # backward: d loss / d z = (softmax - one_hot) / batch
        dz = exp / sum_exp
        dz[rows, targets] -= 1
        dz /= np.float32(BATCH)
        grads = [None] * 10
        grads[8], grads[9] = dz.T @ h2, dz.sum(axis=0)
        dz2 = (dz @ f3w) * (z2 > 0)
        grads[6], grads[7] = dz2.T @ h1, dz2.sum(axis=0)
        dz1 = (dz2 @ f2w) * (z1 > 0)
        grads[4], grads[5] = dz1.T @ h0, dz1.sum(axis=0)
        da2 = _pool_backward((dz1 @ f1w).reshape(p2.shape), at2) * (a2 > 0)
        dp1, grads[2], grads[3] = numpy_conv2d_backward(da2, cache2)
        da1 = _pool_backward(dp1, at1) * (a1 > 0)
        _, grads[0], grads[1] = numpy_conv2d_backward(da1, cache1, need_dx=False)
        probe = float(grads[0][0, 0, 0, 0])
        for p, g in zip(params, grads):
            p -= LR * g
        return float(loss), probe

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (tracegrad, torch or numpy)."""
    builders = {"tracegrad": _tracegrad, "torch": _torch, "numpy": _numpy}
    if engine not in builders:
        raise ValueError(f"lenet_step: unknown engine {engine!r}")
    return builders[engine]()
