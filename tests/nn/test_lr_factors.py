"""LambdaLR, MultiplicativeLR, LinearLR, ConstantLR and SequentialLR against
torch.optim.lr_scheduler: lr (and momentum) curves over several groups, state dicts (the
lambdas' as PyTorch keeps them), resumption, argument errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import nn
from autograd import Tensor
from nn.optim import SGD, Adam, lr_scheduler

LRS = (0.1, 0.02, 0.5)  # three parameter groups with different learning rates


def _ours(kind: str = "sgd", lrs=LRS):
    groups = [{"params": [Tensor(np.zeros(2), requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "sgd":
        return SGD(groups, lr=0.5, momentum=0.9)
    return Adam(groups, lr=0.5, betas=(0.9, 0.99))


def _theirs(torch, kind: str = "sgd", lrs=LRS):
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=0.5, momentum=0.9)
    return torch.optim.Adam(groups, lr=0.5, betas=(0.9, 0.99))


def _momenta(opt) -> list[float]:
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _warmup(epoch: int) -> float:  # a plain function: its state is not saved
    return min(1.0, (epoch + 1) / 5)


class Decay:
    """A callable object: PyTorch saves its __dict__ in the scheduler's state dict."""

    def __init__(self, rate: float, every: int = 1) -> None:
        self.rate, self.every = rate, every

    def __call__(self, epoch: int) -> float:
        return self.rate ** (epoch // self.every)


# id -> build(lr_scheduler module, optimizer): the same code builds ours and torch's
CASES = {
    "lambda": lambda lib, opt: lib.LambdaLR(opt, lambda epoch: 0.95**epoch),
    "lambda-int": lambda lib, opt: lib.LambdaLR(opt, lambda epoch: epoch // 3),
    "lambda-per-group": lambda lib, opt: lib.LambdaLR(
        opt, [_warmup, Decay(0.7, every=4), lambda e: 1 / (e + 1)]
    ),
    "multiplicative": lambda lib, opt: lib.MultiplicativeLR(opt, lambda epoch: 0.9),
    "multiplicative-per-group": lambda lib, opt: lib.MultiplicativeLR(
        opt, (lambda e: 0.95, lambda e: 1.0 if e % 2 else 0.8, Decay(0.99))
    ),
    "linear": lambda lib, opt: lib.LinearLR(opt),
    "linear-decay": lambda lib, opt: lib.LinearLR(
        opt, start_factor=0.5, end_factor=0.1, total_iters=8
    ),
    "linear-to-zero": lambda lib, opt: lib.LinearLR(
        opt, start_factor=1.0, end_factor=0.0, total_iters=10
    ),
    "linear-one-step": lambda lib, opt: lib.LinearLR(opt, start_factor=0.25, total_iters=1),
    "constant": lambda lib, opt: lib.ConstantLR(opt),
    "constant-half": lambda lib, opt: lib.ConstantLR(opt, factor=0.5, total_iters=7),
    "sequential-warmup-cosine": lambda lib, opt: lib.SequentialLR(
        opt,
        [lib.LinearLR(opt, start_factor=0.1, total_iters=4), lib.CosineAnnealingLR(opt, 10)],
        milestones=[4],
    ),
    "sequential-three": lambda lib, opt: lib.SequentialLR(
        opt,
        [
            lib.ConstantLR(opt, factor=0.5, total_iters=3),
            lib.ExponentialLR(opt, gamma=0.9),
            lib.StepLR(opt, step_size=3, gamma=0.5),
        ],
        milestones=[3, 8],
    ),
    "sequential-closed-forms": lambda lib, opt: lib.SequentialLR(
        opt,  # restarted at a milestone: each from its closed form at epoch 0
        [
            lib.ExponentialLR(opt, gamma=0.9),
            lib.ConstantLR(opt, factor=0.5, total_iters=3),
            lib.LinearLR(opt, start_factor=0.2, total_iters=4),
        ],
        milestones=[4, 6],
    ),
    "sequential-lambdas": lambda lib, opt: lib.SequentialLR(
        opt,
        [lib.LambdaLR(opt, _warmup), lib.MultiplicativeLR(opt, lambda e: 0.9)],
        milestones=[5],
    ),
    "sequential-multistep": lambda lib, opt: lib.SequentialLR(
        opt,  # the closed form at the milestone counts MultiStepLR's milestone 0
        [lib.LinearLR(opt, total_iters=3), lib.MultiStepLR(opt, [0, 2, 4, 4], gamma=0.5)],
        milestones=[6],
    ),
    "sequential-milestone-0": lambda lib, opt: lib.SequentialLR(
        opt,
        [lib.ConstantLR(opt, factor=0.2), lib.ExponentialLR(opt, gamma=0.8)],
        milestones=[0],
    ),
    "sequential-one-cycle": lambda lib, opt: lib.SequentialLR(
        opt,  # OneCycleLR sets initial_lr (and momentum): both libraries alike
        [
            lib.LinearLR(opt, start_factor=0.5, total_iters=2),
            lib.OneCycleLR(opt, max_lr=[1.0, 0.5, 0.2], total_steps=14),
        ],
        milestones=[6],
    ),
    "sequential-one": lambda lib, opt: lib.SequentialLR(
        opt, [lib.MultiplicativeLR(opt, Decay(0.9))], milestones=[]
    ),
}
STEPS = 20


def _assert_close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, err_msg=what)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("case", list(CASES))
def test_curves_match_torch(case, kind):
    torch = pytest.importorskip("torch")
    opt, topt = _ours(kind), _theirs(torch, kind)
    ours = CASES[case](lr_scheduler, opt)
    theirs = CASES[case](torch.optim.lr_scheduler, topt)
    _assert_close(ours.get_last_lr(), theirs.get_last_lr(), "at construction")
    _assert_close(_momenta(opt), _momenta(topt), "momentum at construction")
    distinct = {tuple(ours.get_last_lr())}
    for step in range(1, STEPS + 1):
        topt.step()
        ours.step()
        theirs.step()
        _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"lr at step {step}")
        _assert_close([g["lr"] for g in opt.param_groups], ours.get_last_lr(), "group lr")
        _assert_close(_momenta(opt), _momenta(topt), f"momentum at step {step}")
        assert ours.last_epoch == theirs.last_epoch
        distinct.add(tuple(ours.get_last_lr()))
    assert len(distinct) > 1  # the schedule does move


RESUMED = {
    "LambdaLR": {"lr_lambda": lambda e: 0.9**e},
    "MultiplicativeLR": {"lr_lambda": lambda e: 0.9},
    "LinearLR": {"start_factor": 0.25, "total_iters": 6},
    "ConstantLR": {"factor": 0.5, "total_iters": 6},
}


@pytest.mark.parametrize("name", list(RESUMED))
def test_resuming_with_last_epoch_matches_torch(name):
    torch = pytest.importorskip("torch")
    opt, topt = _ours(), _theirs(torch)
    for group in [*opt.param_groups, *topt.param_groups]:
        group["initial_lr"] = group["lr"] * 2  # as a loaded optimizer state dict leaves them
    ours = getattr(lr_scheduler, name)(opt, **RESUMED[name], last_epoch=3)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **RESUMED[name], last_epoch=3)
    _assert_close(ours.get_last_lr(), theirs.get_last_lr(), "at construction")
    for step in range(8):
        topt.step()
        ours.step()
        theirs.step()
        _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"step {step}")


def test_chainable_ones_follow_outside_lr_changes_as_torch():
    torch = pytest.importorskip("torch")
    for case in ("multiplicative", "linear-decay", "constant-half", "lambda"):
        opt, topt = _ours(), _theirs(torch)
        ours = CASES[case](lr_scheduler, opt)
        theirs = CASES[case](torch.optim.lr_scheduler, topt)
        for step in range(10):
            if step == 3:  # a change from outside the scheduler
                opt.param_groups[0]["lr"] = topt.param_groups[0]["lr"] = 0.05
            topt.step()
            ours.step()
            theirs.step()
            _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"{case} step {step}")


@pytest.mark.parametrize("case", list(CASES))
def test_state_dict_resumes_the_schedule(case):
    opt = _ours("adam")
    sched = CASES[case](lr_scheduler, opt)
    curve = []
    for _ in range(STEPS):
        sched.step()
        curve.append((sched.get_last_lr(), _momenta(opt)))

    opt = _ours("adam")
    sched = CASES[case](lr_scheduler, opt)
    for _ in range(10):
        sched.step()
    saved_sched, saved_opt = sched.state_dict(), opt.state_dict()
    for _ in range(3):  # later steps must not change what was saved
        sched.step()
    saved_sched = json.loads(json.dumps(saved_sched))  # plain data (a checkpoint's header)

    opt = _ours("adam")
    sched = CASES[case](lr_scheduler, opt)
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved_sched)
    for i in range(10, STEPS):
        sched.step()
        _assert_close(sched.get_last_lr(), curve[i][0], f"lr at step {i + 1} after resuming")
        _assert_close(_momenta(opt), curve[i][1], f"momentum at step {i + 1} after resuming")


def test_lambda_state_dict_keeps_callable_objects_state_as_torch():
    torch = pytest.importorskip("torch")
    for name in ("LambdaLR", "MultiplicativeLR"):
        lambdas = [_warmup, Decay(0.5, every=2), lambda e: 1.0]
        ours = getattr(lr_scheduler, name)(_ours(), lambdas)
        theirs = getattr(torch.optim.lr_scheduler, name)(_theirs(torch), lambdas)
        state = ours.state_dict()
        assert state["lr_lambdas"] == [None, {"rate": 0.5, "every": 2}, None]
        assert state["lr_lambdas"] == theirs.state_dict()["lr_lambdas"]
        assert set(state) == {"lr_lambdas", "base_lrs", "last_epoch", "_step_count", "_last_lr"}
        state["lr_lambdas"][1]["rate"] = 7.0
        assert lambdas[1].rate == 0.5  # a copy

        fresh = Decay(0.9, every=1)
        other = getattr(lr_scheduler, name)(_ours(), [_warmup, fresh, _warmup])
        other.load_state_dict(json.loads(json.dumps(ours.state_dict())))
        assert (fresh.rate, fresh.every) == (0.5, 2)  # the object given to the new scheduler
        assert other.lr_lambdas[1] is fresh
        assert other.lr_lambdas[0] is _warmup


def test_one_lambda_for_all_groups_is_saved_per_group_as_torch():
    torch = pytest.importorskip("torch")
    decay = Decay(0.8)
    ours = lr_scheduler.LambdaLR(_ours(), decay)
    theirs = torch.optim.lr_scheduler.LambdaLR(_theirs(torch), decay)
    assert ours.state_dict()["lr_lambdas"] == theirs.state_dict()["lr_lambdas"]
    assert ours.state_dict()["lr_lambdas"] == [{"rate": 0.8, "every": 1}] * len(LRS)


@pytest.mark.parametrize(
    "case", ["lambda-per-group", "multiplicative-per-group", "linear", "sequential-three"]
)
def test_state_dict_loads_torchs(case):
    torch = pytest.importorskip("torch")
    topt = _theirs(torch)
    theirs = CASES[case](torch.optim.lr_scheduler, topt)
    for _ in range(6):
        topt.step()
        theirs.step()
    opt = _ours()
    ours = CASES[case](lr_scheduler, opt)
    for group, tgroup in zip(opt.param_groups, topt.param_groups, strict=True):
        group["lr"] = tgroup["lr"]  # as loading the optimizer's state dict would
    ours.load_state_dict(theirs.state_dict())
    assert ours.last_epoch == theirs.last_epoch
    for step in range(6):
        topt.step()
        ours.step()
        theirs.step()
        _assert_close(ours.get_last_lr(), theirs.get_last_lr(), f"step {step} after loading")


def test_sequential_state_dict_nests_the_schedulers():
    opt = _ours()
    sched = CASES["sequential-warmup-cosine"](lr_scheduler, opt)
    state = sched.state_dict()
    assert set(state) == {"_schedulers", "_milestones", "last_epoch", "_last_lr"}
    assert state["_milestones"] == [4]
    assert [set(s) for s in state["_schedulers"]] == [
        {"start_factor", "end_factor", "total_iters", "base_lrs", "last_epoch", "_step_count",
         "_last_lr"},
        {"T_max", "eta_min", "base_lrs", "last_epoch", "_step_count", "_last_lr"},
    ]  # fmt: skip


def test_sequential_load_is_all_or_nothing():
    opt = _ours()
    sched = CASES["sequential-three"](lr_scheduler, opt)
    for _ in range(4):
        sched.step()
    before = sched.state_dict()
    bad = json.loads(json.dumps(before))
    bad["last_epoch"] = 9
    bad["_schedulers"][0]["last_epoch"] = 9
    bad["_schedulers"][2]["step_size"] = 5
    bad["_schedulers"][2]["warmup"] = 1  # the last scheduler's entry is refused
    with pytest.raises(ValueError, match=r"StepLR.load_state_dict: .*unknown entries \['warmup'\]"):
        sched.load_state_dict(bad)
    assert sched.state_dict() == before
    with pytest.raises(ValueError, match="'_schedulers' must hold one state dict per scheduler"):
        sched.load_state_dict({**before, "_schedulers": before["_schedulers"][:2]})
    with pytest.raises(ValueError, match=r"SequentialLR\.load_state_dict: milestones must be"):
        sched.load_state_dict({**before, "_milestones": [8, 3]})
    assert sched.state_dict() == before


def test_lambda_load_state_dict_names_what_is_wrong():
    sched = lr_scheduler.LambdaLR(_ours(), [_warmup, Decay(0.5), _warmup])
    good = sched.state_dict()
    with pytest.raises(ValueError, match=r"LambdaLR.load_state_dict: missing entries \['lr_la"):
        sched.load_state_dict({k: v for k, v in good.items() if k != "lr_lambdas"})
    with pytest.raises(ValueError, match="'lr_lambdas' must hold one entry per group \\(3\\)"):
        sched.load_state_dict({**good, "lr_lambdas": [None]})
    with pytest.raises(ValueError, match="'lr_lambdas' must hold one entry per group"):
        sched.load_state_dict({**good, "lr_lambdas": [None, 0.5, None]})
    with pytest.raises(ValueError, match="'base_lrs' must hold one value per group"):
        sched.load_state_dict({**good, "lr_lambdas": [None, {"rate": 2.0}, None], "base_lrs": []})
    assert sched.lr_lambdas[1].rate == 0.5  # nothing was loaded
    slotted = lr_scheduler.LambdaLR(_ours(), [_warmup, math.exp, _warmup])
    with pytest.raises(ValueError, match="group 1, but its builtin_function_or_method has no"):
        slotted.load_state_dict({**slotted.state_dict(), "lr_lambdas": [None, {"a": 1}, None]})


def test_a_failing_lambda_changes_nothing():
    calls = []

    def flaky(epoch: int) -> float:
        calls.append(epoch)
        return float("nan") if epoch == 3 else 0.5**epoch

    opt = _ours()
    sched = lr_scheduler.LambdaLR(opt, flaky)
    sched.step()
    sched.step()
    before = sched.state_dict(), [g["lr"] for g in opt.param_groups]
    with pytest.raises(ValueError, match=r"LambdaLR: lr_lambda of group 0 returned nan at epoch"):
        sched.step()
    assert (sched.state_dict(), [g["lr"] for g in opt.param_groups]) == before
    opt2 = _ours()
    sched = lr_scheduler.MultiplicativeLR(opt2, lambda e: "0.9")
    with pytest.raises(TypeError, match="MultiplicativeLR: lr_lambda of group 0 returned a str"):
        sched.step()
    assert sched.last_epoch == 0
    assert sched._step_count == 1


def test_sequential_step_refused_by_a_scheduler_changes_nothing():
    opt = _ours()
    sched = lr_scheduler.SequentialLR(
        opt,
        [lr_scheduler.ConstantLR(opt, total_iters=2), lr_scheduler.OneCycleLR(opt, 1.0, 5)],
        milestones=[2],
    )
    for _ in range(2 + 5):  # the milestone's restart and then OneCycleLR's 5 steps
        sched.step()
    before = sched.state_dict()
    with pytest.raises(ValueError, match="OneCycleLR: step\\(\\) past the end of the cycle"):
        sched.step()
    assert sched.state_dict() == before


def _build(name, *args, **kwargs):
    return getattr(lr_scheduler, name)(_ours(), *args, **kwargs)


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "error", "message"),
    [
        ("LambdaLR", ([_warmup, _warmup],), {}, ValueError, "LambdaLR: expected 3 lr_lambdas"),
        ("LambdaLR", (0.5,), {}, TypeError, "LambdaLR: lr_lambda should be a function"),
        ("MultiplicativeLR", ([_warmup, None, _warmup],), {}, TypeError, "got NoneType"),
        ("LambdaLR", (_warmup,), {"last_epoch": -2}, ValueError, "LambdaLR: last_epoch"),
        ("ConstantLR", (), {"factor": 0}, ValueError, r"ConstantLR: factor must be .* in \(0, 1\]"),
        ("ConstantLR", (), {"factor": 1.5}, ValueError, "ConstantLR: factor"),
        ("ConstantLR", (), {"total_iters": 0}, ValueError, "ConstantLR: total_iters must be an"),
        ("LinearLR", (), {"start_factor": 0}, ValueError, "LinearLR: start_factor must be"),
        ("LinearLR", (), {"end_factor": 1.1}, ValueError, r"LinearLR: end_factor .* in \[0, 1\]"),
        ("LinearLR", (), {"end_factor": math.nan}, ValueError, "LinearLR: end_factor"),
        ("LinearLR", (), {"total_iters": 2.5}, ValueError, "LinearLR: total_iters"),
    ],
)  # fmt: skip
def test_argument_errors_name_scheduler_and_argument(name, args, kwargs, error, message):
    with pytest.raises(error, match=message):
        _build(name, *args, **kwargs)


def test_sequential_argument_errors():
    opt, other = _ours(), _ours()
    linear = lr_scheduler.LinearLR(opt)
    with pytest.raises(ValueError, match="SequentialLR: expects a list of at least one"):
        lr_scheduler.SequentialLR(opt, [], milestones=[])
    with pytest.raises(TypeError, match=r"SequentialLR: scheduler 1 is a str, not an nn\.optim"):
        lr_scheduler.SequentialLR(opt, [linear, "cosine"], milestones=[3])
    plateau = lr_scheduler.ReduceLROnPlateau(opt)
    with pytest.raises(ValueError, match="scheduler 1 is a ReduceLROnPlateau, which it cannot"):
        lr_scheduler.SequentialLR(opt, [linear, plateau], milestones=[3])
    inner = lr_scheduler.SequentialLR(opt, [lr_scheduler.LinearLR(opt)], milestones=[])
    with pytest.raises(ValueError, match="scheduler 0 is a SequentialLR, which it cannot run"):
        lr_scheduler.SequentialLR(opt, [inner, linear], milestones=[3])
    with pytest.raises(ValueError, match=r"scheduler 1 \(StepLR\) steps another optimizer"):
        lr_scheduler.SequentialLR(opt, [linear, lr_scheduler.StepLR(other, 2)], milestones=[3])
    with pytest.raises(ValueError, match="one milestone fewer than schedulers, got 2 sch"):
        lr_scheduler.SequentialLR(opt, [linear, lr_scheduler.StepLR(opt, 2)], milestones=[])
    steps = [linear, lr_scheduler.StepLR(opt, 2), lr_scheduler.StepLR(opt, 3)]
    with pytest.raises(ValueError, match="milestones must be ascending integers >= 0"):
        lr_scheduler.SequentialLR(opt, steps, milestones=[5, 2])
    with pytest.raises(TypeError, match="SequentialLR: milestones must be a list of epochs"):
        lr_scheduler.SequentialLR(opt, [linear], milestones=3)
    with pytest.raises(TypeError, match=r"SequentialLR: optimizer must be an nn\.optim Optimizer"):
        lr_scheduler.SequentialLR([linear], [linear], milestones=[])


def test_reachable_as_in_torch():
    for name in ("LambdaLR", "MultiplicativeLR", "LinearLR", "ConstantLR", "SequentialLR"):
        assert getattr(nn.optim.lr_scheduler, name) is getattr(nn.lr_factors, name)
        assert name in lr_scheduler.__all__


def test_fit_steps_a_sequential_warmup_once_per_epoch():
    from nn.training import fit

    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((4, 3)), rng.standard_normal((4, 1))) for _ in range(2)]
    nn.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = SGD(model.parameters(), lr=0.1)
    sched = lr_scheduler.SequentialLR(
        opt,
        [lr_scheduler.LinearLR(opt, 0.5, total_iters=2), lr_scheduler.ExponentialLR(opt, 0.5)],
        milestones=[2],
    )
    lrs = []

    def loss_fn(m, batch):
        lrs.append(opt.param_groups[0]["lr"])
        x, y = batch
        return ((m(Tensor(x.astype(np.float32))) - Tensor(y.astype(np.float32))) ** 2).mean()

    fit(model, opt, batches, loss_fn=loss_fn, epochs=4, scheduler=sched, progress=False)
    assert sched.last_epoch == 4
    # epoch by epoch: warm-up from 0.05 to 0.1 (2 epochs), then halved from 0.1 each epoch
    _assert_close(lrs[::2], [0.05, 0.075, 0.1, 0.05], "lr of each epoch")
