"""Short training runs that must learn, on a fixed seed, and the ``tracegrad train`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nn
from nn.data import DataLoader, load_digits, train_test_split
from nn.optim import Adam
from nn.training import evaluate, fit
from viz.cli import main


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return train_test_split(x, y, test_fraction=0.2, seed=0, stratify=y)


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


def test_fit_refuses_bad_arguments(digits):
    model = nn.MLP([64, 10])
    with pytest.raises(ValueError, match="task"):
        fit(model, Adam(model.parameters()), [], task="regress")
    with pytest.raises(ValueError, match="epochs"):
        fit(model, Adam(model.parameters()), [], epochs=0)


def test_train_command_writes_checkpoint_curves_and_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "mlp", "--epochs", "2", "--out", str(out), "--lr", "3e-3"]) == 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["epochs"] == 2
    assert 0.5 < metrics["test acc"] <= 1.0
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    restored = nn.MLP([64, 64, 10], activation="relu")
    restored.load(out / "mlp.npz")  # strict: every key and shape matches
    assert "test acc" in capsys.readouterr().out


def test_train_command_explains_a_missing_data_set(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "empty"))
    assert main(["train", "mlp", "--data", "mnist", "--out", str(tmp_path / "r")]) == 2
    assert "tracegrad data fetch mnist" in capsys.readouterr().err


def test_ctrl_c_keeps_the_last_complete_checkpoint(tmp_path, monkeypatch):
    import viz.train_cli as train_cli

    real_fit = train_cli.fit
    saved: dict[str, np.ndarray] = {}

    def interrupted_fit(*args, on_epoch, **kwargs):
        def stop_after_first(epoch, history):
            on_epoch(epoch, history)  # the checkpoint of epoch 1 is written here
            saved.update(model.state_dict())
            raise KeyboardInterrupt

        model = args[0]
        return real_fit(*args, on_epoch=stop_after_first, **kwargs)

    monkeypatch.setattr(train_cli, "fit", interrupted_fit)
    out = tmp_path / "run"
    assert main(["train", "mlp", "--epochs", "3", "--out", str(out)]) == 130
    restored = nn.MLP([64, 64, 10], activation="relu")
    restored.load(out / "mlp.npz")
    for k, v in restored.state_dict().items():
        np.testing.assert_array_equal(v, saved[k])
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
