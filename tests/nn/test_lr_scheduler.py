"""The schedulers of nn.optim.lr_scheduler against torch.optim.lr_scheduler: learning-rate
(and momentum / β1) curves per step, resumption through state dicts, argument errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.optim import SGD, Adam, lr_scheduler

LRS = (0.1, 0.02)  # two parameter groups with different learning rates

# name, constructor keyword arguments (the same for both libraries), steps
CASES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}, 30),
    ("MultiStepLR", {"milestones": [2, 5, 5, 11, 20], "gamma": 0.3}, 30),
    ("ExponentialLR", {"gamma": 0.9}, 30),
    ("CosineAnnealingLR", {"T_max": 7}, 30),  # four half-periods: down, up, down, up
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}, 30),
    ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 30}, 30),
    ("OneCycleLR", {"max_lr": 0.4, "epochs": 5, "steps_per_epoch": 6, "pct_start": 0.25}, 30),
    (
        "OneCycleLR",
        {"max_lr": 0.4, "total_steps": 30, "anneal_strategy": "linear", "three_phase": True},
        30,
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.3, "total_steps": 30, "base_momentum": [0.8, 0.7], "max_momentum": 0.9},
        30,
    ),
]


def _ours(kind: str, lrs=LRS):
    params = [Tensor(np.zeros(2), requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=True)]
    if kind == "sgd":
        return SGD(groups, lr=0.5, momentum=0.9)
    return Adam(groups, lr=0.5, betas=(0.9, 0.99))


def _theirs(torch, kind: str, lrs=LRS):
    params = [torch.zeros(2, requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=True)]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.5, momentum=0.9)
    return torch.optim.Adam(groups, lr=0.5, betas=(0.9, 0.99))


def _momenta(opt) -> list[float]:
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _assert_close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, err_msg=what)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize(("name", "kwargs", "steps"), CASES)
def test_scheduler_curves_match_torch(name, kwargs, steps, kind):
    torch = pytest.importorskip("torch")
    opt, topt = _ours(kind), _theirs(torch, kind)
    ours = getattr(lr_scheduler, name)(opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"{name} at construction")
    _assert_close(_momenta(opt), _momenta(topt), f"{name} momentum at construction")
    for step in range(1, steps + 1):  # OneCycleLR: up to last_epoch == total_steps, as torch
        topt.step()
        ours.step()
        theirs.step()
        _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"{name} lr at step {step}")
        _assert_close([g["lr"] for g in opt.param_groups], theirs.get_last_lr(), "group lr")
        _assert_close(_momenta(opt), _momenta(topt), f"{name} momentum at step {step}")
        assert ours.last_epoch == theirs.last_epoch


def test_one_cycle_past_total_steps_raises_and_changes_nothing():
    opt = _ours("sgd")
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=5)
    for _ in range(5):  # as torch: total_steps calls after the constructor's, then an error
        sched.step()
    before = sched.state_dict(), [dict(g, params=None) for g in opt.param_groups]
    with pytest.raises(
        ValueError,
        match=r"OneCycleLR: step\(\) past the end of the cycle \(step 6 > total_steps=5\)",
    ):
        sched.step()
    assert (sched.state_dict(), [dict(g, params=None) for g in opt.param_groups]) == before


def test_chainable_schedulers_follow_outside_lr_changes_as_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in [("StepLR", {"step_size": 2}), ("CosineAnnealingLR", {"T_max": 5})]:
        opt, topt = _ours("sgd"), _theirs(torch, "sgd")
        ours = getattr(lr_scheduler, name)(opt, **kwargs)
        theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
        for step in range(8):
            if step == 3:  # a change from outside the scheduler
                opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 0.05
            topt.step()
            ours.step()
            theirs.step()
            _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"{name} step {step}")


# metrics that improve, stall (reductions after patience), then improve again
METRICS = [5.0, 4.0, 4.0, 3.9999, 4.1, 4.2, 3.0, 3.0, 3.1, 3.2, 3.3, 2.0, 2.5, 2.5, 2.5, 2.5]
METRICS = METRICS + [2.5] * 14


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 2},
        {"patience": 1, "cooldown": 2, "factor": 0.5, "min_lr": 0.004},
        {"patience": 0, "min_lr": [0.001, 0.0], "threshold": 0.01, "threshold_mode": "abs"},
        {"patience": 0, "factor": 0.5, "eps": 0.02},  # updates of at most eps are skipped
        {"mode": "max", "patience": 1, "cooldown": 1, "factor": 0.5},
        {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.5},
    ],
)
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    opt, topt = _ours("sgd"), _theirs(torch, "sgd")
    ours = lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    metrics = METRICS if kwargs.get("mode") != "max" else [-m for m in METRICS]
    reductions = 0
    for step, metric in enumerate(metrics):
        topt.step()
        before = ours.get_last_lr()
        ours.step(metric if step % 2 else Tensor(np.float64(metric)))
        theirs.step(metric)
        reductions += ours.get_last_lr() != before
        _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"step {step}")
        for attr in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            assert getattr(ours, attr) == getattr(theirs, attr), (attr, step)
    assert reductions >= 2  # the sequence exercises the reductions it is meant to


def _build(name, kwargs, kind="sgd"):
    opt = _ours(kind)
    return opt, getattr(lr_scheduler, name)(opt, **kwargs)


def _step(sched, i):
    if isinstance(sched, lr_scheduler.ReduceLROnPlateau):
        sched.step(METRICS[i])
    else:
        sched.step()


RESUME = [
    *[(name, kwargs) for name, kwargs, _ in CASES],
    ("ReduceLROnPlateau", {"patience": 1, "cooldown": 2, "factor": 0.5, "min_lr": 0.004}),
]


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize(("name", "kwargs"), RESUME)
def test_state_dict_resumes_the_schedule(name, kwargs, kind):
    opt, sched = _build(name, kwargs, kind)
    curve = []
    for i in range(20):
        _step(sched, i)
        curve.append((sched.get_last_lr(), _momenta(opt)))

    opt, sched = _build(name, kwargs, kind)
    for i in range(10):
        _step(sched, i)
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    for i in range(10, 15):  # later steps must not change what was saved
        _step(sched, i)
    # plain data: it goes through JSON (as a checkpoint's header would) and back
    saved_sched = json.loads(json.dumps(saved_sched))

    opt, sched = _build(name, kwargs, kind)
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved_sched)
    resumed = []
    for i in range(10, 20):
        _step(sched, i)
        resumed.append((sched.get_last_lr(), _momenta(opt)))
    for (a_lr, a_m), (b_lr, b_m) in zip(curve[10:], resumed, strict=True):
        _assert_close(b_lr, a_lr, f"{name} lr after resuming")
        _assert_close(b_m, a_m, f"{name} momentum after resuming")


def test_state_dict_is_every_attribute_but_the_optimizer():
    opt, sched = _build("MultiStepLR", {"milestones": [3, 1]})
    state = sched.state_dict()
    assert set(state) == {
        "milestones",
        "gamma",
        "base_lrs",
        "last_epoch",
        "_step_count",
        "_last_lr",
    }
    assert state["milestones"] == [1, 3]
    assert state["base_lrs"] == list(LRS)
    assert [g["initial_lr"] for g in opt.param_groups] == list(LRS)  # PyTorch's group key
    np.savez(__import__("io").BytesIO(), **{k: np.asarray(v) for k, v in state.items()})


def test_state_dict_is_a_copy():
    _, sched = _build("ReduceLROnPlateau", {"min_lr": [0.01, 0.02]})
    state = sched.state_dict()
    state["min_lrs"][0] = 5.0
    state["_last_lr"][0] = 5.0
    assert sched.min_lrs == [0.01, 0.02]
    assert sched.get_last_lr() == list(LRS)
    sched.load_state_dict(state)
    state["min_lrs"][1] = 7.0
    assert sched.min_lrs == [5.0, 0.02]


def test_state_dict_loads_torchs():
    torch = pytest.importorskip("torch")
    topt = _theirs(torch, "sgd")
    theirs = torch.optim.lr_scheduler.MultiStepLR(topt, milestones=[2, 4], gamma=0.5)
    for _ in range(3):
        topt.step()
        theirs.step()
    _, ours = _build("MultiStepLR", {"milestones": [9], "gamma": 0.1})
    ours.load_state_dict(theirs.state_dict())
    assert ours.milestones == [2, 4]
    assert ours.last_epoch == 3


def test_load_state_dict_names_what_is_wrong():
    _, sched = _build("StepLR", {"step_size": 2})
    good = sched.state_dict()
    with pytest.raises(ValueError, match=r"StepLR.load_state_dict: missing entries \['gamma'\]"):
        sched.load_state_dict({k: v for k, v in good.items() if k != "gamma"})
    with pytest.raises(ValueError, match=r"unknown entries \['warmup'\]"):
        sched.load_state_dict({**good, "warmup": 3})
    with pytest.raises(ValueError, match="'base_lrs' must hold one value per group"):
        sched.load_state_dict({**good, "base_lrs": [0.1]})
    with pytest.raises(TypeError, match="expected a dict"):
        sched.load_state_dict([1, 2])
    _, plateau = _build("ReduceLROnPlateau", {})
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau\.load_state_dict: mode"):
        plateau.load_state_dict({**plateau.state_dict(), "mode": "up"})
    assert plateau.mode == "min"


def test_optimizer_state_dict_round_trips_scheduler_keys():
    opt, _ = _build("OneCycleLR", {"max_lr": 0.3, "total_steps": 10}, kind="adam")
    saved = opt.state_dict()
    assert saved["param_groups"][0]["max_lr"] == 0.3
    fresh = _ours("adam")  # no scheduler: the keys load into its groups all the same
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["min_lr"] == saved["param_groups"][1]["min_lr"]
    saved["param_groups"][0]["initial_lr"] = float("nan")
    with pytest.raises(ValueError, match=r"group 0: scheduler entry 'initial_lr' is nan"):
        fresh.load_state_dict(saved)
    saved["param_groups"][0]["initial_lr"] = 0.1
    saved["param_groups"][0]["warmup"] = 0.1
    with pytest.raises(ValueError, match=r"unknown option.*warmup"):
        fresh.load_state_dict(saved)


def test_schedulers_are_reachable_as_in_torch():
    assert nn.optim.lr_scheduler.CosineAnnealingLR is lr_scheduler.CosineAnnealingLR
    assert nn.optim.StepLR is lr_scheduler.StepLR


def test_resume_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match=r"StepLR: resuming at last_epoch=4 needs 'initial_lr'"):
        lr_scheduler.StepLR(_ours("sgd"), step_size=2, last_epoch=4)


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "message"),
    [
        ("StepLR", {"step_size": 0}, ValueError, "StepLR: step_size must be an integer >= 1"),
        ("StepLR", {"step_size": 2.5}, ValueError, "StepLR: step_size"),
        ("StepLR", {"step_size": 2, "gamma": 0}, ValueError, "StepLR: gamma must be"),
        ("MultiStepLR", {"milestones": [2, -1]}, ValueError, "MultiStepLR: milestones must"),
        ("MultiStepLR", {"milestones": 3}, TypeError, "MultiStepLR: milestones must be a list"),
        ("MultiStepLR", {"milestones": [2], "gamma": -1}, ValueError, "MultiStepLR: gamma"),
        ("ExponentialLR", {"gamma": float("nan")}, ValueError, "ExponentialLR: gamma"),
        ("CosineAnnealingLR", {"T_max": 0}, ValueError, "CosineAnnealingLR: T_max"),
        (
            "CosineAnnealingLR",
            {"T_max": 3, "eta_min": -1},
            ValueError,
            "CosineAnnealingLR: eta_min",
        ),
        ("OneCycleLR", {"max_lr": 0.1}, ValueError, "OneCycleLR: pass total_steps"),
        ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, ValueError, "OneCycleLR: total_steps"),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "epochs": 2, "steps_per_epoch": 0},
            ValueError,
            "OneCycleLR: steps_per_epoch",
        ),
        ("OneCycleLR", {"max_lr": [0.1], "total_steps": 9}, ValueError, "max_lr has 1 values"),
        ("OneCycleLR", {"max_lr": -0.1, "total_steps": 9}, ValueError, "OneCycleLR: max_lr"),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 9, "pct_start": 1.5},
            ValueError,
            "OneCycleLR: pct_start",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1},
            ValueError,
            "makes phase 1 zero steps long",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 9, "anneal_strategy": "exp"},
            ValueError,
            "OneCycleLR: anneal_strategy",
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.1, "total_steps": 9, "div_factor": 0},
            ValueError,
            "OneCycleLR: div_factor",
        ),
        ("ReduceLROnPlateau", {"mode": "lowest"}, ValueError, "ReduceLROnPlateau: mode"),
        ("ReduceLROnPlateau", {"factor": 1.0}, ValueError, "ReduceLROnPlateau: factor"),
        ("ReduceLROnPlateau", {"patience": -1}, ValueError, "ReduceLROnPlateau: patience"),
        ("ReduceLROnPlateau", {"threshold_mode": "x"}, ValueError, "threshold_mode must be"),
        ("ReduceLROnPlateau", {"cooldown": 1.5}, ValueError, "ReduceLROnPlateau: cooldown"),
        ("ReduceLROnPlateau", {"min_lr": [0, 0, 0]}, ValueError, "min_lr has 3 values"),
        ("ReduceLROnPlateau", {"min_lr": -1e-3}, ValueError, "ReduceLROnPlateau: min_lr"),
        ("ReduceLROnPlateau", {"eps": -1}, ValueError, "ReduceLROnPlateau: eps"),
    ],
)
def test_scheduler_argument_errors_name_scheduler_and_argument(name, kwargs, error, message):
    with pytest.raises(error, match=message):
        getattr(lr_scheduler, name)(_ours("sgd"), **kwargs)


def test_one_cycle_betas_must_stay_below_one():
    with pytest.raises(ValueError, match=r"OneCycleLR: max_momentum must be a finite number in"):
        lr_scheduler.OneCycleLR(_ours("adam"), max_lr=0.1, total_steps=9, max_momentum=1.0)


@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "ReduceLROnPlateau"])
def test_scheduler_needs_an_optimizer(name):
    kwargs = {"StepLR": {"step_size": 1}, "ExponentialLR": {"gamma": 0.5}}.get(name, {})
    with pytest.raises(TypeError, match=f"{name}: optimizer must be an nn.optim Optimizer"):
        getattr(lr_scheduler, name)([Tensor(np.zeros(1), requires_grad=True)], **kwargs)
