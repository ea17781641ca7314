"""BatchNorm1d/2d, LayerNorm and Dropout2d against PyTorch's modules (weights copied), plus
float64 finite-difference gradchecks and the Module methods apply / requires_grad_."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, gradcheck

torch = pytest.importorskip("torch")

TOL = {np.float32: (1e-5, 1e-5), np.float64: (1e-10, 1e-10)}  # (forward, gradients)
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    """Make layers in this float dtype for the duration of a test."""
    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(request.param)
    yield request.param
    autograd.set_default_dtype(previous)


def close(a, b, tol):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def copy_from_torch(ours: nn.Module, theirs) -> None:
    """Same state-dict keys in the same order, then torch's values into ours."""
    t_state = theirs.state_dict()
    assert list(ours.state_dict()) == list(t_state)
    ours.load_state_dict({k: v.numpy() for k, v in t_state.items()})


def randomize_affine(theirs, rng) -> None:
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(p.shape))))


def step(ours, theirs, x_np, rng, dtype):
    """One forward and backward on both sides; compare output and every gradient."""
    fwd, grad = TOL[dtype]
    x = Tensor(x_np.copy(), requires_grad=True)
    xt = torch.from_numpy(x_np.copy()).requires_grad_()
    y, yt = ours(x), theirs(xt)
    assert y.dtype == dtype
    assert y.shape == tuple(yt.shape)
    close(y.data, yt, fwd)
    g = rng.standard_normal(y.shape).astype(dtype)
    y.backward(g)
    yt.backward(torch.from_numpy(g))
    close(x.grad, xt.grad, grad)
    t_params = dict(theirs.named_parameters())
    assert [k for k, _ in ours.named_parameters()] == list(t_params)
    for name, p in ours.named_parameters():
        close(p.grad, t_params[name].grad, grad)
        p.grad, t_params[name].grad = None, None


def compare_state(ours, theirs, dtype):
    fwd, _ = TOL[dtype]
    t_state = theirs.state_dict()
    o_state = ours.state_dict()
    assert list(o_state) == list(t_state)
    for k, v in t_state.items():
        assert o_state[k].dtype == v.numpy().dtype, k
        close(o_state[k], v, fwd)


BN_CASES = [
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (5, 3)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 6)),
    (nn.BatchNorm1d, torch.nn.BatchNorm1d, (1, 3, 6)),  # one sample, six values per channel
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (4, 2, 3, 5)),
    (nn.BatchNorm2d, torch.nn.BatchNorm2d, (1, 2, 3, 3)),
]
BN_IDS = ["1d-NC", "1d-NCL", "1d-N1", "2d", "2d-N1"]


# -- BatchNorm ----------------------------------------------------------------------------
@pytest.mark.parametrize(("ours_cls", "torch_cls", "shape"), BN_CASES, ids=BN_IDS)
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_matches_torch_train_then_eval(
    rng, dtype, ours_cls, torch_cls, shape, momentum, affine
):
    c = shape[1]
    ours = ours_cls(c, momentum=momentum, affine=affine)
    theirs = torch_cls(c, momentum=momentum, affine=affine).to(TORCH_DTYPE[dtype])
    if affine:
        randomize_affine(theirs, rng)
    copy_from_torch(ours, theirs)
    for _ in range(4):  # running statistics after several training steps
        x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
        step(ours, theirs, x, rng, dtype)
        compare_state(ours, theirs, dtype)
    assert int(ours.num_batches_tracked) == 4
    assert ours.num_batches_tracked.dtype == np.int64
    assert ours.num_batches_tracked.shape == ()
    ours.eval()
    theirs.eval()
    before = ours.state_dict()
    step(ours, theirs, rng.standard_normal(shape).astype(dtype), rng, dtype)
    for k, v in ours.state_dict().items():  # eval leaves the running statistics alone
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize(("ours_cls", "torch_cls", "shape"), BN_CASES, ids=BN_IDS)
def test_batchnorm_eval_accepts_one_value_per_channel(rng, dtype, ours_cls, torch_cls, shape):
    c = shape[1]
    ours, theirs = ours_cls(c), torch_cls(c).to(TORCH_DTYPE[dtype])
    randomize_affine(theirs, rng)
    with torch.no_grad():
        theirs.running_mean.copy_(torch.from_numpy(rng.standard_normal(c)))
        theirs.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2, c)))
    copy_from_torch(ours, theirs)
    ours.eval()
    theirs.eval()
    single = (1, c) + (1,) * (len(shape) - 2)
    step(ours, theirs, rng.standard_normal(single).astype(dtype), rng, dtype)


def test_batchnorm_training_one_value_per_channel_raises(rng):
    for m, shape in [(nn.BatchNorm1d(3), (1, 3)), (nn.BatchNorm2d(2), (1, 2, 1, 1))]:
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            m(Tensor(rng.standard_normal(shape)))
        assert int(m.num_batches_tracked) == 0
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        torch.nn.BatchNorm1d(3)(torch.zeros(1, 3))


@pytest.mark.parametrize(
    ("m", "shape", "words"),
    [
        (nn.BatchNorm1d(3), (2, 3, 4, 5), r"BatchNorm1d\(3\).*\(N, C\) or \(N, C, L\).*4-D"),
        (nn.BatchNorm1d(3), (3,), r"BatchNorm1d\(3\).*1-D.*\(3,\)"),
        (nn.BatchNorm1d(3), (2, 4), r"BatchNorm1d\(3\).*\(2, 4\) has 4 channels.*expected 3"),
        (nn.BatchNorm2d(2), (2, 2, 3), r"BatchNorm2d\(2\).*\(N, C, H, W\).*3-D"),
        (nn.BatchNorm2d(2), (2, 3, 4, 4), r"BatchNorm2d\(2\).*has 3 channels.*expected 2"),
    ],
)
def test_batchnorm_errors_name_layer_and_shapes(m, shape, words):
    with pytest.raises(ValueError, match=words):
        m(Tensor(np.zeros(shape)))


def test_batchnorm_without_running_stats_uses_batch_in_eval(rng, dtype):
    ours = nn.BatchNorm2d(3, track_running_stats=False)
    theirs = torch.nn.BatchNorm2d(3, track_running_stats=False).to(TORCH_DTYPE[dtype])
    copy_from_torch(ours, theirs)
    assert list(ours.state_dict()) == ["weight", "bias"]
    assert [k for k, _ in ours.named_buffers()] == []
    for mode in (True, False):
        ours.train(mode)
        theirs.train(mode)
        step(ours, theirs, rng.standard_normal((2, 3, 2, 2)).astype(dtype), rng, dtype)


def test_batchnorm_state_dict_round_trip_through_torch(rng, dtype):
    ours = nn.BatchNorm2d(3, momentum=None)
    for _ in range(3):
        ours(Tensor(rng.standard_normal((4, 3, 2, 2)).astype(dtype)))
    state = ours.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    theirs = torch.nn.BatchNorm2d(3).to(TORCH_DTYPE[dtype])
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    assert int(theirs.num_batches_tracked) == 3
    back = nn.BatchNorm2d(3)
    back.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for k, v in back.state_dict().items():
        np.testing.assert_array_equal(v, state[k])
        assert v.dtype == state[k].dtype
    back.eval()
    ours.eval()
    x = rng.standard_normal((2, 3, 2, 2)).astype(dtype)
    np.testing.assert_array_equal(back(Tensor(x)).data, ours(Tensor(x)).data)


def test_batchnorm_defaults_and_reset(rng):
    m = nn.BatchNorm1d(4)
    np.testing.assert_array_equal(m.weight.data, np.ones(4))
    np.testing.assert_array_equal(m.bias.data, np.zeros(4))
    m(Tensor(rng.standard_normal((3, 4))))
    assert not np.allclose(m.running_mean, 0)
    m.reset_running_stats()
    np.testing.assert_array_equal(m.running_mean, np.zeros(4))
    np.testing.assert_array_equal(m.running_var, np.ones(4))
    assert int(m.num_batches_tracked) == 0
    assert "momentum=0.1" in repr(m)


# -- LayerNorm ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("normalized_shape", "x_shape"),
    [(5, (3, 5)), (5, (5,)), (5, (1, 5)), ((3, 4), (2, 3, 4)), ([4], (2, 3, 4)), (6, (2, 1, 6))],
)
@pytest.mark.parametrize(("affine", "bias"), [(True, True), (True, False), (False, True)])
def test_layernorm_matches_torch(rng, dtype, normalized_shape, x_shape, affine, bias):
    ours = nn.LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias)
    theirs = torch.nn.LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias)
    theirs = theirs.to(TORCH_DTYPE[dtype])
    randomize_affine(theirs, rng)
    copy_from_torch(ours, theirs)
    for mode in (True, False):
        ours.train(mode)
        theirs.train(mode)
        step(ours, theirs, (rng.standard_normal(x_shape) * 2 - 1).astype(dtype), rng, dtype)


def test_layernorm_wrong_shape_names_it():
    with pytest.raises(ValueError, match=r"LayerNorm\(3, 4\).*\(\*, 3, 4\).*\(2, 4, 3\)"):
        nn.LayerNorm((3, 4))(Tensor(np.zeros((2, 4, 3))))
    with pytest.raises(ValueError, match=r"LayerNorm.*\(4,\)"):
        nn.LayerNorm((3, 4))(Tensor(np.zeros(4)))
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(0)


# -- finite differences -------------------------------------------------------------------
def as_function(m: nn.Module):
    """The layer as a function of its input and weight: the gradchecked leaves stand in for
    the layer's weight (and bias) during each call."""

    def f(x, w, b=None):
        m._parameters["weight"] = w
        if b is not None:
            m._parameters["bias"] = b
        return m(x)

    return f


def float64_layer(make):
    autograd.set_default_dtype(np.float64)
    try:
        return make()
    finally:
        autograd.set_default_dtype(np.float32)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda: nn.BatchNorm1d(3), (4, 3)),
        (lambda: nn.BatchNorm1d(3), (2, 3, 2)),
        (lambda: nn.BatchNorm2d(3), (2, 3, 2, 2)),
        (lambda: nn.BatchNorm1d(3, momentum=None), (1, 3, 3)),
    ],
    ids=["1d-NC", "1d-NCL", "2d", "1d-N1"],
)
def test_batchnorm_gradcheck(rng, training, make, shape):
    m = float64_layer(make)
    m.running_mean[:] = rng.standard_normal(3)
    m.running_var[:] = rng.uniform(0.5, 2, 3)
    m.train(training)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    w = Tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(as_function(m), x, w, b)


@pytest.mark.parametrize(
    ("normalized_shape", "shape"), [(4, (3, 4)), ((2, 3), (2, 2, 3)), (5, (5,))]
)
def test_layernorm_gradcheck(rng, normalized_shape, shape):
    m = float64_layer(lambda: nn.LayerNorm(normalized_shape))
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    w = Tensor(rng.uniform(0.5, 1.5, m.normalized_shape), requires_grad=True)
    b = Tensor(rng.standard_normal(m.normalized_shape), requires_grad=True)
    assert gradcheck(as_function(m), x, w, b)


# -- Dropout2d ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 6, 3, 5), (1, 8, 2, 2), (6, 3, 4)])
@pytest.mark.parametrize("p", [0.25, 0.5, 0.8])
def test_dropout2d_zeroes_whole_channels_and_scales(shape, p):
    m = nn.Dropout2d(p, rng=np.random.default_rng(0))
    x_np = np.random.default_rng(1).uniform(1, 2, shape)  # no zeros of its own
    x = Tensor(x_np, requires_grad=True)
    y = m(x)
    maps = y.data.reshape(-1, shape[-2] * shape[-1])
    ratio = maps / x_np.reshape(maps.shape)
    zeroed = np.all(ratio == 0, axis=1)
    kept = np.all(np.isclose(ratio, 1 / (1 - p), rtol=1e-12), axis=1)
    assert np.all(zeroed | kept)  # each feature map is zeroed or scaled as a whole
    y.backward(np.ones(shape))
    np.testing.assert_allclose(x.grad, ratio.reshape(shape), rtol=1e-12)  # the same mask


def test_dropout2d_rate_and_mean():
    m = nn.Dropout2d(0.3, rng=np.random.default_rng(2))
    x = np.ones((200, 50, 2, 2))
    y = m(Tensor(x)).data
    dropped = np.mean(y[:, :, 0, 0] == 0)
    assert abs(dropped - 0.3) < 0.02
    assert abs(y.mean() - 1.0) < 0.03  # inverted dropout keeps the expected value


def test_dropout2d_eval_and_p0_are_identity_p1_zeroes(rng):
    x = Tensor(rng.standard_normal((2, 3, 4, 4)))
    assert nn.Dropout2d(0.5).eval()(x) is x
    assert nn.Dropout2d(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout2d(1.0)(x).data, np.zeros(x.shape))


def test_dropout2d_reproducible_with_a_generator(rng):
    x = Tensor(rng.standard_normal((3, 4, 2, 2)))
    a = nn.Dropout2d(rng=np.random.default_rng(7))(x).data
    b = nn.Dropout2d(rng=np.random.default_rng(7))(x).data
    np.testing.assert_array_equal(a, b)


def test_dropout2d_errors():
    with pytest.raises(ValueError, match=r"Dropout2d: p must be in \[0, 1\], got 1.5"):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError, match=r"Dropout2d.*\(N, C, H, W\) or \(C, H, W\).*\(2, 3\)"):
        nn.Dropout2d()(Tensor(np.zeros((2, 3))))


# -- Module.apply and requires_grad_ ----------------------------------------------------------
def test_apply_visits_children_first_like_torch():
    def build(lib):
        inner = lib.Sequential(lib.Linear(2, 3), lib.ReLU())
        return lib.Sequential(inner, lib.BatchNorm1d(3), lib.Sequential(lib.Linear(3, 1)))

    seen, seen_torch = [], []
    ours = build(nn)
    assert ours.apply(lambda m: seen.append(type(m).__name__)) is ours
    build(torch.nn).apply(lambda m: seen_torch.append(type(m).__name__))
    assert seen == seen_torch


def test_apply_initialises_parameters():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))

    def init(m):
        if isinstance(m, nn.Linear):
            m.weight.data[...] = 0.5

    model.apply(init)
    assert all(np.all(m.weight.data == 0.5) for m in model if isinstance(m, nn.Linear))
    np.testing.assert_array_equal(model[1].weight.data, np.ones(3))


def test_requires_grad_freezes_and_unfreezes(rng):
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model[1].requires_grad_()
    y = model(Tensor(rng.standard_normal((4, 2)).astype(np.float32))).sum()
    y.backward()
    assert model[0].weight.grad is None
    assert model[1].weight.grad is not None
