"""``nn.train_state``: a run saved after epoch k and resumed ends bit for bit where the
uninterrupted run does (weights, optimizer, scheduler, shuffling and ``nn.init`` generators,
history), with each kind of scheduler; the file holds no pickles; a bad file changes nothing
and says what is wrong."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nn
from nn.data import DataLoader, load_digits
from nn.lr_scheduler import OneCycleLR, ReduceLROnPlateau
from nn.optim import SGD, Adam, AdamW, StepLR
from nn.train_state import (
    INIT_RNG,
    load_training_state,
    read_training_info,
    save_training_state,
)
from nn.training import fit

EPOCHS = 3


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return x[:240].reshape(240, -1), y[:240], x[240:300].reshape(60, -1), y[240:300]


def build(kind: str, digits, seed: int = 0):
    """A fresh run: model, optimizer, scheduler, train loader (and its generator), test loader."""
    x, y, xt, yt = digits
    nn.manual_seed(seed)
    model = nn.MLP([64, 32, 10], activation="relu")
    gen = np.random.default_rng(seed)
    train = DataLoader((x, y), batch_size=32, shuffle=True, generator=gen)
    if kind == "step":
        opt = Adam(model.parameters(), lr=3e-3)
        sched = StepLR(opt, step_size=1, gamma=0.7)
    elif kind == "onecycle":
        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = OneCycleLR(opt, max_lr=0.2, epochs=EPOCHS, steps_per_epoch=len(train))
    else:
        opt = AdamW(model.parameters(), lr=1e-2)
        sched = ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=0.5)
    return model, opt, sched, train, gen, DataLoader((xt, yt), batch_size=64)


def run(parts, epochs, **kwargs):
    model, opt, sched, train, _, test = parts
    return fit(model, opt, train, test, epochs=epochs, scheduler=sched, progress=False, **kwargs)


@pytest.mark.parametrize("kind", ["step", "onecycle", "plateau"])
def test_a_resumed_run_ends_exactly_where_the_uninterrupted_one_does(tmp_path, digits, kind):
    whole = build(kind, digits)
    expected = run(whole, EPOCHS)

    first = build(kind, digits)
    path = tmp_path / "state.npz"

    def save(epoch, history):
        model, opt, sched, _, gen, _ = first
        save_training_state(
            path,
            model=model,
            optimizer=opt,
            scheduler=sched,
            epoch=epoch,
            history=history,
            generators={"shuffle": gen},
            extra={"note": "run 1"},
        )

    run(first, 1, on_epoch=save)
    nn.manual_seed(123)  # the resumed process draws from its own seed until it loads
    second = build(kind, digits, seed=99)
    model, opt, sched, _, gen, _ = second
    epoch, history, extra = load_training_state(
        path, model=model, optimizer=opt, scheduler=sched, generators={"shuffle": gen}
    )
    assert (epoch, extra) == (1, {"note": "run 1"})
    got = run(second, EPOCHS, initial_epoch=epoch, history=history)

    for (k, want), have in zip(whole[0].state_dict().items(), model.state_dict().values()):
        np.testing.assert_array_equal(have, want, err_msg=k)
    assert dict(got) == dict(expected)
    assert got.batch_losses == expected.batch_losses
    assert opt.param_groups[0]["lr"] == whole[1].param_groups[0]["lr"]
    assert sched.state_dict() == whole[2].state_dict()


def test_the_file_holds_no_pickles_and_restores_the_init_generator(tmp_path, digits):
    model, opt, sched, train, gen, test = build("plateau", digits)
    history = run((model, opt, sched, train, gen, test), 1)
    path = tmp_path / "state.npz"
    save_training_state(path, model=model, optimizer=opt, scheduler=sched, epoch=1, history=history)
    want = nn.init.generator().random(3)
    with np.load(path, allow_pickle=False) as z:  # every member reads without pickle
        meta = json.loads(str(z["state.json"]))
        assert {k for k in z.files if k.startswith("model/")} == {
            f"model/{k}" for k in model.state_dict()
        }
        assert any(k.startswith("optimizer/0/") for k in z.files)
    assert meta["scheduler"]["class"] == "ReduceLROnPlateau"
    assert INIT_RNG in meta["generators"]
    assert read_training_info(path)["epoch"] == 1
    load_training_state(path, model=model, optimizer=opt, scheduler=sched)
    np.testing.assert_array_equal(nn.init.generator().random(3), want)


def _unchanged(model, opt, before):
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[0][k])
    assert opt.state_dict()["param_groups"] == before[1]["param_groups"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncate", "truncated or foreign"),
        ("weights only", "not a training state"),
        ("other model", "shape mismatch"),
        ("other optimizer", "state of a Adam optimizer, not of SGD"),
        ("no scheduler", "but the run has none"),
        ("other generators", "random generators"),
    ],
)
def test_a_bad_file_is_refused_naming_it_and_changes_nothing(tmp_path, digits, damage, message):
    model, opt, sched, train, gen, test = build("step", digits)
    history = run((model, opt, sched, train, gen, test), 1)
    path = tmp_path / "state.npz"
    save_training_state(path, model=model, optimizer=opt, scheduler=sched, epoch=1, history=history)
    target = build("step", digits, seed=5)
    model, opt, sched, _, gen, _ = target
    kwargs = dict(model=model, optimizer=opt, scheduler=sched)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:-200])
    elif damage == "weights only":
        model.save(path)
    elif damage == "other model":
        nn.manual_seed(0)
        kwargs["model"] = model = nn.MLP([64, 16, 10], activation="relu")
        kwargs["optimizer"] = opt = Adam(model.parameters(), lr=3e-3)
        kwargs["scheduler"] = StepLR(opt, step_size=1, gamma=0.7)
    elif damage == "other optimizer":
        kwargs["optimizer"] = opt = SGD(model.parameters(), lr=0.1)
        kwargs["scheduler"] = None
    elif damage == "no scheduler":
        kwargs["scheduler"] = None
    else:
        kwargs["generators"] = {"shuffle": gen}
    before = (model.state_dict(), opt.state_dict())
    with pytest.raises(ValueError, match=message) as err:
        load_training_state(path, **kwargs)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)
    _unchanged(model, opt, before)


def test_an_optimizer_that_does_not_fit_puts_the_model_back(tmp_path, digits):
    model, opt, sched, train, gen, test = build("step", digits)
    history = run((model, opt, sched, train, gen, test), 1)
    path = tmp_path / "state.npz"
    save_training_state(path, model=model, optimizer=opt, scheduler=sched, epoch=1, history=history)
    nn.manual_seed(1)
    other = nn.MLP([64, 32, 10], activation="relu")
    frozen = [p for name, p in other.named_parameters() if name.startswith("0.")]
    small = Adam(frozen, lr=3e-3)  # one group of 2 parameters, the file has 4
    before = other.state_dict()
    with pytest.raises(ValueError, match="parameter"):
        load_training_state(
            path, model=other, optimizer=small, scheduler=StepLR(small, step_size=1)
        )
    for k, v in other.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
