"""The one training loop, ``nn.training.fit``, feature by feature (scheduler, clipping, the
evaluate callback, history, on_epoch checkpoints, Ctrl-C, the progress bar), and the short
runs built on it that must learn on a fixed seed (MLP, autoencoder, CharLSTM, Seq2Seq)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import autograd.functional as F
import nn
import nn.training
from autograd import Tensor
from nn.charlm import train_charlm
from nn.data import DataLoader, lm_batches, load_digits, train_test_split
from nn.optim import SGD, Adam, StepLR
from nn.seq2seq import exact_match, train_seq2seq
from nn.training import BatchLoss, evaluate, fit


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return train_test_split(x, y, test_fraction=0.2, seed=0, stratify=y)


def regression(n_batches: int = 3, batch: int = 4, seed: int = 0):
    """A linear model and a list of (x (B, 3), y (B, 1)) batches, with a squared-error loss."""
    rng = np.random.default_rng(seed)
    batches = [
        (rng.standard_normal((batch, 3)).astype(np.float32), rng.standard_normal((batch, 1)))
        for _ in range(n_batches)
    ]
    nn.manual_seed(seed)
    model = nn.Linear(3, 1)

    def loss_fn(m, b):
        x, y = b
        return F.mse_loss(m(Tensor(x)), Tensor(y.astype(np.float32)))

    return model, batches, loss_fn


# ---------------------------------------------------------------- history


def test_history_has_epoch_means_and_every_batch_loss():
    model, batches, loss_fn = regression()
    seen = []

    def recording(m, b):
        loss = loss_fn(m, b)
        seen.append(float(loss.data))
        return loss

    history = fit(model, SGD(model.parameters(), lr=0.1), batches, loss_fn=recording, epochs=2)
    assert isinstance(history, dict)
    assert list(history) == ["train loss"]
    assert history.batch_losses == seen
    assert len(seen) == 6
    for epoch in range(2):
        assert history["train loss"][epoch] == pytest.approx(
            np.mean(seen[3 * epoch : 3 * epoch + 3])
        )


def test_batch_loss_sizes_weight_the_epoch_mean_and_counts_become_rates():
    model, batches, loss_fn = regression(n_batches=2)
    sizes = iter([1, 3] * 2)

    def weighted(m, b):
        size = next(sizes)
        return BatchLoss(loss_fn(m, b), size, {"hits": size - 1})

    history = fit(model, SGD(model.parameters(), lr=0.0), batches, loss_fn=weighted, epochs=1)
    first, second = history.batch_losses
    assert history["train loss"] == [pytest.approx((first * 1 + second * 3) / 4)]
    assert history["train hits"] == [pytest.approx(2 / 4)]


def test_batches_given_as_a_callable_are_drawn_again_each_epoch():
    model, batches, loss_fn = regression()
    calls = []

    def epoch_batches():
        calls.append(len(calls))
        return iter(batches[: len(calls)])  # a generator: fit must not reuse it

    history = fit(model, SGD(model.parameters(), lr=0.1), epoch_batches, loss_fn=loss_fn, epochs=3)
    assert calls == [0, 1, 2]
    assert len(history.batch_losses) == 1 + 2 + 3


# ---------------------------------------------------------------- scheduler and clipping


def test_scheduler_steps_once_after_each_epoch_before_evaluation():
    model, batches, loss_fn = regression()
    opt = SGD(model.parameters(), lr=0.8)
    lrs = {}

    def evaluate_cb(m):
        lrs.setdefault("evaluate", []).append(opt.param_groups[0]["lr"])
        return {}

    def on_epoch(epoch, history):
        lrs.setdefault("on_epoch", []).append(opt.param_groups[0]["lr"])

    fit(
        model,
        opt,
        batches,
        loss_fn=loss_fn,
        epochs=3,
        scheduler=StepLR(opt, step_size=1, gamma=0.5),
        evaluate=evaluate_cb,
        on_epoch=on_epoch,
        progress=False,
    )
    assert lrs["evaluate"] == lrs["on_epoch"] == [0.4, 0.2, 0.1]


def test_clip_grad_norm_bounds_every_step():
    model, batches, loss_fn = regression()
    big = lambda m, b: loss_fn(m, b) * 1e4  # noqa: E731  gradients far above the bound
    steps = []

    class Recording(SGD):
        def step(self, closure=None):
            steps.append(np.sqrt(sum(float((p.grad**2).sum()) for p in model.parameters())))
            return super().step(closure)

    fit(model, Recording(model.parameters(), lr=1e-6), batches, loss_fn=big, clip_grad_norm=0.5)
    assert len(steps) == 3
    assert max(steps) == pytest.approx(0.5, rel=1e-5)
    steps.clear()
    fit(model, Recording(model.parameters(), lr=1e-6), batches, loss_fn=big)
    assert min(steps) > 1.0  # without clipping the same gradients are larger


# ---------------------------------------------------------------- evaluate and on_epoch


def test_evaluate_callback_runs_in_eval_mode_without_a_graph_and_is_recorded():
    model, batches, loss_fn = regression()
    seen = []

    def evaluate_cb(m):
        y = m(Tensor(np.ones((1, 3), dtype=np.float32)))
        seen.append((m.training, y.requires_grad, autograd.is_grad_enabled()))
        return {"held-out score": float(len(seen)), "other": 0.5}

    history = fit(
        model,
        SGD(model.parameters(), lr=0.1),
        batches,
        loss_fn=loss_fn,
        epochs=2,
        evaluate=evaluate_cb,
    )
    assert seen == [(False, False, False)] * 2
    assert history["held-out score"] == [1.0, 2.0]
    assert history["other"] == [0.5, 0.5]
    assert model.training  # back in training mode


def test_on_epoch_sees_each_epoch_and_the_history_so_far():
    model, batches, loss_fn = regression()
    calls = []
    fit(
        model,
        SGD(model.parameters(), lr=0.1),
        batches,
        loss_fn=loss_fn,
        epochs=3,
        on_epoch=lambda epoch, history: calls.append((epoch, len(history["train loss"]))),
    )
    assert calls == [(1, 1), (2, 2), (3, 3)]


def test_ctrl_c_in_a_step_keeps_the_last_complete_checkpoint(tmp_path):
    model, batches, loss_fn = regression()
    path = tmp_path / "model.npz"
    saved = {}
    steps = 0

    def interrupted(m, b):
        nonlocal steps
        steps += 1
        if steps == 5:  # the second batch of epoch 2
            raise KeyboardInterrupt
        return loss_fn(m, b)

    def on_epoch(epoch, history):
        model.save(path)  # atomic: temporary file, then rename
        saved.update({k: v.copy() for k, v in model.state_dict().items()})

    with pytest.raises(KeyboardInterrupt):
        fit(
            model,
            SGD(model.parameters(), lr=0.1),
            batches,
            loss_fn=interrupted,
            epochs=3,
            on_epoch=on_epoch,
        )
    changed = model.state_dict()
    assert any(not np.array_equal(changed[k], saved[k]) for k in saved)  # epoch 2 did step
    restored = nn.Linear(3, 1)
    restored.load(path)
    for k, v in restored.state_dict().items():
        np.testing.assert_array_equal(v, saved[k])
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


# ---------------------------------------------------------------- progress and errors


@pytest.mark.parametrize("error", [KeyboardInterrupt, ValueError])
def test_progress_bar_is_closed_when_a_step_raises(monkeypatch, error):
    bars = []

    class Recording(nn.training.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.closed = False
            bars.append(self)

        def close(self):
            self.closed = True
            super().close()

    monkeypatch.setattr(nn.training, "tqdm", Recording)
    model, batches, _ = regression()

    def failing(m, b):
        raise error("stop")

    with pytest.raises(error) as info:
        fit(model, SGD(model.parameters(), lr=0.1), batches, loss_fn=failing, progress=True)
    assert len(bars) == 1
    assert bars[0].closed  # by fit, not by garbage collection: the traceback keeps it alive
    assert info.traceback


def test_progress_bar_shows_the_running_loss(capsys):
    model, batches, loss_fn = regression()
    fit(model, SGD(model.parameters(), lr=0.1), batches, loss_fn=loss_fn, epochs=2)
    err = capsys.readouterr().err
    assert "epoch 1/2" in err
    assert "epoch 2/2" in err
    assert "loss=" in err
    fit(model, SGD(model.parameters(), lr=0.1), batches, loss_fn=loss_fn, progress=False)
    assert capsys.readouterr().err == ""


def test_a_non_finite_loss_stops_training_naming_the_epoch():
    model, batches, loss_fn = regression()
    with pytest.raises(FloatingPointError, match="loss became nan in epoch 1"):
        fit(
            model,
            SGD(model.parameters(), lr=0.1),
            batches,
            loss_fn=lambda m, b: loss_fn(m, b) * np.nan,
        )


def test_fit_refuses_bad_arguments():
    model = nn.MLP([64, 10])
    with pytest.raises(ValueError, match="task"):
        fit(model, Adam(model.parameters()), [], task="regress")
    with pytest.raises(ValueError, match="epochs"):
        fit(model, Adam(model.parameters()), [], epochs=0)
    with pytest.raises(ValueError, match="clip_grad_norm"):
        fit(model, Adam(model.parameters()), [], clip_grad_norm=0.0)


# ---------------------------------------------------------------- built-in tasks, runs that learn


def test_mlp_on_digits_learns(digits):
    (x_tr, y_tr), (x_te, y_te) = digits
    nn.manual_seed(0)
    model = nn.MLP([64, 64, 10], activation="relu")
    train = DataLoader(
        (x_tr, y_tr), batch_size=64, shuffle=True, generator=np.random.default_rng(0)
    )
    test = DataLoader((x_te, y_te), batch_size=256)
    before = evaluate(model, test)
    history = fit(model, Adam(model.parameters(), lr=3e-3), train, test, epochs=8, progress=False)
    assert history["train loss"][-1] < history["train loss"][0] / 4
    assert history["test loss"][-1] < before["loss"] / 4
    assert history["test acc"][-1] > 0.9
    assert len(history["train acc"]) == 8
    assert len(history.batch_losses) == 8 * len(train)


def test_autoencoder_reconstruction_error_falls(digits):
    (x_tr, y_tr), (x_te, y_te) = digits
    nn.manual_seed(0)
    model = nn.Autoencoder([64, 32, 8])
    train = DataLoader(
        (x_tr, y_tr), batch_size=64, shuffle=True, generator=np.random.default_rng(0)
    )
    test = DataLoader((x_te, y_te), batch_size=256)
    before = evaluate(model, test, task="reconstruct")["loss"]
    history = fit(
        model,
        Adam(model.parameters(), lr=3e-3),
        train,
        test,
        epochs=5,
        task="reconstruct",
        progress=False,
    )
    assert history["test loss"][-1] < before / 2
    assert "test acc" not in history
    assert "train acc" not in history


# ---------------------------------------------------------------- the sequence models on the loop


def test_train_charlm_learns_a_cycle_and_records_perplexity():
    seqs = [np.array([1] + [2, 3, 4] * 4 + [5]) for _ in range(16)]
    nn.manual_seed(0)
    model = nn.CharLSTM(6, 8, 16)
    history = train_charlm(
        model, seqs, pad_id=0, epochs=15, batch_size=4, lr=2e-2, held_out=seqs[:2], progress=False
    )
    assert history["train loss"][-1] < history["train loss"][0] / 5
    assert len(history["held-out perplexity"]) == 15
    assert history["held-out perplexity"][-1] < 1.5
    x, y = next(lm_batches(seqs, 4, pad_id=0))
    np.testing.assert_array_equal(x[1:], y[:-1])  # y is x shifted by one step


def test_train_seq2seq_learns_to_copy_and_calls_back_each_epoch():
    rng = np.random.default_rng(0)
    sos, eos = 1, 2
    pairs = []
    for _ in range(200):
        s = rng.integers(3, 8, rng.integers(2, 5))
        pairs.append((s, np.concatenate([[sos], s, [eos]])))
    nn.manual_seed(0)
    model = nn.Seq2Seq(8, 8, 8, 24)
    calls = []
    history = train_seq2seq(
        model,
        pairs,
        epochs=20,
        lr=1e-2,
        evaluate=lambda m: {"exact acc": 0.0},
        on_epoch=lambda epoch, h: calls.append(epoch),
        progress=False,
    )
    assert calls == list(range(1, 21))
    assert len(history["exact acc"]) == 20
    assert history["train loss"][-1] < history["train loss"][0] / 5
    acc, decoded = exact_match(model, pairs[:50], sos=sos, eos=eos, max_len=6)
    assert acc > 0.8
    assert len(decoded) == 50
