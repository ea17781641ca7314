"""Row scatter-add: the backward of an embedding lookup, and a sparse SGD row update.

``scatter_add_rows(out, index, rows)`` does ``out[index[k]] += rows[k]`` for every k, so a row
picked several times receives the sum of its gradients (``np.add.at`` semantics, without its
per-element overhead). Sequential on purpose: rows of a batch repeat (frequent words), and a
parallel loop would race on them.
"""

from __future__ import annotations

import numpy as np

from autograd.kernels.jit import njit


@njit
def scatter_add_rows(out: np.ndarray, index: np.ndarray, rows: np.ndarray) -> None:
    """In place: ``out (V, D)[index[k]] += rows (n, D)[k]`` for k < n; index (n,) int64."""
    n, d = rows.shape
    for k in range(n):
        r = index[k]
        for j in range(d):
            out[r, j] += rows[k, j]
