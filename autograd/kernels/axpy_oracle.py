"""numpy reference for the axpy kernel (tests only), named after it with ``_oracle``."""

from __future__ import annotations

import numpy as np


def axpy_oracle(alpha: float, x: np.ndarray, y: np.ndarray) -> None:
    """In place: ``y (n,) += alpha · x (n,)``, as numpy's two steps."""
    y += alpha * x
