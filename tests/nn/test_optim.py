"""Optimizers and gradient clipping: trajectories against torch.optim, state dicts, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from nn.utils import clip_grad_norm_, clip_grad_value_

STEPS = 5


def make_weights(seed: int = 0) -> list[np.ndarray]:
    """A tiny 3 -> 4 -> 2 MLP: W1 (3, 4), b1 (4,), W2 (4, 2), b2 (2,)."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in [(3, 4), (4,), (4, 2), (2,)]]


def make_batch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(5, 3)), rng.normal(size=(5, 2))


def ours_loss(params: list[Tensor], x: np.ndarray, y: np.ndarray) -> Tensor:
    w1, b1, w2, b2 = params
    out = (Tensor(x) @ w1 + b1).tanh() @ w2 + b2
    return ((out - Tensor(y)) ** 2).mean() + 0.1 * (w1 * w1).sum()


def torch_loss(torch, params, x: np.ndarray, y: np.ndarray):
    w1, b1, w2, b2 = params
    out = torch.tanh(torch.from_numpy(x) @ w1 + b1) @ w2 + b2
    return ((out - torch.from_numpy(y)) ** 2).mean() + 0.1 * (w1 * w1).sum()


def ours_params(weights: list[np.ndarray]) -> list[Tensor]:
    return [Tensor(w.copy(), requires_grad=True) for w in weights]


def ours_step(opt: Optimizer, params: list[Tensor], x, y) -> None:
    opt.zero_grad()
    ours_loss(params, x, y).backward()
    opt.step()


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "maximize": True, "eps": 1e-3}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.2}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "maximize": True, "eps": 1e-3}),
]
OURS = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW, "RMSprop": RMSprop, "Adagrad": Adagrad}


@pytest.mark.parametrize(("name", "options"), CASES, ids=lambda c: str(c))
def test_optimizer_trajectory_matches_torch(name, options):
    torch = pytest.importorskip("torch")
    weights, (x, y) = make_weights(), make_batch()
    ours = ours_params(weights)
    theirs = [torch.tensor(w, requires_grad=True) for w in weights]
    opt = OURS[name](ours, **options)
    topt = getattr(torch.optim, name)(theirs, **options)
    for step in range(STEPS):
        ours_step(opt, ours, x, y)
        topt.zero_grad()
        torch_loss(torch, theirs, x, y).backward()
        topt.step()
        for i, (p, t) in enumerate(zip(ours, theirs, strict=True)):
            np.testing.assert_allclose(
                p.data, t.detach().numpy(), rtol=0, atol=1e-10, err_msg=f"step {step} param {i}"
            )


def test_optimizer_param_groups_match_torch():
    torch = pytest.importorskip("torch")
    weights, (x, y) = make_weights(), make_batch()
    ours = ours_params(weights)
    theirs = [torch.tensor(w, requires_grad=True) for w in weights]
    opt = SGD([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.3}], lr=0.01, momentum=0.9)
    topt = torch.optim.SGD(
        [{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.3}], lr=0.01, momentum=0.9
    )
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.3]
    assert opt.param_groups[0]["momentum"] == 0.9
    for _ in range(STEPS):
        ours_step(opt, ours, x, y)
        topt.zero_grad()
        torch_loss(torch, theirs, x, y).backward()
        topt.step()
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=0, atol=1e-10)


def test_optimizer_param_groups_use_their_own_lr():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a.sum() + b.sum()).backward()
    opt.step()
    np.testing.assert_allclose(a.data, [0.9, 0.9])
    np.testing.assert_allclose(b.data, [0.5, 0.5])


@pytest.mark.parametrize(
    ("cls", "options"),
    [
        (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        (Adam, {"lr": 0.05, "amsgrad": True}),
        (AdamW, {"lr": 0.05}),
        (RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
        (Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    ],
)
def test_optimizer_state_dict_round_trip_continues_trajectory(cls, options):
    weights, (x, y) = make_weights(), make_batch()
    reference = ours_params(weights)
    ref_opt = cls(reference, **options)
    for _ in range(2 * STEPS):
        ours_step(ref_opt, reference, x, y)

    params = ours_params(weights)
    opt = cls(params, **options)
    for _ in range(STEPS):
        ours_step(opt, params, x, y)
    saved = opt.state_dict()
    assert sorted(saved["state"]) == [0, 1, 2, 3]
    assert saved["param_groups"][0]["params"] == [0, 1, 2, 3]
    for _ in range(STEPS):  # the saved copy must not follow later updates
        ours_step(opt, params, x, y)

    # fresh parameters at the saved weights, a fresh optimizer with other options, then load
    params = ours_params(weights)
    warm = cls(params, **options)
    for _ in range(STEPS):
        ours_step(warm, params, x, y)
    resumed = cls(params, lr=123.0)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == options["lr"]
    for _ in range(STEPS):
        ours_step(resumed, params, x, y)
    for p, r in zip(params, reference, strict=True):
        np.testing.assert_array_equal(p.data, r.data)


def test_optimizer_state_dict_keeps_dtype_and_torch_layout():
    p = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    opt = Adam([p], lr=0.1)
    p.sum().backward()
    opt.step()
    assert p.data.dtype == np.float32
    state = opt.state_dict()["state"][0]
    assert state["step"] == 1
    assert state["exp_avg"].dtype == np.float32
    assert state["exp_avg_sq"].dtype == np.float32
    # loading float64 state casts back to the parameter's dtype
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"].astype(np.float64)
    opt.load_state_dict(sd)
    assert opt.state[p]["exp_avg"].dtype == np.float32


def test_optimizer_load_state_dict_mismatch_errors():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    saved = SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameter"):
        SGD([a], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="has 1 parameter group"):
        SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)
    opt = Adam([a, b])
    (a.sum() + b.sum()).backward()
    opt.step()
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Adam([b, a]).load_state_dict(opt.state_dict())


def test_optimizer_updates_data_in_place():
    p = Tensor(np.ones(3), requires_grad=True)
    view = p.data
    opt = Adam([p], lr=0.1)
    p.sum().backward()
    opt.step()
    assert p.data is view
    assert np.all(view < 1)


def test_optimizer_skips_params_without_grad():
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = Adam([a, b], lr=0.1)
    a.sum().backward()
    opt.step()
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    assert b not in opt.state
    assert a in opt.state
    assert np.all(a.data < 1.0)  # the parameter with a gradient moved


def test_optimizer_zero_grad_sets_none_or_zeros():
    p = Tensor(np.ones(2), requires_grad=True)
    opt = SGD([p], lr=0.1)
    p.sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad, [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


def test_optimizer_step_returns_closure_loss():
    p = Tensor(np.array([3.0]), requires_grad=True)
    opt = SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.data, [1.5])


def test_optimizer_step_invalidates_saved_graph():
    p = Tensor(np.ones(2), requires_grad=True)
    opt = SGD([p], lr=0.1)
    (p * p).sum().backward()
    stale = (p * p).sum()
    opt.step()
    with pytest.raises(RuntimeError):
        stale.backward()


def test_optimizer_errors_are_clear():
    p = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 of group 0 is a ndarray"):
        SGD([p, np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        Adam([Tensor(np.ones(2))])
    with pytest.raises(ValueError, match="non-leaf"):
        Adam([p * 2])
    with pytest.raises(ValueError, match=r"invalid learning rate: -0\.5"):
        SGD([p], lr=-0.5)
    with pytest.raises(ValueError, match=r"invalid learning rate: -1"):
        Adam([{"params": [p], "lr": -1}])
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="momentum value: -1"):
        SGD([p], lr=0.1, momentum=-1)
    with pytest.raises(ValueError, match=r"beta parameter at index 1: 1\.0"):
        Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="epsilon"):
        AdamW([p], eps=-1.0)
    with pytest.raises(ValueError, match=r"weight_decay value: -0\.1"):
        AdamW([p], weight_decay=-0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="unknown option"):
        SGD([{"params": [p], "betas": (0.9, 0.99)}], lr=0.1)


def test_optimizer_defaults_match_torch():
    p = Tensor(np.ones(2), requires_grad=True)
    adam, adamw = Adam([p]).defaults, AdamW([p]).defaults
    assert (adam["lr"], adam["betas"], adam["eps"], adam["weight_decay"]) == (
        1e-3,
        (0.9, 0.999),
        1e-8,
        0.0,
    )
    assert adamw["weight_decay"] == 1e-2
    sgd = SGD([p], lr=0.1).defaults
    assert (sgd["momentum"], sgd["dampening"], sgd["weight_decay"], sgd["nesterov"]) == (
        0.0,
        0.0,
        0.0,
        False,
    )


# --- gradient clipping --------------------------------------------------------------------


def grads_pair(torch, scale: float):
    rng = np.random.default_rng(2)
    arrays = [scale * rng.normal(size=s) for s in [(3, 4), (4,), (2, 2, 2)]]
    ours = [Tensor(np.zeros(a.shape), requires_grad=True) for a in arrays]
    theirs = [torch.zeros(a.shape, dtype=torch.float64, requires_grad=True) for a in arrays]
    for p, t, a in zip(ours, theirs, arrays, strict=True):
        p.grad = a.copy()
        t.grad = torch.tensor(a)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_clip_grad_norm_matches_torch(norm_type, scale):
    torch = pytest.importorskip("torch")
    ours, theirs = grads_pair(torch, scale)
    total = clip_grad_norm_(ours, max_norm=1.5, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.5, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(expected.item(), rel=1e-12)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-12, atol=0)


def test_clip_grad_norm_returns_pre_clip_norm_and_scales():
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = np.array([3.0, 4.0])
    assert clip_grad_norm_(p, max_norm=1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad, [3.0 / (5 + 1e-6), 4.0 / (5 + 1e-6)])
    assert clip_grad_norm_([p], max_norm=1.0, norm_type="inf") == pytest.approx(0.8, rel=1e-6)


def test_clip_grad_norm_skips_missing_grads_and_keeps_small_ones():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    a.grad = np.array([0.3, 0.4])
    assert clip_grad_norm_([a, b], max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])
    assert b.grad is None
    assert clip_grad_norm_([b], max_norm=1.0) == 0.0


def test_clip_grad_norm_nonfinite():
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="is inf, so it cannot be clipped"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([p], 1.0) == math.inf


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = grads_pair(torch, 1.0)
    clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for p, t in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())
    assert max(np.abs(p.grad).max() for p in ours) == 0.5


def test_step_lr_follows_torch_schedule():
    torch = pytest.importorskip("torch")
    from nn.optim import SGD, StepLR

    p = Tensor(np.zeros(2), requires_grad=True)
    ours = StepLR(SGD([p], lr=0.5), step_size=2, gamma=0.1)
    tp = torch.zeros(2, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.5)
    theirs = torch.optim.lr_scheduler.StepLR(topt, step_size=2, gamma=0.1)
    for _ in range(5):
        topt.step()
        ours.step()
        theirs.step()
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)


def test_step_lr_rejects_bad_settings():
    from nn.optim import SGD, StepLR

    opt = SGD([Tensor(np.zeros(2), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="gamma"):
        StepLR(opt, step_size=1, gamma=0.0)


def test_sgd_momentum_leaves_grad_unchanged():
    p = Tensor(np.ones(3), requires_grad=True)
    p.grad = np.array([1.0, 2.0, 3.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    opt.step()  # the buffer is decayed in place: it must not be p.grad itself
    np.testing.assert_array_equal(p.grad, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(p.data, 1.0 - 0.1 * (1.0 + 1.9) * np.array([1.0, 2.0, 3.0]))


def test_optimizer_step_refuses_a_gradient_reshaped_in_place():
    p = Tensor(np.ones((2, 3)), requires_grad=True)
    p.grad = np.ones((2, 3))
    p.grad.shape = (3, 2)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\) has a gradient of shape \(3, 2\)"):
        SGD([p], lr=0.1).step()


def test_optimizer_closure_records_a_graph_under_no_grad():
    from autograd import no_grad

    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(p.data, [0.8, 1.6])


def test_optimizer_load_state_dict_copies_the_arrays():
    p = Tensor(np.ones(2), requires_grad=True)
    opt = Adam([p])
    p.grad = np.ones(2)
    opt.step()
    saved = opt.state_dict()
    q = Tensor(np.ones(2), requires_grad=True)
    other = Adam([q])
    other.load_state_dict(saved)
    expected = other.state[q]["exp_avg"].copy()
    saved["state"][0]["exp_avg"][:] = 99.0
    np.testing.assert_array_equal(other.state[q]["exp_avg"], expected)


@pytest.mark.parametrize("index", [False, True])
def test_optimizer_load_state_dict_refuses_bool_indices(index):
    a = Tensor(np.ones(2), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    a.grad, b.grad = np.ones(2), np.ones(2)
    opt.step()
    saved = opt.state_dict()
    saved["param_groups"][0]["params"] = [index, 1 - index]
    with pytest.raises(ValueError, match="parameter indices"):
        opt.load_state_dict(saved)


@pytest.mark.parametrize(("name", "options"), [c for c in CASES if c[0] in ("RMSprop", "Adagrad")])
def test_adaptive_optimizers_keep_torchs_state_names(name, options):
    torch = pytest.importorskip("torch")
    weights, (x, y) = make_weights(), make_batch()
    ours = ours_params(weights)
    theirs = [torch.tensor(w, requires_grad=True) for w in weights]
    opt = OURS[name](ours, **options)
    topt = getattr(torch.optim, name)(theirs, **options)
    ours_step(opt, ours, x, y)
    topt.zero_grad()
    torch_loss(torch, theirs, x, y).backward()
    topt.step()
    mine, reference = opt.state_dict(), topt.state_dict()
    assert sorted(mine["state"][0]) == sorted(reference["state"][0])
    options_of = {k: v for k, v in reference["param_groups"][0].items() if k in opt.defaults}
    assert {k: mine["param_groups"][0][k] for k in options_of} == options_of
