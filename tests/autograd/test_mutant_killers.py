"""Tests written to kill the mutants of `scripts/mutants.py` that the rest of the suite missed.

Each test names the property it guards; the mutant ids it kills are in `scripts/mutant_table.py`.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor


@pytest.mark.parametrize("keepdims", [False, True])
def test_max_output_edited_in_place_keeps_gradient(keepdims):
    # the output is the caller's to change: backward must not read the maximum from it
    x = Tensor(np.array([[1.0, 3.0, 2.0], [0.5, -1.0, 0.5]]), requires_grad=True)
    y = x.max(axis=1, keepdims=keepdims)
    z = y.sum()
    y.detach().data[...] += 0.25  # an edit outside the graph, after forward
    z.backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
