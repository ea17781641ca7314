"""``tracegrad train ... --resume DIR``: a run stopped after epoch k (Ctrl-C, or trained for
k epochs) and resumed ends with the same weights and metrics, bit for bit, as the run that
was never stopped; a bad resume is one line naming the argument and changes no file.

The runs are quick (`tests.tracegrad.quick_runs`: tiny sequence models, no pictures); the
picture stand-in also plays Ctrl-C right after an epoch's checkpoint and resume file."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from nn.train_state import read_training_info
from tests.tracegrad.quick_runs import quick
from tracegrad.cli import main
from tracegrad.sequence_recipes import train_sequence_model


def assert_same_weights(a, b):
    with np.load(a, allow_pickle=False) as za, np.load(b, allow_pickle=False) as zb:
        assert sorted(za.files) == sorted(zb.files)
        for k in za.files:
            np.testing.assert_array_equal(za[k], zb[k], err_msg=k)


def metrics_of(folder):
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    metrics.pop("seconds")  # the only thing allowed to differ
    return metrics


def test_mlp_resumed_after_ctrl_c_ends_as_the_uninterrupted_run(tmp_path, pictures, capsys):
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    assert main(["train", "mlp", "--epochs", "3", "--out", str(whole)]) == 0
    pictures.stop_after = 1
    assert main(["train", "mlp", "--epochs", "3", "--out", str(cut)]) == 130
    assert f"tracegrad train mlp --resume {cut}" in capsys.readouterr().out
    assert read_training_info(cut / "resume.npz")["epoch"] == 1
    assert not (cut / "metrics.json").exists()

    assert main(["train", "mlp", "--resume", str(cut)]) == 0  # to the 3 epochs it started with
    assert_same_weights(whole / "mlp.npz", cut / "mlp.npz")
    assert metrics_of(cut) == metrics_of(whole)
    assert metrics_of(cut)["epochs"] == 3
    assert (
        read_training_info(cut / "resume.npz")["history"]
        == (read_training_info(whole / "resume.npz")["history"])
    )


def test_a_finished_run_continues_with_more_epochs_and_its_own_settings(tmp_path, pictures):
    settings = ["--seed", "3", "--lr", "0.01", "--batch-size", "32"]
    whole, short = tmp_path / "whole", tmp_path / "short"
    assert main(["train", "autoencoder", "--epochs", "3", *settings, "--out", str(whole)]) == 0
    assert main(["train", "autoencoder", "--epochs", "1", *settings, "--out", str(short)]) == 0
    assert main(["train", "autoencoder", "--resume", str(short), "--epochs", "3"]) == 0
    assert_same_weights(whole / "autoencoder.npz", short / "autoencoder.npz")
    assert metrics_of(short) == metrics_of(whole)
    assert metrics_of(short)["lr"] == 0.01


@pytest.mark.parametrize(("name", "limit"), [("lstm-poems", 60), ("seq2seq-dates", 200)])
def test_sequence_model_resumed_after_ctrl_c_ends_as_the_uninterrupted_run(
    tmp_path, pictures, name, limit
):
    run = dict(epochs=2, limit=limit, progress=False, lr=0.01)
    whole = train_sequence_model(name, tmp_path / "whole", **run)
    pictures.stop_after = 1
    with pytest.raises(KeyboardInterrupt):
        train_sequence_model(name, tmp_path / "cut", **run)
    resumed = train_sequence_model(name, tmp_path / "cut", resume=True, **run)
    assert_same_weights(tmp_path / "whole" / "model.npz", tmp_path / "cut" / "model.npz")
    whole.pop("seconds")
    resumed.pop("seconds")
    assert json.loads(json.dumps(resumed)) == json.loads(json.dumps(whole))
    assert len(resumed["history"]["train loss"]) == 2


def test_the_library_refuses_other_settings_and_word2vec(tmp_path, pictures):
    train_sequence_model("lstm-poems", tmp_path, epochs=1, limit=20, progress=False)
    with pytest.raises(ValueError, match=r"started with lr=None, not 0\.5"):
        train_sequence_model(
            "lstm-poems", tmp_path, epochs=2, limit=20, lr=0.5, progress=False, resume=True
        )
    with pytest.raises(ValueError, match="has trained 1 epochs already"):
        train_sequence_model("lstm-poems", tmp_path, epochs=1, limit=20, resume=True)
    with pytest.raises(ValueError, match="cannot resume: word2vec trains"):
        train_sequence_model("word2vec", tmp_path, epochs=2, resume=True)


# ---------------------------------------------------------------- refusals


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """An mlp run of 2 epochs (folder), trained once for the refusals below."""
    folder = tmp_path_factory.mktemp("saved") / "mlp"
    with pytest.MonkeyPatch.context() as mp:
        quick(mp)
        assert main(["train", "mlp", "--epochs", "2", "--out", str(folder)]) == 0
    return folder


def fingerprint(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("argv", "argument", "message"),
    [
        (["mlp", "--resume", "{tmp}/missing"], "--resume", "does not exist"),
        (["mlp", "--resume", "{tmp}/empty"], "--resume", "has no resume.npz"),
        (["mlp", "--resume", "{tmp}/empty/afile"], "--resume", "is not a folder"),
        (["autoencoder", "--resume", "{saved}"], "--resume", "holds a mlp run, not autoencoder"),
        (["mlp", "--resume", "{tmp}/truncated"], "--resume", "truncated or foreign file"),
        (["mlp", "--resume", "{tmp}/foreign"], "--resume", "not a training state"),
        (["word2vec", "--resume", "{saved}"], "--resume", "cannot resume word2vec"),
        (["mlp", "--resume", "{saved}", "--lr", "0.5"], "--lr", "started with lr=None"),
        (["mlp", "--resume", "{saved}", "--data", "mnist5k"], "--data", "data='digits'"),
        (["mlp", "--resume", "{saved}", "--seed", "1"], "--seed", "keeps its settings"),
        (["mlp", "--resume", "{saved}"], "--epochs", "has trained 2 of its 2 epochs"),
        (["mlp", "--resume", "{saved}", "--epochs", "2"], "--epochs", "pass --epochs N with N > 2"),
        (["mlp", "--resume", "{saved}", "--out", "{tmp}/else"], "--out", "its own folder"),
    ],
)
def test_a_bad_resume_is_one_line_and_loses_nothing(
    saved, tmp_path, capsys, argv, argument, message
):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "afile").write_text("x")
    for name, damage in (("truncated", lambda b: b[: len(b) // 2]), ("foreign", None)):
        (tmp_path / name).mkdir()
        if damage is None:
            (tmp_path / name / "resume.npz").write_bytes((saved / "mlp.npz").read_bytes())
        else:
            (tmp_path / name / "resume.npz").write_bytes(
                damage((saved / "resume.npz").read_bytes())
            )
    before = {p: fingerprint(p) for p in (saved, tmp_path / "truncated", tmp_path / "foreign")}
    argv = [a.format(tmp=tmp_path, saved=saved) for a in argv]
    assert main(["train", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"tracegrad train: error: argument {argument}: "), err
    assert message in err
    assert {p: fingerprint(p) for p in before} == before
    assert not (tmp_path / "else").exists()
