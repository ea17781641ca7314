"""``nn.training.fit`` steps each kind of scheduler the way PyTorch's documentation does:
OneCycleLR after every batch, ReduceLROnPlateau once per epoch with the monitored loss, the
others once per epoch. The learning rates fit applies are compared with torch's own
schedulers driven by hand (those tests skip without torch); ``initial_epoch`` and ``history``
continue a run."""

from __future__ import annotations

import numpy as np
import pytest

import autograd.functional as F
import nn
from autograd import Tensor
from nn.lr_scheduler import OneCycleLR, ReduceLROnPlateau
from nn.optim import SGD, Adam, StepLR
from nn.training import fit


def regression(n_batches: int = 4, seed: int = 0):
    """A linear model, batches of (x (4, 3), y (4, 1)) and a squared-error loss."""
    rng = np.random.default_rng(seed)
    batches = [
        (rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((4, 1)))
        for _ in range(n_batches)
    ]
    nn.manual_seed(seed)
    model = nn.Linear(3, 1)

    def loss_fn(m, b):
        x, y = b
        return F.mse_loss(m(Tensor(x)), Tensor(y.astype(np.float32)))

    return model, batches, loss_fn


def recording(loss_fn, opt, seen: list):
    """``loss_fn`` that first notes the lr (and momentum) the coming step will use."""

    def wrapped(m, b):
        group = opt.param_groups[0]
        seen.append((group["lr"], group.get("momentum")))
        return loss_fn(m, b)

    return wrapped


def test_one_cycle_is_stepped_after_every_batch_as_torch_does():
    torch = pytest.importorskip("torch")
    epochs, model, batches, loss_fn = 3, *regression()
    opt = SGD(model.parameters(), lr=0.01, momentum=0.9)
    sched = OneCycleLR(opt, max_lr=0.5, epochs=epochs, steps_per_epoch=len(batches))
    seen: list = []
    fit(
        model,
        opt,
        batches,
        loss_fn=recording(loss_fn, opt, seen),
        epochs=epochs,
        scheduler=sched,
        progress=False,
    )

    p = torch.zeros(1, requires_grad=True)
    t_opt = torch.optim.SGD([p], lr=0.01, momentum=0.9)
    t_sched = torch.optim.lr_scheduler.OneCycleLR(
        t_opt, max_lr=0.5, epochs=epochs, steps_per_epoch=len(batches)
    )
    want = []
    for _ in range(epochs * len(batches)):
        want.append((t_opt.param_groups[0]["lr"], t_opt.param_groups[0]["momentum"]))
        t_opt.step()
        t_sched.step()
    assert len(seen) == len(want) == 12
    np.testing.assert_allclose(seen, want, rtol=1e-12)
    assert sched.get_last_lr() == pytest.approx(t_sched.get_last_lr(), rel=1e-12)


def test_reduce_on_plateau_gets_the_monitored_metric_each_epoch_as_torch_does():
    torch = pytest.importorskip("torch")
    model, batches, loss_fn = regression()
    opt = Adam(model.parameters(), lr=0.1)
    sched = ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)
    scripted = iter([1.0, 0.9, 0.95, 0.97, 0.99, 0.5, 0.6, 0.7, 0.8, 0.9])
    lrs = []
    history = fit(
        model,
        opt,
        batches,
        loss_fn=loss_fn,
        epochs=10,
        scheduler=sched,
        evaluate=lambda m: {"val loss": next(scripted)},
        monitor="val loss",
        on_epoch=lambda e, h: lrs.append(opt.param_groups[0]["lr"]),
        progress=False,
    )

    p = torch.zeros(1, requires_grad=True)
    t_opt = torch.optim.Adam([p], lr=0.1)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, factor=0.5, patience=1, cooldown=1)
    want = []
    for metric in history["val loss"]:
        t_opt.step()
        t_sched.step(metric)
        want.append(t_opt.param_groups[0]["lr"])
    assert lrs == pytest.approx(want, rel=1e-12)
    assert len(set(want)) >= 3  # the script makes it reduce at least twice


class Spy(ReduceLROnPlateau):
    """A ReduceLROnPlateau that records the metrics it is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.given: list[float] = []

    def step(self, metrics):
        self.given.append(float(metrics))
        super().step(metrics)


def test_plateau_monitors_the_test_loss_with_a_test_loader_else_the_train_loss():
    x = np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    loader = [(Tensor(x[:8]), Tensor(y[:8])), (Tensor(x[8:]), Tensor(y[8:]))]
    for test_loader, key in ((loader, "test loss"), (None, "train loss")):
        nn.manual_seed(0)
        model = nn.Linear(4, 2)
        opt = SGD(model.parameters(), lr=0.1)
        spy = Spy(opt)
        history = fit(model, opt, loader, test_loader, epochs=3, scheduler=spy, progress=False)
        assert spy.given == history[key]


def test_monitor_mistakes_are_value_errors_naming_the_keys():
    model, batches, loss_fn = regression()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="monitor='val loss' is for a ReduceLROnPlateau"):
        fit(model, opt, batches, loss_fn=loss_fn, scheduler=StepLR(opt, 1), monitor="val loss")
    with pytest.raises(ValueError, match=r"monitors 'val loss'.*records \['train loss'\]"):
        fit(
            model,
            opt,
            batches,
            loss_fn=loss_fn,
            scheduler=ReduceLROnPlateau(opt),
            monitor="val loss",
            progress=False,
        )


def test_other_schedulers_still_step_once_per_epoch():
    model, batches, loss_fn = regression()
    opt = SGD(model.parameters(), lr=1.0)
    lrs = []
    fit(
        model,
        opt,
        batches,
        loss_fn=loss_fn,
        epochs=3,
        scheduler=StepLR(opt, 1, gamma=0.5),
        on_epoch=lambda e, h: lrs.append(opt.param_groups[0]["lr"]),
        progress=False,
    )
    assert lrs == [0.5, 0.25, 0.125]


def test_initial_epoch_and_history_continue_a_run():
    model, batches, loss_fn = regression()
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    whole = fit(model, opt, batches, loss_fn=loss_fn, epochs=3, progress=False)
    weights = model.weight.data.copy()

    model, batches, loss_fn = regression()
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    epochs_seen = []
    first = fit(model, opt, batches, loss_fn=loss_fn, epochs=1, progress=False)
    rest = fit(
        model,
        opt,
        batches,
        loss_fn=loss_fn,
        epochs=3,
        initial_epoch=1,
        history=first,
        on_epoch=lambda e, h: epochs_seen.append(e),
        progress=False,
    )
    assert epochs_seen == [2, 3]
    np.testing.assert_array_equal(model.weight.data, weights)
    assert dict(rest) == dict(whole)
    assert rest.batch_losses == whole.batch_losses
    assert len(first["train loss"]) == 1  # the given history is copied, not extended


@pytest.mark.parametrize("initial_epoch", [-1, 3, 4, 1.5, True])
def test_initial_epoch_outside_the_run_is_refused(initial_epoch):
    model, batches, loss_fn = regression()
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="initial_epoch"):
        fit(model, opt, batches, loss_fn=loss_fn, epochs=3, initial_epoch=initial_epoch)
