"""``tracegrad predict`` and ``tracegrad sample``: each trained run, loaded back from its
folder, answers as its model does when called directly on the input prepared as in training
(a PNG of a held-out digit, a date, a word, poems from a seed); bad folders and inputs are
one line naming the argument. The runs are quick (`tests.tracegrad.quick_runs`)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad
from nn.data.text import Vocab
from tests.tracegrad.quick_runs import quick
from tracegrad.cli import main
from tracegrad.digit_image import load_digit
from tracegrad.image_recipes import load_split, train_main
from tracegrad.sequence_recipes import train_sequence_model

Image = pytest.importorskip("PIL.Image")  # matplotlib's own image dependency


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One quick run of each kind, trained once: model name -> folder."""
    root = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as mp:
        quick(mp)
        train_main("mlp", "digits", root / "mlp", epochs=3, progress=False)
        train_main("autoencoder", "digits", root / "autoencoder", epochs=1, progress=False)
        for name, limit in (("seq2seq-dates", 200), ("word2vec", 300), ("lstm-poems", 40)):
            train_sequence_model(name, root / name, epochs=1, limit=limit, progress=False)
    return {p.name: p for p in root.iterdir()}


def info(folder) -> dict:
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def loaded(folder, cls):
    """The run's model built directly from its run.json and checkpoint, in eval mode."""
    model = cls(**info(folder)["architecture"]["kwargs"])
    model.load(folder / "model.npz" if (folder / "model.npz").exists() else folder / "mlp.npz")
    model.eval()
    return model


def write_png(path, pixels):
    """An 8-bit grayscale PNG of ``pixels`` in [0, 1]; returns what it holds, in [0, 1]."""
    q = np.round(np.asarray(pixels) * 255).astype(np.uint8)
    Image.fromarray(q).save(path)
    return q / 255.0


def predict(capsys, *argv) -> str:
    capsys.readouterr()
    assert main(["predict", *map(str, argv)]) == 0
    return capsys.readouterr().out


# ---------------------------------------------------------------- images


def test_a_png_of_a_held_out_digit_is_classified_as_the_model_does(runs, tmp_path, capsys):
    folder = runs["mlp"]
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    mean, std = metrics["pixel_mean"], metrics["pixel_std"]
    model = nn.MLP([64, 64, 10], activation="relu")
    model.load(folder / "mlp.npz")
    split = load_split("digits", seed=0)

    def probabilities(pixels):
        with no_grad():
            z = model(Tensor(((pixels - mean) / std).astype(np.float32)[None, None])).data[0]
        p = np.exp(z - z.max())
        return p / p.sum()

    right = [
        i
        for i in range(len(split.y_test))
        if probabilities(split.x_test[i, 0]).argmax() == split.y_test[i]
    ]
    assert len(right) > len(split.y_test) // 2  # trained: most held-out digits are right
    digit, label = split.x_test[right[0], 0], int(split.y_test[right[0]])
    held = write_png(tmp_path / "digit.png", digit)
    want = probabilities(held)
    top = np.argsort(-want)[:3]

    out = predict(capsys, folder, tmp_path / "digit.png").splitlines()
    assert out[0] == f"class {label}"
    shown = [line.split(":") for line in out[1:]]
    assert [int(k) for k, _ in shown] == list(top)
    np.testing.assert_allclose([float(p) for _, p in shown], want[top], atol=5e-5)

    write_png(tmp_path / "paper.png", 1.0 - digit)  # dark on light: inverted back
    assert predict(capsys, folder, tmp_path / "paper.png").splitlines() == out


@pytest.mark.parametrize(("side", "box"), [(28, 20), (8, 8)])
def test_a_large_drawing_is_cropped_to_its_ink_and_fitted_into_the_box(tmp_path, side, box):
    paper = np.ones((150, 120))
    paper[30:120, 50:70] = 0.0  # a dark "1", 90 tall and 20 wide, off centre
    write_png(tmp_path / "one.png", paper)
    digit = load_digit(tmp_path / "one.png", side)
    assert digit.shape == (side, side)
    assert digit.dtype == np.float32
    assert digit.max() == 1.0
    rows = np.flatnonzero(digit.max(axis=1) > 0.2)
    cols = np.flatnonzero(digit.max(axis=0) > 0.2)
    assert (rows[0], rows[-1]) == ((side - box) // 2, (side - box) // 2 + box - 1)
    assert abs((cols[0] + cols[-1]) / 2 - (side - 1) / 2) <= 0.5  # centred
    assert digit[0, 0] == 0.0


def test_the_autoencoder_prints_its_error_and_draws_input_and_output(runs, tmp_path, capsys):
    folder = runs["autoencoder"]
    model = nn.Autoencoder(info(folder)["architecture"]["kwargs"]["sizes"])
    model.load(folder / "autoencoder.npz")
    held = write_png(tmp_path / "digit.png", load_split("digits", 0).x_test[3, 0])
    with no_grad():
        rec = model(Tensor(held.reshape(1, -1).astype(np.float32))).data
    out = predict(capsys, folder, tmp_path / "digit.png", "--out", tmp_path / "pair.png")
    first = out.splitlines()[0]
    assert first.startswith("reconstruction MSE ")
    assert float(first.split()[-1]) == pytest.approx(
        np.mean((rec - held.reshape(1, -1)) ** 2), abs=5e-7
    )
    assert len(out.splitlines()[1].split()) == 1 + 8  # "code" and the 8 code units
    assert (tmp_path / "pair.png").read_bytes()[:4] == b"\x89PNG"


# ---------------------------------------------------------------- text


def test_a_date_is_translated_as_greedy_decode_does(runs, capsys):
    folder = runs["seq2seq-dates"]
    src = Vocab.load(folder / "src_vocab.json")
    tgt = Vocab.load(folder / "tgt_vocab.json")
    model = loaded(folder, nn.Seq2Seq)
    notes = 0
    for text in ("March 3, 1999", "25.11.2026", "3 März 1999"):
        with no_grad():
            ids, _ = model.greedy_decode(src.encode(list(text)), 12, tgt.sos, tgt.eos)
        out = predict(capsys, folder, text).splitlines()
        assert out[0] == "".join(tgt.decode(ids))
        unknown = sorted({ch for ch in text if ch not in src})
        note = f"note: not in the vocabulary, read as <unk>: {' '.join(unknown)}"
        assert out[1:] == ([note] if unknown else [])
        notes += bool(unknown)
    assert notes == 1  # "ä" is no character of the English date formats


def test_a_word_lists_its_nearest_words(runs, capsys):
    folder = runs["word2vec"]
    model = nn.Word2Vec.load(folder / "model.npz")
    word = model.vocab.itos[5]
    want = [f"{w}\t{c:.4f}" for w, c in model.most_similar(word, topn=4)]
    assert predict(capsys, folder, word, "--top", "4").splitlines() == want
    assert predict(capsys, folder, word.upper(), "--top", "4").splitlines() == want
    assert len(predict(capsys, folder, word).splitlines()) == 10


def test_sample_prints_the_poems_the_model_draws(runs, capsys):
    folder = runs["lstm-poems"]
    vocab = Vocab.load(folder / "vocab.json")
    model = loaded(folder, nn.CharLSTM)
    start = vocab.itos[len(vocab) - 1]  # a character it knows
    for extra, prime, head in (([], [vocab.sos], ""), (["--start", start], None, start)):
        prime = prime or [vocab.sos, vocab[start]]
        rng = np.random.default_rng(4)
        want = [
            head + "".join(vocab.decode(model.sample(None, prime, 24, 0.7, rng, stop_id=vocab.eos)))
            for _ in range(3)
        ]
        capsys.readouterr()
        argv = ["sample", str(folder), "--lines", "3", "--seed", "4", "--temperature", "0.7"]
        assert main([*argv, *extra]) == 0
        assert capsys.readouterr().out == "\n".join(want) + "\n"


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("argv", "argument", "message"),
    [
        (["predict", "{mlp}", "{tmp}/notes.txt"], "input", "cannot read"),
        (["predict", "{mlp}", "{tmp}/missing.png"], "input", "does not exist"),
        (["predict", "{mlp}", "{tmp}"], "input", "is a folder"),
        (["predict", "{tmp}/nowhere", "x"], "run", "does not exist"),
        (["predict", "{tmp}", "x"], "run", "has no run.json"),
        (["predict", "{tmp}/broken", "{tmp}/notes.txt"], "run", "cannot load"),
        (["predict", "{lstm-poems}", "x"], "run", "use tracegrad sample"),
        (["sample", "{mlp}"], "run", "use tracegrad predict"),
        (["predict", "{mlp}", "x.png", "--out", "{tmp}/o.png"], "--out", "only the autoencoder"),
        (["predict", "{seq2seq-dates}", "1.1.2000", "--top", "3"], "--top", "one answer"),
        (["predict", "{seq2seq-dates}", " "], "input", "empty"),
        (["predict", "{word2vec}", "qwertyuiop"], "input", "not in the vocabulary"),
        (["sample", "{lstm-poems}", "--start", "☃"], "--start", "never saw: ☃"),
        (["sample", "{lstm-poems}", "--temperature", "0"], "--temperature", "> 0"),
        (["predict", "{mlp}"], "input", "required"),
    ],
)
def test_a_bad_folder_or_input_is_one_line(runs, tmp_path, capsys, argv, argument, message):
    (tmp_path / "notes.txt").write_text("not an image")
    shutil.copytree(runs["mlp"], tmp_path / "broken")
    data = (tmp_path / "broken" / "mlp.npz").read_bytes()
    (tmp_path / "broken" / "mlp.npz").write_bytes(data[: len(data) // 2])
    names = {k.replace("-", "_"): str(v) for k, v in runs.items()}
    argv = [a.replace("-", "_") if a.startswith("{") else a for a in argv]
    argv = [a.format(tmp=tmp_path, **names) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    prefix = f"tracegrad {argv[0]}: error: " + (
        "" if message == "required" else f"argument {argument}: "
    )
    assert err.startswith(prefix), err
    assert message in err
