"""Workload ``moons_mlp``: micrograd's demo notebook, one SGD step per timed iteration.

An MLP 2-16-16-1 (ReLU hidden layers, linear output) scores 100 two-moons points (labels
±1); the loss is the SVM hinge loss ``mean(relu(1 - y * score))`` plus ``1e-4`` times the sum
of squares of every parameter (weights and biases, as micrograd's demo does). A step is:
forward, backward, SGD update with lr 0.1, zero grads. Tensor engines do the whole batch in a
few array ops; micrograd does it per sample with scalar Values (its own ``nn.MLP``, with its
weights overwritten by the shared ones), so it is much slower and gets fewer repeats.

Engines, each the way its users write it:
- ``tracegrad``: ``nn.MLP([2, 16, 16, 1], activation="relu")`` with the shared weights
  loaded, ``nn.optim.SGD(model.parameters(), lr=0.1)``, ``opt.step()``, ``opt.zero_grad()``.
- ``torch``: the same layout as ``torch.nn.Sequential`` of ``Linear`` and ``ReLU``
  (`benchmarks.mlp.torch_mlp`), ``torch.optim.SGD`` (its default, the per-parameter loop
  on CPU), ``step()``, ``zero_grad()``.
- ``micrograd``: its ``nn.MLP``, ``model.zero_grad()`` and the demo's own update loop
  ``p.data -= lr * p.grad`` (micrograd has no optimizer).

The gradient probe is d loss / d (first layer's weight[0, 0]).
"""

from __future__ import annotations

import gc

from benchmarks.data import moons_problem
from benchmarks.harness import Prepared, StepResult
from benchmarks.mlp import squared_sum, torch_mlp_of, tracegrad_mlp

DESCRIPTION = "micrograd's demo: MLP 2-16-16-1, 100 moons points, hinge loss + L2, SGD step"
ENGINES = ("tracegrad", "torch", "micrograd")
REPEATS = {"tracegrad": 20, "torch": 20, "micrograd": 3}
WARMUP = {"tracegrad": 3, "torch": 3, "micrograd": 1}

ALPHA = 1e-4  # L2 regularisation strength
LR = 0.1


def _tracegrad() -> Prepared:
    from autograd import Tensor
    from nn.optim import SGD

    problem = moons_problem()
    x = Tensor(problem.x)
    y = Tensor(problem.y.reshape(-1, 1))
    model = tracegrad_mlp(problem, "relu")
    params = list(model.parameters())
    opt = SGD(params, lr=LR)

    def step() -> StepResult:
        scores = model(x)
        loss = (1 - y * scores).relu().mean() + ALPHA * squared_sum(params)
        loss.backward()
        probe = float(params[0].grad[0, 0])
        opt.step()
        opt.zero_grad()
        return float(loss.data), probe

    return Prepared(step)


def _torch() -> Prepared:
    import torch

    problem = moons_problem()
    x = torch.from_numpy(problem.x)
    y = torch.from_numpy(problem.y.reshape(-1, 1))
    model = torch_mlp_of(problem, "relu")
    params = list(model.parameters())
    opt = torch.optim.SGD(params, lr=LR)

    def step() -> StepResult:
        scores = model(x)
        loss = (1 - y * scores).relu().mean() + ALPHA * squared_sum(params)
        loss.backward()
        probe = params[0].grad[0, 0].item()
        opt.step()
        opt.zero_grad()
        return loss.item(), probe

    return Prepared(step)


def _micrograd() -> Prepared:
    from micrograd.nn import MLP

    problem = moons_problem()
    model = MLP(2, [16, 16, 1])
    for layer, shared in zip(model.layers, problem.layers):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(shared.weight[j, i])
            neuron.b.data = float(shared.bias[j])
    params = model.parameters()
    first_weight = model.layers[0].neurons[0].w[0]
    xs = problem.x.tolist()  # Python floats: Neuron multiplies them into Values itself
    ys = problem.y.tolist()

    def step() -> StepResult:
        scores = [model(xi) for xi in xs]
        losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        loss = data_loss + ALPHA * sum(p * p for p in params)
        model.zero_grad()
        loss.backward()
        result = (float(loss.data), float(first_weight.grad))
        for p in params:
            p.data -= LR * p.grad
        # micrograd's graph is made of reference cycles: free it here so each step pays for
        # its own graph, as refcounting does for the tensor engines
        del scores, losses, data_loss, loss
        gc.collect()
        return result

    return Prepared(step)


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (tracegrad, torch or micrograd)."""
    builders = {"tracegrad": _tracegrad, "torch": _torch, "micrograd": _micrograd}
    if engine not in builders:
        raise ValueError(f"moons_mlp: unknown engine {engine!r}")
    return builders[engine]()
