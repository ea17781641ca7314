"""numpy reference for the embedding kernel (tests only), named after it with ``_oracle``."""

from __future__ import annotations

import numpy as np


def scatter_add_rows_oracle(out: np.ndarray, index: np.ndarray, rows: np.ndarray) -> None:
    """In place: ``out (V, D)[index[k]] += rows (n, D)[k]`` for k < n, with ``np.add.at``."""
    np.add.at(out, index, rows)
