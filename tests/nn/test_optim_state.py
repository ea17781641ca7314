"""Optimizer.load_state_dict: all or nothing, every problem named (group, index, entry)."""

import copy

import numpy as np
import pytest

from autograd import Tensor
from nn.optim import SGD, Adam, AdamW


def _params():
    rng = np.random.default_rng(0)
    return [
        Tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
        for s in [(3, 2), (2,), ()]
    ]


def _trained(cls=Adam, **options):
    ps = _params()
    opt = cls([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5}], lr=0.1, **options)
    for _ in range(2):
        for p in ps:
            p.grad = np.ones_like(p.data)
        opt.step()
    return opt


def _snapshot(opt):
    sd = opt.state_dict()
    state = {
        k: {
            n: (v.dtype, v.shape, v.tobytes()) if isinstance(v, np.ndarray) else v
            for n, v in s.items()
        }
        for k, s in sd["state"].items()
    }
    return repr(sd["param_groups"]), state


def test_optimizer_round_trip_casts_and_copies():
    saved = _trained().state_dict()
    saved["state"][0]["exp_avg"] = Tensor(saved["state"][0]["exp_avg"].astype(np.float64))
    saved["state"][1]["step"] = np.int64(2)
    saved["param_groups"][0]["betas"] = [0.8, 0.99]  # as a JSON round trip gives it
    opt = _trained()
    opt.load_state_dict(saved)
    s = opt.state[opt.param_groups[0]["params"][0]]
    assert s["exp_avg"].dtype == np.float32
    assert s["exp_avg"] is not saved["state"][0]["exp_avg"].data
    assert type(opt.state[opt.param_groups[0]["params"][1]]["step"]) is int
    assert opt.param_groups[0]["betas"] == (0.8, 0.99)
    opt.step()  # the loaded state is usable


@pytest.mark.parametrize(
    ("index", "entry", "value", "error", "words"),
    [
        (0, "exp_avg", np.ones((3, 2)) * 1j, ValueError, "complex"),
        (0, "exp_avg", np.full((3, 2), "a"), ValueError, "strings"),
        (0, "exp_avg", np.full((3, 2), np.nan), ValueError, "NaN"),
        (0, "exp_avg_sq", np.ones((2, 3)), ValueError, "shape mismatch"),
        (2, "exp_avg", np.ones(1), ValueError, "shape mismatch"),
        (1, "exp_avg", None, TypeError, "expected an array"),
        (1, "exp_avg", "zeros", TypeError, "expected an array"),
        (2, "step", -1, ValueError, "count"),
        (2, "step", 2.5, ValueError, "count"),
        (2, "step", "3", ValueError, "finite number"),
        (2, "step", float("inf"), ValueError, "finite number"),
    ],
)
def test_optimizer_bad_state_entry_changes_nothing(index, entry, value, error, words):
    opt = _trained()
    before = _snapshot(opt)
    saved = _trained().state_dict()
    saved["state"][index][entry] = value
    with pytest.raises(error, match=words) as info:
        opt.load_state_dict(saved)
    assert f"state[{index}] (parameter group {index // 2}) entry '{entry}'" in str(info.value)
    assert _snapshot(opt) == before


def test_optimizer_state_that_makes_a_step_non_finite_is_refused():
    """A negative second moment passes every per-entry check, but sqrt(v) would be NaN."""
    opt = _trained()
    before = _snapshot(opt)
    saved = _trained().state_dict()
    saved["state"][2]["exp_avg_sq"] = np.float64(-1.0)
    with pytest.raises(ValueError, match=r"state\[2\] \(parameter group 1\).*non-finite"):
        opt.load_state_dict(saved)
    assert _snapshot(opt) == before


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda s: s["state"][0].pop("exp_avg_sq"), r"missing \['exp_avg_sq'\]"),
        (lambda s: s["state"][0].update(extra=np.ones((3, 2))), r"unexpected \['extra'\]"),
        (lambda s: s["state"].update({7: {}}), "unknown parameter 7"),
        (lambda s: s["state"].update({"0": {}}), "unknown parameter '0'"),
        (lambda s: s["param_groups"][1].update(lr=-1.0), "group 1.*learning rate"),
        (lambda s: s["param_groups"][1].update(lr="0.1"), "group 1.*'lr'"),
        (lambda s: s["param_groups"][1].update(lr=float("nan")), "group 1.*'lr'"),
        (lambda s: s["param_groups"][0].update(betas=(0.9,)), "group 0.*'betas'"),
        (lambda s: s["param_groups"][0].update(amsgrad=1), "group 0.*'amsgrad'"),
        (lambda s: s["param_groups"][0].update(momentum=0.9), r"group 0.*unknown option.*momentum"),
        (lambda s: s["param_groups"][0].update(params=[0, 0]), "a second time"),
        (lambda s: s["param_groups"][0].update(params=[0, "1"]), "parameter indices"),
        (lambda s: s["param_groups"][0].update(params=[0]), "1 parameter"),
        (lambda s: s["param_groups"].pop(), "1 parameter group"),
        (
            lambda s: s["param_groups"][1].update(amsgrad=True),
            r"group 1.*missing \['max_exp_avg_sq'\]",
        ),
    ],
)
def test_optimizer_bad_structure_changes_nothing(edit, words):
    opt = _trained()
    before = _snapshot(opt)
    saved = _trained().state_dict()
    edit(saved)
    with pytest.raises(ValueError, match=words):
        opt.load_state_dict(saved)
    assert _snapshot(opt) == before


def test_optimizer_amsgrad_state_reports_which_group():
    """Switching amsgrad on for group 1 needs state the saved run never kept."""
    opt = _trained()
    saved = copy.deepcopy(opt.state_dict())
    saved["param_groups"][1]["amsgrad"] = True
    with pytest.raises(ValueError, match=r"state\[2\].*max_exp_avg_sq"):
        opt.load_state_dict(saved)


@pytest.mark.parametrize(
    ("state_dict", "error", "words"),
    [
        ([], TypeError, "expected the dict"),
        ({"state": {}}, KeyError, "'param_groups'"),
        ({"param_groups": []}, KeyError, "'state'"),
        ({"state": [], "param_groups": []}, TypeError, "must be a list"),
        (
            {"state": {0: [1]}, "param_groups": [{"params": [0, 1]}, {"params": [2]}]},
            TypeError,
            "state\\[0\\]",
        ),
    ],
)
def test_optimizer_not_a_state_dict(state_dict, error, words):
    opt = _trained()
    before = _snapshot(opt)
    with pytest.raises(error, match=words):
        opt.load_state_dict(state_dict)
    assert _snapshot(opt) == before


@pytest.mark.parametrize(("cls", "options"), [(SGD, {"momentum": 0.9}), (AdamW, {"amsgrad": True})])
def test_optimizer_state_keys_follow_the_optimizer(cls, options):
    opt = _trained(cls, **options)
    saved = opt.state_dict()
    opt.load_state_dict(saved)
    key = next(iter(saved["state"][0]))
    saved["state"][0]["renamed"] = saved["state"][0].pop(key)
    with pytest.raises(
        ValueError, match=rf"state\[0\].*missing \['{key}'\], unexpected \['renamed'\]"
    ):
        opt.load_state_dict(saved)


def test_sgd_without_momentum_accepts_an_empty_buffer():
    opt = _trained(SGD)
    saved = opt.state_dict()
    assert all(s == {} for s in saved["state"].values())
    saved["state"][0] = {"momentum_buffer": None}  # PyTorch's layout without momentum
    opt.load_state_dict(saved)
    opt.step()
