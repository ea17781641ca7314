"""nn.Conv2d's padding="same"/"valid", dilation and groups against PyTorch with copied
weights: outputs and every gradient (input, weight, bias), and the argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor

torch = pytest.importorskip("torch")

CASES = [
    {"kernel_size": 3, "padding": "same"},
    {"kernel_size": 4, "padding": "same"},  # odd total padding: the extra zeros after
    {"kernel_size": (2, 3), "padding": "same", "dilation": (3, 2)},
    {"kernel_size": 3, "padding": "valid"},
    {"kernel_size": 3, "dilation": 2},
    {"kernel_size": 3, "dilation": (2, 1), "stride": 2, "padding": 1},
    {"kernel_size": 3, "groups": 2},
    {"kernel_size": 3, "groups": 4, "padding": 1},  # depthwise: groups = in_channels
    {"kernel_size": 3, "groups": 2, "dilation": 2, "padding": "same", "bias": False},
]


# PyTorch warns that it pads an even kernel's input by a copy (as tracegrad does)
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("kwargs", CASES, ids=[str(c) for c in CASES])
def test_conv2d_options_match_torch(kwargs, float64):
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(4, 8, **kwargs).double()
    ours = nn.Conv2d(4, 8, **kwargs)
    state = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(state)
    assert list(ours.state_dict()) == list(state)
    x = np.random.default_rng(1).standard_normal((2, 4, 9, 8))
    x_ours, x_theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert y_ours.shape == tuple(y_theirs.shape)
    np.testing.assert_allclose(y_ours.data, y_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = np.random.default_rng(2).standard_normal(y_ours.shape)
    y_ours.backward(seed)
    y_theirs.backward(torch.tensor(seed))
    np.testing.assert_allclose(x_ours.grad, x_theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    for name, p in theirs.named_parameters():
        got = dict(ours.named_parameters())[name].grad
        np.testing.assert_allclose(got, p.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)


def test_weight_shape_has_in_channels_per_group():
    assert nn.Conv2d(6, 9, 3, groups=3).weight.shape == (9, 2, 3, 3)
    assert "groups=3" in repr(nn.Conv2d(6, 9, 3, groups=3))
    assert "dilation=(2, 2)" in repr(nn.Conv2d(6, 9, 3, dilation=2))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"groups": 4}, "in_channels 6 is not divisible by groups 4"),
        ({"groups": 0}, "groups must be a positive int"),
        ({"padding": "same", "stride": 2}, "padding='same' needs stride 1"),
        ({"padding": "full"}, "padding must be an int, a pair, 'same' or 'valid'"),
        ({"dilation": 0}, "dilation must be positive"),
    ],
)
def test_conv2d_option_errors_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nn.Conv2d(6, 8, 3, **kwargs)
