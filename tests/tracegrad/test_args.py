"""``tracegrad`` arguments: refused in one line naming the argument (exit status 2), or
honoured as given; never silently replaced or ignored. Training is replaced by stubs that
record what they were asked to do, so nothing here trains."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import tracegrad.charlm_recipe as charlm_recipe
import tracegrad.image_recipes as image_recipes
import tracegrad.seq2seq_recipes as seq2seq_recipes
import tracegrad.sequence_recipes as sequence_recipes
from tracegrad.args import check_settings
from tracegrad.cli import main
from tracegrad.recipes import FETCHABLE, MODELS

IMAGE_MODELS = ("mlp", "lenet", "autoencoder")
SEQ_MODELS = ("lstm-poems", "seq2seq-dates", "seq2seq-poems", "seq2seq-kjv", "word2vec")


def one_line_error(capsys, prog: str, argument: str, *, after_bars: bool = False) -> str:
    """The captured stderr, checked to be one argparse-style line naming ``argument``
    (``after_bars``: the last line, after the progress bars of a run that started)."""
    err = capsys.readouterr().err
    if after_bars:
        err = err.splitlines(keepends=True)[-1]
    assert err.count("\n") == 1, err
    assert err.startswith(f"{prog}: error: argument {argument}: "), err
    assert "Traceback" not in err
    return err


@pytest.fixture
def runs(monkeypatch):
    """Both training entry points replaced by recorders: [(model, kwargs), ...]."""
    calls = []

    def image(model, data, out, **kwargs):
        calls.append((model, dict(kwargs, data=data)))
        return {"test acc": 1.0}

    def sequence(model, out, **kwargs):
        calls.append((model, kwargs))
        return {"model": model}

    monkeypatch.setattr(image_recipes, "train_main", image)
    monkeypatch.setattr(sequence_recipes, "train_sequence_model", sequence)
    return calls


@pytest.fixture
def kjv_cached(monkeypatch, tmp_path):
    """A small valid kjv-web cache, so seq2seq-kjv passes its data check."""
    import gzip

    path = tmp_path / "cache" / "kjv_web.tsv.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(b"Genesis 1:1\tIn the beginning\tIn the beginning\n"))
    monkeypatch.setenv("TRACEGRAD_DATA", str(path.parent))


def test_the_model_table_is_the_one_the_command_and_the_trainers_use():
    assert set(MODELS) == set(IMAGE_MODELS) | set(SEQ_MODELS)
    assert {m for m, _ in image_recipes.IMAGE_RECIPES} == set(IMAGE_MODELS)
    assert set(seq2seq_recipes.SEQ2SEQ_DATA) == {m for m in SEQ_MODELS if "seq2seq" in m}
    assert set(seq2seq_recipes.SEQ2SEQ_DATA) == set(seq2seq_recipes.SEQ2SEQ_RECIPES)
    from nn.data.fetch import FETCHERS

    assert set(FETCHABLE) == set(FETCHERS)


# ---------------------------------------------------------------- --epochs, --lr, ...


@pytest.mark.parametrize("model", IMAGE_MODELS + SEQ_MODELS)
@pytest.mark.parametrize("epochs", ["0", "-1", "-30", "1.5", "ten", ""])
def test_bad_epochs_are_refused_never_replaced(runs, capsys, tmp_path, model, epochs):
    assert main(["train", model, "--epochs", epochs, "--out", str(tmp_path)]) == 2
    one_line_error(capsys, "tracegrad train", "--epochs")
    assert runs == []


@pytest.mark.parametrize("model", IMAGE_MODELS + SEQ_MODELS)
def test_given_settings_reach_the_trainer_unchanged(runs, tmp_path, kjv_cached, model):
    argv = ["train", model, "--epochs", "1", "--lr", "0.5", "--seed", "7", "--out", str(tmp_path)]
    if "--batch-size" in MODELS[model].options:
        argv += ["--batch-size", "3"]
    assert main(argv) == 0
    [(name, kwargs)] = runs
    assert name == model
    assert (kwargs["epochs"], kwargs["lr"], kwargs["seed"]) == (1, 0.5, 7)
    batch = kwargs.get("batch", kwargs.get("batch_size"))
    assert batch == (3 if "--batch-size" in MODELS[model].options else None)


def test_defaults_are_left_to_the_recipe(runs, tmp_path):
    assert main(["train", "mlp", "--out", str(tmp_path)]) == 0
    assert runs == [
        ("mlp", dict(epochs=None, lr=None, batch=None, seed=0, resume=False, data="digits"))
    ]


@pytest.mark.parametrize(
    ("lr", "why"),
    [
        ("nan", "finite"),
        ("inf", "finite"),
        ("-inf", "finite"),
        ("1e999", "finite"),
        ("0", "> 0"),
        ("-0.001", "> 0"),
        ("fast", "expected a number"),
    ],
)
def test_bad_lr_is_refused(runs, capsys, tmp_path, lr, why):
    assert main(["train", "mlp", f"--lr={lr}", "--out", str(tmp_path)]) == 2
    assert why in one_line_error(capsys, "tracegrad train", "--lr")
    assert runs == []


@pytest.mark.parametrize(
    ("argv", "argument"),
    [
        (["--batch-size", "0"], "--batch-size"),
        (["--batch-size", "2.5"], "--batch-size"),
        (["--seed", "-1"], "--seed"),
        (["--seed", "x"], "--seed"),
        (["--data", "cifar"], "--data"),
    ],
)
def test_other_bad_values_are_refused(runs, capsys, tmp_path, argv, argument):
    assert main(["train", "mlp", *argv, "--out", str(tmp_path)]) == 2
    one_line_error(capsys, "tracegrad train", argument)
    assert runs == []


@pytest.mark.parametrize(
    ("model", "argv", "argument"),
    [
        ("word2vec", ["--data", "mnist"], "--data"),
        ("lstm-poems", ["--data", "digits"], "--data"),
        ("seq2seq-dates", ["--data", "mnist5k"], "--data"),
        ("mlp", ["--no-attention"], "--no-attention"),
        ("lstm-poems", ["--no-attention"], "--no-attention"),
        ("word2vec", ["--no-attention"], "--no-attention"),
        ("word2vec", ["--batch-size", "8"], "--batch-size"),
        ("lenet", ["--data", "digits"], "--data"),
    ],
)
def test_options_a_model_does_not_use_are_refused(runs, capsys, tmp_path, model, argv, argument):
    assert main(["train", model, *argv, "--out", str(tmp_path)]) == 2
    err = one_line_error(capsys, "tracegrad train", argument)
    assert model in err
    assert runs == []


def test_seq2seq_honours_no_attention(runs, tmp_path):
    assert main(["train", "seq2seq-dates", "--no-attention", "--out", str(tmp_path)]) == 0
    assert runs[0][1]["attention"] is False


# ---------------------------------------------------------------- the library entry points


class Stop(Exception):
    """Raised by a stub where the real code would start training."""


def test_train_main_refuses_zero_epochs_instead_of_running_the_recipe(monkeypatch, tmp_path):
    def fit(*args, epochs, **kwargs):
        raise Stop(epochs)

    monkeypatch.setattr(image_recipes, "fit", fit)
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        image_recipes.train_main("mlp", "digits", tmp_path, epochs=0)
    with pytest.raises(ValueError, match="lr must be a finite number, got nan"):
        image_recipes.train_main("mlp", "digits", tmp_path, lr=float("nan"))
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        image_recipes.train_main("mlp", "digits", tmp_path, batch=0)
    with pytest.raises(Stop, match=r"^2$"):  # given: used as given
        image_recipes.train_main("mlp", "digits", tmp_path, epochs=2)
    with pytest.raises(Stop, match=r"^30$"):  # None: the recipe's
        image_recipes.train_main("mlp", "digits", tmp_path)


def test_train_sequence_model_refuses_zero_epochs_and_passes_lr_and_batch(monkeypatch, tmp_path):
    seen = {}

    def loop(model, optimizer, batches, *args, epochs, **kwargs):
        x = next(iter(batches()))[0]  # (T, B)
        seen.update(epochs=epochs, lr=optimizer.param_groups[0]["lr"], batch_size=x.shape[1])
        raise Stop

    monkeypatch.setattr(seq2seq_recipes, "fit", loop)
    monkeypatch.setattr(charlm_recipe, "fit", loop)
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        sequence_recipes.train_sequence_model("seq2seq-dates", tmp_path, epochs=0)
    with pytest.raises(ValueError, match="epochs must be >= 1, got -2"):
        sequence_recipes.train_sequence_model("lstm-poems", tmp_path, epochs=-2)
    with pytest.raises(ValueError, match="batch_size does not apply"):
        sequence_recipes.train_sequence_model("word2vec", tmp_path, batch_size=4)
    with pytest.raises(ValueError, match="attention=False applies to the seq2seq"):
        sequence_recipes.train_sequence_model("lstm-poems", tmp_path, attention=False)
    with pytest.raises(Stop):
        sequence_recipes.train_sequence_model(
            "seq2seq-dates", tmp_path, epochs=2, lr=0.25, batch_size=5, limit=50
        )
    assert (seen["epochs"], seen["lr"], seen["batch_size"]) == (2, 0.25, 5)
    with pytest.raises(Stop):
        sequence_recipes.train_sequence_model("lstm-poems", tmp_path, lr=0.125, limit=100)
    assert (seen["epochs"], seen["lr"], seen["batch_size"]) == (12, 0.125, 64)

    class Word2Vec:
        @staticmethod
        def train(sentences, **kwargs):
            seen.update(kwargs)
            raise Stop

    monkeypatch.setattr(sequence_recipes, "Word2Vec", Word2Vec)
    with pytest.raises(Stop):
        sequence_recipes.train_sequence_model("word2vec", tmp_path, epochs=3, lr=0.05, limit=50)
    assert (seen["epochs"], seen["alpha"]) == (3, 0.05)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(epochs=True), "whole number"),
        (dict(epochs=2.0), "whole number"),
        (dict(lr="0.1"), "must be a number"),
        (dict(lr=-1e-9), "> 0"),
        (dict(seed=-3), ">= 0"),
    ],
)
def test_check_settings(settings, message):
    with pytest.raises(ValueError, match=message):
        check_settings(**settings)
    check_settings(epochs=None, lr=None, batch_size=None)  # None: the default, not checked


# ---------------------------------------------------------------- divergence, data, --out


def test_divergence_names_lr_when_it_was_given(monkeypatch, capsys, tmp_path):
    def fit(*args, **kwargs):
        raise FloatingPointError("fit: loss became nan in epoch 1")

    monkeypatch.setattr(image_recipes, "fit", fit)
    argv = ["train", "mlp", "--epochs", "1", "--out", str(tmp_path)]
    assert main([*argv, "--lr", "1e30"]) == 2
    assert "smaller --lr" in one_line_error(capsys, "tracegrad train", "--lr")
    assert main(argv) == 1  # the recipe's lr diverged: not an argument error, still one line
    err = capsys.readouterr().err
    assert err == "tracegrad train: error: fit: loss became nan in epoch 1\n"


def test_a_real_divergence_is_one_line(capsys, tmp_path):
    argv = ["train", "autoencoder", "--epochs", "1", "--lr", "1e300", "--out", str(tmp_path)]
    assert main([*argv, "--batch-size", "512"]) == 2
    assert "diverged" in one_line_error(capsys, "tracegrad train", "--lr", after_bars=True)


def test_a_damaged_mnist_cache_is_an_error_about_data(monkeypatch, capsys, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(b"PK\x03\x04 cut short")
    monkeypatch.setenv("TRACEGRAD_DATA", str(cache))
    assert main(["train", "mlp", "--data", "mnist", "--out", str(tmp_path / "r")]) == 2
    err = one_line_error(capsys, "tracegrad train", "--data")
    assert str(cache / "mnist.npz") in err
    assert "tracegrad data fetch mnist" in err


def test_seq2seq_kjv_without_its_data_says_how_to_fetch(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TRACEGRAD_DATA", str(tmp_path / "empty"))
    assert main(["train", "seq2seq-kjv", "--out", str(tmp_path / "r")]) == 2
    assert "tracegrad data fetch kjv-web" in one_line_error(capsys, "tracegrad train", "model")


@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("x")
    return path


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        (["train", "mlp", "--out", "{file}"], "tracegrad train"),
        (["train", "word2vec", "--out", "{file}/sub"], "tracegrad train"),
        (["demo", "--no-train", "--out", "{file}"], "tracegrad demo"),
        (["demo", "--no-train", "--out", "{file}/deeper/still"], "tracegrad demo"),
        (["graph", "x", "x=1", "--out", "{file}/f.svg"], "tracegrad graph"),
        (["graph", "x", "x=1", "--out", "{dir}"], "tracegrad graph"),
        (["graph", "x", "x=1", "--out", "f.gif"], "tracegrad graph"),
        (["graph", "x", "x=1", "--out", "no\0nul.svg"], "tracegrad graph"),
    ],
)
def test_out_that_cannot_be_written_is_refused(runs, capsys, tmp_path, a_file, argv, prog):
    folder = tmp_path / "pictures.svg"
    folder.mkdir()
    argv = [a.format(file=a_file, dir=folder) for a in argv]
    assert main(argv) == 2
    one_line_error(capsys, prog, "--out")
    assert a_file.read_text() == "x"
    assert runs == []


def test_cache_dir_that_is_a_file_is_refused(capsys, a_file, monkeypatch):
    assert main(["data", "fetch", "mnist", "--cache-dir", str(a_file)]) == 2
    one_line_error(capsys, "tracegrad data fetch", "--cache-dir")
    monkeypatch.setenv("TRACEGRAD_DATA", str(a_file))
    assert main(["data", "fetch", "bible"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"tracegrad data fetch: error: TRACEGRAD_DATA={a_file}: ")
    assert err.count("\n") == 1


def test_a_read_only_folder_is_refused(tmp_path):
    # root writes through permission bits, so as root the command runs as nobody (setpriv)
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="tracegrad-ro-"))
    try:
        base.chmod(0o755)
        folder = base / "ro"
        folder.mkdir(mode=0o555)
        folder.chmod(0o555)
        become_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        run_cli = "import sys; from tracegrad.cli import main; sys.exit(main(sys.argv[1:]))"
        command = [sys.executable, "-c", run_cli, "train", "mlp", "--out", str(folder)]
        env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "MPLCONFIGDIR": str(tmp_path)}
        tmp_path.chmod(0o777)
        proc = subprocess.run(
            [*become_nobody, *command] if os.geteuid() == 0 else command,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("tracegrad train: error: argument --out: cannot write"), last
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_file_out_writes_into_a_new_folder(tmp_path):
    out = tmp_path / "new" / "folder" / "f.dot"
    assert main(["graph", "x*y", "x=2", "y=3", "--out", str(out)]) == 0
    assert "digraph" in out.read_text()
