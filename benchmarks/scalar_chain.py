"""Workload ``scalar_chain``: a deep graph of scalar ops, built and backpropagated.

``x <- relu(x * a + b)`` 33,333 times (~100k recorded ops) from ``x = 0.5`` with
``a = 1 - 2**-13, b = 2**-13`` (exact in float32), then backward from the final x. One timed
step builds the graph from fresh leaves ``x0, a, b`` (all requiring grad; a and b are reused
by every link, so their gradients accumulate over 33,333 uses), backpropagates, and drops the
graph. It measures per-op overhead: the arrays are 0-d, so almost all the time is
bookkeeping.

The reported loss is the final x (1 - 0.5 * a**33333, about 0.991455); the gradient probe is
dx/dx0 (a**33333, about 0.0170907). micrograd computes in float64, the others in float32, so
they agree to float32 rounding accumulated over the chain.
"""

from __future__ import annotations

import gc
import sys

from benchmarks.data import CHAIN_A, CHAIN_B, CHAIN_LINKS, CHAIN_X0
from benchmarks.harness import Prepared, StepResult

DESCRIPTION = "relu(x*a + b) chained 33,333 times on scalars (~100k ops): build + backward"
ENGINES = ("tracegrad", "torch", "micrograd")
REPEATS = {"tracegrad": 5, "torch": 5, "micrograd": 5}
WARMUP = {"tracegrad": 1, "torch": 1, "micrograd": 1}

#: micrograd's Value.backward sorts the graph recursively: one Python frame per node
DEEP_RECURSION_LIMIT = 10**6


def tracegrad_step(links: int = CHAIN_LINKS) -> StepResult:
    """One step with ``links`` links (3 recorded ops each); `benchmarks.scalar_chain_scaling`
    calls it with other lengths."""
    from autograd import Tensor

    x0 = Tensor(CHAIN_X0, requires_grad=True)
    a = Tensor(CHAIN_A, requires_grad=True)
    b = Tensor(CHAIN_B, requires_grad=True)
    x = x0
    for _ in range(links):
        x = (x * a + b).relu()
    x.backward()
    return float(x.data), float(x0.grad)


def _torch_step() -> StepResult:
    import torch

    x0 = torch.tensor(CHAIN_X0, requires_grad=True)
    a = torch.tensor(CHAIN_A, requires_grad=True)
    b = torch.tensor(CHAIN_B, requires_grad=True)
    x = x0
    for _ in range(CHAIN_LINKS):
        x = torch.relu(x * a + b)
    x.backward()
    return x.item(), x0.grad.item()


def _micrograd_chain(x0, a, b):
    x = x0
    for _ in range(CHAIN_LINKS):
        x = (x * a + b).relu()
    return x


def _micrograd_step() -> StepResult:
    from micrograd.engine import Value

    x0, a, b = Value(CHAIN_X0), Value(CHAIN_A), Value(CHAIN_B)
    x = _micrograd_chain(x0, a, b)
    x.backward()
    result = (float(x.data), float(x0.grad))
    # each micrograd node's _backward closure refers to the node itself, so the graph is a
    # web of reference cycles that only the cycle collector frees: dropping it means this
    del x
    gc.collect()
    return result


def micrograd_recursion_note() -> str | None:
    """Try micrograd's backward on the full chain at the current recursion limit; return a
    note if it raises RecursionError (it does at Python's default limit of 1000)."""
    from micrograd.engine import Value

    limit = sys.getrecursionlimit()
    x = _micrograd_chain(Value(CHAIN_X0), Value(CHAIN_A), Value(CHAIN_B))
    try:
        x.backward()
    except RecursionError:
        return (
            f"micrograd: backward of the {3 * CHAIN_LINKS:,}-op chain raises RecursionError "
            f"at the recursion limit {limit} (its topological sort recurses once per node); "
            f"measured with sys.setrecursionlimit({DEEP_RECURSION_LIMIT:,})"
        )
    finally:
        del x
        gc.collect()
    return None


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (tracegrad, torch or micrograd)."""
    if engine == "tracegrad":
        return Prepared(tracegrad_step)
    if engine == "torch":
        return Prepared(_torch_step)
    if engine == "micrograd":
        note = micrograd_recursion_note()
        sys.setrecursionlimit(max(sys.getrecursionlimit(), DEEP_RECURSION_LIMIT))
        return Prepared(_micrograd_step, notes=[note] if note else [])
    raise ValueError(f"scalar_chain: unknown engine {engine!r}")
