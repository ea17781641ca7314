"""``tracegrad train`` end to end on the bundled digits: the files a run writes, a missing
data set, and Ctrl-C keeping the last complete checkpoint."""

from __future__ import annotations

import json

import numpy as np

import nn
import tracegrad.image_recipes as image_recipes
from tracegrad.cli import main


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


def test_ctrl_c_keeps_the_last_complete_checkpoint(tmp_path, monkeypatch, capsys):
    real_fit = image_recipes.fit
    saved: dict[str, np.ndarray] = {}

    def interrupted_fit(*args, on_epoch, **kwargs):
        def stop_after_first(epoch, history):
            on_epoch(epoch, history)  # the checkpoint of epoch 1 is written here
            saved.update(model.state_dict())
            raise KeyboardInterrupt

        model = args[0]
        return real_fit(*args, on_epoch=stop_after_first, **kwargs)

    monkeypatch.setattr(image_recipes, "fit", interrupted_fit)
    out = tmp_path / "run"
    assert main(["train", "mlp", "--epochs", "3", "--out", str(out)]) == 130
    restored = nn.MLP([64, 64, 10], activation="relu")
    restored.load(out / "mlp.npz")
    for k, v in restored.state_dict().items():
        np.testing.assert_array_equal(v, saved[k])
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    assert f"the last complete epoch is kept in {out / 'mlp.npz'}" in capsys.readouterr().out


def test_one_epoch_run_draws_every_batch_loss_not_a_single_dot(tmp_path, monkeypatch):
    import tracegrad.run_files as run_files

    figures = []
    real = run_files.plot_curves

    def keep(history, **kwargs):
        figures.append(real(history, **kwargs))

    monkeypatch.setattr(run_files, "plot_curves", keep)
    out = tmp_path / "run"
    assert main(["train", "mlp", "--epochs", "1", "--out", str(out)]) == 0
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    (fig,) = figures
    loss_ax = fig.axes[0]
    batches = loss_ax.lines[0]
    assert batches.get_label() == "train loss (per batch)"
    assert len(batches.get_xdata()) > 1
    assert max(batches.get_xdata()) == 1.0
    assert min(batches.get_xdata()) > 0
    assert sum(len(line.get_xdata()) for line in loss_ax.lines) > 2
