"""FLOP counts of the GEMM-bound workloads, computed from their shapes (pure functions).

The convention, the same for every engine of a workload: count ``2·m·n·k`` for each matrix
product (``(m, k) @ (k, n)``) of the forward and the backward pass that the step needs
mathematically, and nothing else: no bias additions, activations, softmax, pooling, the SGD
update, nor the im2col copies. A convolution counts as the GEMM it is equivalent to
(``2·N·O·C·kh·kw·Ho·Wo``). Gradients that are not needed are not counted: the gradient of the
input batch (it does not require one) and of ``h0``. An engine that computes them anyway, or
multiplies by zeros, does not earn FLOPs for it, so ``GFLOP/s`` is a lower bound on the rate
of the engine's own GEMMs and the fraction of the sgemm peak says how much of the step's time
the unavoidable arithmetic would take on this machine at best.

Nothing here imports numpy, so the parent process can use it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def gemm(m: int, n: int, k: int) -> int:
    """``2·m·n·k``: the multiply-adds of an ``(m, k) @ (k, n)`` product, counted as 2 each."""
    return 2 * m * n * k


def dense_step(batch: int, sizes: Sequence[int], input_grad: bool = False) -> int:
    """Forward + backward of an MLP with layer widths ``sizes`` on ``batch`` rows.

    Per layer ``n_in -> n_out``: forward ``X W^T`` and the weight gradient ``dY^T X`` always;
    the input gradient ``dY W`` for every layer but the first, and for the first only if
    ``input_grad`` (the batch itself never needs a gradient in these workloads). So a layer
    costs 3 GEMMs of ``2·batch·n_in·n_out``, the first 2.
    """
    total = 0
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        per_gemm = gemm(batch, n_out, n_in)
        total += per_gemm * (3 if i > 0 or input_grad else 2)
    return total


def conv2d_gemm(batch: int, c_in: int, c_out: int, kernel: int, h_out: int, w_out: int) -> int:
    """One convolution's equivalent GEMM: ``2·N·O·C·kh·kw·Ho·Wo`` (square kernel)."""
    return gemm(batch * h_out * w_out, c_out, c_in * kernel * kernel)


def conv2d_step(
    batch: int, c_in: int, c_out: int, kernel: int, h_out: int, w_out: int, input_grad: bool
) -> int:
    """Forward + backward of a convolution: the forward, the weight gradient and, if
    ``input_grad``, the input gradient, each one equivalent GEMM."""
    one = conv2d_gemm(batch, c_in, c_out, kernel, h_out, w_out)
    return one * (3 if input_grad else 2)


def dense_hvp(batch: int, sizes: Sequence[int]) -> int:
    """The least GEMM work of a Hessian-vector product of an MLP's loss w.r.t. its weights.

    Counted as forward-over-reverse (Pearlmutter's R-operator), whatever algorithm an engine
    uses: per layer ``Y = X W^T`` with direction ``V`` for ``W``:

    - forward ``X W^T`` (1) and its tangent ``R(X) W^T + X V^T`` (2; 1 for the first layer,
      whose input has no tangent),
    - backward ``dW = dY^T X`` and ``dX = dY W`` (2; 1 for the first layer),
    - the tangent of the backward ``R(dY)^T X + dY^T R(X)`` and ``R(dY) W + dY V``
      (4; 1 for the first layer: only ``R(dY)^T X``).

    So 9 GEMMs of ``2·batch·n_in·n_out`` per layer, 4 for the first. The double-backward
    trick (three reverse passes) that tracegrad's ``autograd.hvp`` and torch's
    ``torch.autograd.functional.hvp`` both use multiplies more than this.
    """
    total = 0
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        total += gemm(batch, n_out, n_in) * (9 if i > 0 else 4)
    return total


def lstm_step(steps: int, batch: int, n_in: int, hidden: int) -> int:
    """Forward + backward of a one-layer LSTM (4 gates stacked: ``4H`` columns).

    Forward: the input projection ``x_t W_ih^T`` and the recurrent ``h_{t-1} W_hh^T`` for
    every step. Backward: ``dW_ih`` and ``dW_hh`` summed over every step, and ``dh_{t-1} =
    dG_t W_hh`` for steps 2..T (``h0`` and the input need no gradient). The gate
    nonlinearities and products are elementwise, not counted.
    """
    proj = gemm(steps * batch, 4 * hidden, n_in)
    recurrent = gemm(batch, 4 * hidden, hidden)
    forward = proj + steps * recurrent
    backward = proj + steps * recurrent + (steps - 1) * recurrent
    return forward + backward


def gflops_per_s(flops: int, ms: float) -> float:
    """``flops`` done in ``ms`` milliseconds, in GFLOP/s."""
    return flops / (ms * 1e-3) / 1e9
