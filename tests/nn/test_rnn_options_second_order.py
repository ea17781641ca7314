"""Second derivatives through the recurrent layers' options: two bidirectional layers,
batch-first, fused and unfused, checked against finite differences (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor, gradgradcheck


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU], ids=lambda c: c.__name__)
def test_bidirectional_stack_differentiates_twice(float64, cls, fused):
    nn.manual_seed(0)
    options = {} if cls is nn.RNN else {"fused": fused}
    layer = cls(3, 2, num_layers=2, bidirectional=True, batch_first=True, **options)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 4, 3)), requires_grad=True)

    def energy(x):
        out, _ = layer(x)
        return (out * out).sum()

    assert gradgradcheck(energy, x)
