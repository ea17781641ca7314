"""nn.init's in-place initialisers against torch.nn.init: the same bounds and standard
deviations (large draws of both compared statistically: the random generators differ), the
same gains, fans and errors; reproducible under nn.manual_seed; in place, bumping the version."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from nn import init
from nn.module import Parameter

# (O, C, kh, kw): fan_in = 80·15 = 1200, fan_out = 160·15 = 2400; 192 000 draws
CONV = (160, 80, 3, 5)
LINEAR = (300, 700)  # (out, in): fan_in 700, fan_out 300; 210 000 draws

RANDOM_CASES = [
    ("uniform_", {}),
    ("uniform_", {"a": -0.3, "b": 0.7}),
    ("normal_", {}),
    ("normal_", {"mean": 0.5, "std": 0.02}),
    ("xavier_uniform_", {}),
    ("xavier_uniform_", {"gain": 5.0 / 3}),
    ("xavier_normal_", {}),
    ("xavier_normal_", {"gain": 0.5}),
    ("kaiming_uniform_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}),  # PyTorch's Linear/Conv default
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform_", {"a": 0.2, "mode": "FAN_OUT"}),  # mode is case-insensitive
    ("kaiming_normal_", {}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", {"nonlinearity": "tanh"}),
    ("kaiming_normal_", {"a": 0.1, "mode": "fan_out"}),
    ("trunc_normal_", {}),  # [a, b] holds most of the mass: normal draws redrawn
    ("trunc_normal_", {"mean": 0.1, "std": 0.02, "a": 0.05, "b": 0.2}),
    ("trunc_normal_", {"mean": 0.0, "std": 1.0, "a": 1.0, "b": 3.0}),  # p = 0.16: rejection
]


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the ECDFs."""
    a, b = np.sort(a.ravel()), np.sort(b.ravel())
    grid = np.concatenate([a, b])
    gaps = np.searchsorted(a, grid, side="right") / a.size
    gaps -= np.searchsorted(b, grid, side="right") / b.size
    return float(np.abs(gaps).max())


def _draws(torch, name: str, kwargs: dict, shape: tuple[int, ...]):
    ours = init.__dict__[name](Parameter(np.zeros(shape, np.float32)), **kwargs)
    theirs = torch.empty(shape)
    getattr(torch.nn.init, name)(theirs, **kwargs)
    return ours.data.astype(np.float64), theirs.numpy().astype(np.float64)


@pytest.mark.parametrize("shape", [CONV, LINEAR], ids=["conv", "linear"])
@pytest.mark.parametrize(("name", "kwargs"), RANDOM_CASES)
def test_random_initialisers_draw_from_torchs_distribution(name, kwargs, shape):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    nn.manual_seed(0)
    ours, theirs = _draws(torch, name, kwargs, shape)
    n = ours.size
    # the same shape of distribution: with 2e5 draws each, a KS gap above 0.012 has odds
    # below 1e-12; a uniform where a normal is due (or the reverse) gives about 0.04
    assert _ks(ours, theirs) < 0.012, name
    # the same spread: the sample stds of 2e5 draws agree to ~0.3%; a wrong fan or gain is
    # off by 10% or more (fan_in vs fan_out here: a factor √2)
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.015, err_msg=name)
    np.testing.assert_allclose(
        ours.mean(), theirs.mean(), atol=6 * theirs.std() / math.sqrt(n), err_msg=name
    )
    if name in ("uniform_", "xavier_uniform_", "kaiming_uniform_"):
        # bounded: the extreme draws of each lie within 1e-4 of the width of the bounds
        # (odds of the contrary: e^-19), so the bounds themselves agree to 2e-4 of it
        width = float(np.ptp(theirs))
        for pick in (np.min, np.max):
            assert abs(pick(ours) - pick(theirs)) <= 2e-4 * width, (name, pick)
    if name == "trunc_normal_":  # the cutoffs are given, not computed
        low, high = np.float32(kwargs.get("a", -2.0)), np.float32(kwargs.get("b", 2.0))
        assert low <= ours.min()
        assert ours.max() <= high
        assert low <= theirs.min()
        assert theirs.max() <= high


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3, 3), (64, 32, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_is_orthogonal_times_gain_as_torchs(shape, gain):
    torch = pytest.importorskip("torch")
    theirs = torch.empty(shape)
    torch.nn.init.orthogonal_(theirs, gain=gain)
    ours = init.orthogonal_(Parameter(np.zeros(shape, np.float32)), gain=gain).data
    for w in (ours, theirs.numpy()):
        rows = w.reshape(shape[0], -1).astype(np.float64)  # dims after the first flattened
        small = rows @ rows.T if rows.shape[0] <= rows.shape[1] else rows.T @ rows
        np.testing.assert_allclose(small, gain**2 * np.eye(len(small)), atol=1e-5)
    # not just any orthogonal matrix (the identity is one): the entries are spread out
    assert np.count_nonzero(np.abs(ours) > 1e-3) > 0.9 * ours.size
    if ours.size > 1000:
        np.testing.assert_allclose(ours.std(), theirs.std().item(), rtol=0.01)
        assert _ks(ours, theirs.numpy()) < 0.05


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_signs_are_fixed_as_torchs(shape):
    # QR by Householder reflections makes the first entry of Q negative whatever the draw;
    # PyTorch multiplies Q's columns by the signs of R's diagonal, so each sign is as likely
    nn.manual_seed(0)
    corner = [init.orthogonal_(Tensor(np.zeros(shape))).data[0, 0] for _ in range(200)]
    assert 60 <= sum(c > 0 for c in corner) <= 140


@pytest.mark.parametrize(
    "nonlinearity",
    [
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "selu",
    ],
)
def test_calculate_gain_matches_torch(nonlinearity):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity) == torch.nn.init.calculate_gain(nonlinearity)
    for param in (0, 0.2, 3, np.float64(0.5)):
        assert init.calculate_gain(nonlinearity, param) == pytest.approx(
            torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15
        )


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (7, 2, 3), CONV, (4, 6, 2, 3, 5), (0, 4)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    ours = init.calculate_fan_in_and_fan_out(Tensor(np.zeros(shape)))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    assert init._calculate_fan_in_and_fan_out(Tensor(np.zeros(shape))) == ours


def test_conv_weight_fans():
    assert init.calculate_fan_in_and_fan_out(Tensor(np.zeros((16, 8, 3, 5)))) == (120, 240)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_deterministic_initialisers_equal_torchs(shape):
    torch = pytest.importorskip("torch")
    for name, args in [("eye_", ()), ("zeros_", ()), ("ones_", ()), ("constant_", (0.3,))]:
        theirs = torch.full(shape, 7.0)
        getattr(torch.nn.init, name)(theirs, *args)
        ours = init.__dict__[name](Parameter(np.full(shape, 7.0, np.float32)), *args)
        np.testing.assert_array_equal(ours.data, theirs.numpy(), err_msg=name)
        assert ours.dtype == np.float32


def test_constant_keeps_an_integer_tensors_dtype_as_torch():
    torch = pytest.importorskip("torch")
    ours = init.constant_(Tensor(np.zeros(3, np.int64)), 2.7)
    theirs = torch.nn.init.constant_(torch.zeros(3, dtype=torch.int64), 2.7)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.dtype == np.int64


def _torch_error(call) -> str:
    """The message of the ValueError that ``call`` raises."""
    try:
        call()
    except ValueError as err:
        return str(err)
    raise AssertionError("no ValueError")


@pytest.mark.parametrize(
    ("name", "shape", "kwargs"),
    [
        ("xavier_uniform_", (5,), {}),
        ("xavier_normal_", (5,), {}),
        ("kaiming_uniform_", (5,), {}),
        ("kaiming_normal_", (5,), {}),
        ("kaiming_uniform_", (3, 5), {"mode": "fan_avg"}),
        ("kaiming_normal_", (3, 5), {"nonlinearity": "softplus"}),
        ("kaiming_uniform_", (3, 5), {"a": "slope"}),
        ("eye_", (2, 3, 4), {}),
        ("eye_", (3,), {}),
        ("orthogonal_", (4,), {}),
    ],
)
def test_errors_are_torchs(name, shape, kwargs):
    torch = pytest.importorskip("torch")
    message = _torch_error(lambda: getattr(torch.nn.init, name)(torch.empty(shape), **kwargs))
    tensor = Parameter(np.zeros(shape, np.float32))
    with pytest.raises(ValueError, match=re.escape(message)):
        init.__dict__[name](tensor, **kwargs)
    assert tensor._version is None  # nothing was written


def test_calculate_gain_errors_are_torchs():
    torch = pytest.importorskip("torch")
    for args in [("softplus",), ("leaky_relu", "0.1"), ("leaky_relu", True)]:
        message = _torch_error(lambda args=args: torch.nn.init.calculate_gain(*args))
        with pytest.raises(ValueError, match=re.escape(message)):
            init.calculate_gain(*args)


def test_kaiming_on_an_empty_tensor_warns_and_does_nothing_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("kaiming_uniform_", "kaiming_normal_"):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            getattr(torch.nn.init, name)(torch.empty(0))
        tensor = Tensor(np.zeros(0, np.float32))
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            assert init.__dict__[name](tensor) is tensor
        assert tensor._version is None


def test_trunc_normal_warns_when_the_mean_is_far_outside_as_torch():
    torch = pytest.importorskip("torch")
    message = "mean is more than 2 std from \\[a, b\\] in nn.init.trunc_normal_"
    with pytest.warns(UserWarning, match=message):
        torch.nn.init.trunc_normal_(torch.empty(10), mean=5.0, std=1.0, a=0.0, b=2.0)
    with pytest.warns(UserWarning, match=message):
        t = init.trunc_normal_(Tensor(np.zeros(1000)), mean=5.0, std=1.0, a=0.0, b=2.0)
    assert t.data.min() >= 0.0
    assert t.data.max() <= 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        init.trunc_normal_(Tensor(np.zeros(10)), mean=1.0, std=0.5, a=-1.0, b=2.0)


def test_trunc_normal_stays_within_the_float32_cutoffs():
    t = Parameter(np.zeros(100_000, np.float32))
    init.trunc_normal_(t, mean=0.1, std=0.3, a=-0.1, b=0.1)
    assert t.data.min() >= np.float32(-0.1)
    assert t.data.max() <= np.float32(0.1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: init.uniform_(t, 1.0, 0.0), "uniform_ expects to return a \\[from, to\\)"),
        (lambda t: init.uniform_(t, 0.0, math.inf), "uniform_: b must be a finite number"),
        (lambda t: init.normal_(t, std=-1.0), "normal expects std >= 0.0, but found std -1"),
        (lambda t: init.trunc_normal_(t, std=0.0), "trunc_normal_: std must be > 0"),
        (lambda t: init.trunc_normal_(t, a=1.0, b=0.0), "must have a <= b"),
    ],
)
def test_distribution_arguments_are_checked(call, message):
    t = Tensor(np.zeros(4))
    with pytest.raises(ValueError, match=message):
        call(t)
    assert t._version is None


INITIALISERS = [
    ("uniform_", ()),
    ("normal_", ()),
    ("trunc_normal_", ()),
    ("constant_", (0.5,)),
    ("ones_", ()),
    ("zeros_", ()),
    ("eye_", ()),
    ("xavier_uniform_", ()),
    ("xavier_normal_", ()),
    ("kaiming_uniform_", ()),
    ("kaiming_normal_", ()),
    ("orthogonal_", ()),
]


@pytest.mark.parametrize(("name", "args"), INITIALISERS)
def test_initialisers_refuse_a_non_tensor(name, args):
    with pytest.raises(
        TypeError,
        match=rf"nn.init.{name}: expected a Tensor \(or Parameter\) to fill in place, got "
        r"ndarray; wrap the array first: nn.Parameter\(array\)",
    ):
        init.__dict__[name](np.zeros((3, 4)), *args)
    with pytest.raises(TypeError, match=rf"nn.init.{name}: expected a Tensor.*got list$"):
        init.__dict__[name]([[0.0, 1.0]], *args)


@pytest.mark.parametrize(
    "name", ["uniform_", "normal_", "xavier_uniform_", "kaiming_normal_", "orthogonal_"]
)
def test_random_initialisers_refuse_an_integer_tensor(name):
    with pytest.raises(TypeError, match=f"nn.init.{name}: the tensor is int64; random values"):
        init.__dict__[name](Tensor(np.zeros((3, 4), np.int64)))


@pytest.mark.parametrize(("name", "args"), INITIALISERS)
def test_initialisers_write_in_place_and_bump_the_version(name, args):
    w = Parameter(np.full((3, 4), 7.0, np.float32))
    buffer = w.data
    x = Tensor(np.ones((2, 4)), requires_grad=True)
    loss = (x @ w.T).sum()  # matmul saves w for x's gradient
    assert init.__dict__[name](w, *args) is w  # in grad mode: the initialiser turns it off
    assert w.data is buffer
    assert w.dtype == np.float32
    assert not np.any(w.data == 7.0)
    assert w.requires_grad
    assert w.is_leaf
    assert w.grad is None
    with pytest.raises(RuntimeError, match="saved for backward and then modified in place"):
        loss.backward()
    (x @ w.T).sum().backward()  # a graph recorded afterwards is fine
    np.testing.assert_allclose(x.grad, np.tile(w.data.sum(axis=0), (2, 1)), rtol=1e-6)


def test_initialising_a_transposed_view_writes_through():
    w = Parameter(np.zeros((3, 5), np.float32))
    init.kaiming_uniform_(w.T, nonlinearity="relu")  # fans of the (5, 3) view: fan_in 3
    assert np.abs(w.data).max() <= math.sqrt(2.0) * math.sqrt(3.0 / 3)
    assert np.all(w.data != 0)
    assert w._version is not None
    assert w._version.value == 1


@pytest.mark.parametrize(("name", "args"), INITIALISERS)
def test_reproducible_under_manual_seed(name, args):
    def draw(seed: int) -> np.ndarray:
        nn.manual_seed(seed)
        return init.__dict__[name](Tensor(np.zeros((6, 5))), *args).data.copy()

    np.testing.assert_array_equal(draw(3), draw(3))
    if name not in ("constant_", "ones_", "zeros_", "eye_"):
        assert not np.array_equal(draw(3), draw(4))
        # an explicit generator draws from itself and leaves nn.init.generator() alone
        nn.manual_seed(3)
        t = Tensor(np.zeros((6, 5)))
        init.__dict__[name](t, *args, generator=np.random.default_rng(11))
        np.testing.assert_array_equal(init.__dict__[name](t, *args).data, draw(3))
        with pytest.raises(TypeError, match=f"nn.init.{name}: generator must be a numpy"):
            init.__dict__[name](t, *args, generator=11)


def _init_weights(m: nn.Module) -> None:
    if isinstance(m, (nn.Linear, nn.Conv2d)):
        init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if m.bias is not None:
            init.zeros_(m.bias)


def _model() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 64, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * 4 * 4, 300),
        nn.ReLU(),
        nn.Linear(300, 10, bias=False),
    )


def test_model_apply_initialises_linear_and_conv_layers():
    nn.manual_seed(0)
    model = _model()
    params = list(model.parameters())
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    assert model.apply(_init_weights) is model
    assert list(model.parameters()) == params  # the same Parameters, filled in place
    initialised = {k: v.copy() for k, v in model.state_dict().items()}
    conv, linear, head = model[0], model[3], model[5]
    assert np.all(conv.bias.data == 0)
    assert np.all(linear.bias.data == 0)
    for layer, fan_out in [(conv, 64 * 9), (linear, 300), (head, 10)]:
        np.testing.assert_allclose(layer.weight.data.std(), math.sqrt(2 / fan_out), rtol=0.05)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype(np.float32))
    model(x).sum().backward()
    before = conv.weight.data.copy()
    optimizer.step()  # the optimizer holds the initialised parameters
    assert not np.array_equal(conv.weight.data, before)

    nn.manual_seed(0)  # reproducible: the same seed, the same initialised model
    again = _model().apply(_init_weights).state_dict()
    assert list(again) == list(initialised)
    for key, value in initialised.items():
        np.testing.assert_array_equal(again[key], value, err_msg=key)


def test_nn_init_is_reachable_as_in_torch():
    assert nn.init.xavier_uniform_ is init.xavier_uniform_
    assert autograd.generator() is nn.init.generator()
    assert set(init.__all__) <= set(dir(init))
