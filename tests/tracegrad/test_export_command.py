"""``tracegrad export RUN``: a trained run's model, rebuilt from its folder, written as ONNX
that onnxruntime runs to the same outputs as the model itself, at any batch size; the runs
whose model is not one forward pass (seq2seq's greedy decoding, word2vec) and bad folders
are one line naming the argument, exit status 2. The runs are quick
(`tests.tracegrad.quick_runs`)."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import nn
from autograd import Tensor, no_grad
from tests.tracegrad.quick_runs import quick
from tracegrad.architectures import spec
from tracegrad.cli import main
from tracegrad.image_recipes import train_main
from tracegrad.inference import load_run
from tracegrad.sequence_recipes import train_sequence_model

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Quick runs, trained once (lenet: an untrained model saved as a run would save it,
    since it trains only on 28×28 data): model name -> folder."""
    root = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as mp:
        quick(mp)
        train_main("mlp", "digits", root / "mlp", epochs=1, progress=False)
        train_main("autoencoder", "digits", root / "autoencoder", epochs=1, progress=False)
        for name, limit in (("seq2seq-dates", 200), ("word2vec", 300), ("lstm-poems", 40)):
            train_sequence_model(name, root / name, epochs=1, limit=limit, progress=False)
    lenet = root / "lenet"
    lenet.mkdir()
    nn.manual_seed(0)
    nn.LeNet5().save(lenet / "lenet.npz")
    info = dict(model="lenet", checkpoint="lenet.npz", architecture=spec("LeNet5"))
    info.update(task="classify", data="mnist5k", side=28, pixel_mean=0.13, pixel_std=0.31)
    (lenet / "run.json").write_text(json.dumps(info), encoding="utf-8")
    return {p.name: p for p in root.iterdir()}


def session(path):
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def export(capsys, *argv) -> str:
    capsys.readouterr()
    assert main(["export", *map(str, argv)]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("name", "shape"), [("mlp", (1, 8, 8)), ("lenet", (1, 28, 28))])
def test_a_classifier_gives_the_models_logits_for_any_batch(runs, capsys, name, shape):
    out = export(capsys, runs[name])
    path = runs[name] / "model.onnx"
    assert f"wrote {path}" in out
    assert "checked with onnxruntime" in out
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    props = {p.key: p.value for p in model.metadata_props}
    assert props["tracegrad.model"] == name
    assert float(props["pixel_std"]) > 0
    net = load_run(runs[name]).model
    for batch in (1, 5):
        x = np.random.default_rng(batch).standard_normal((batch, *shape)).astype(np.float32)
        (logits,) = session(path).run(None, {"input": x})
        with no_grad():
            expected = net(Tensor(x)).data
        np.testing.assert_allclose(logits, expected, atol=2e-5)


def test_the_autoencoder_reconstructs_as_the_model(runs, capsys, tmp_path):
    path = tmp_path / "ae.onnx"
    out = export(capsys, runs["autoencoder"], "--format", "onnx", "--out", path)
    assert "output reconstruction (batch, 64) float32" in out
    x = np.random.default_rng(0).uniform(0, 1, (3, 64)).astype(np.float32)
    (rec,) = session(path).run(None, {"input": x})
    with no_grad():
        expected = load_run(runs["autoencoder"]).model(Tensor(x)).data
    np.testing.assert_allclose(rec, expected, atol=2e-5)


def test_the_char_lstm_steps_through_text_with_its_state(runs, capsys):
    out = export(capsys, runs["lstm-poems"])
    assert "input ids (sequence, batch) int64" in out
    lm = load_run(runs["lstm-poems"]).model
    run = session(runs["lstm-poems"] / "model.onnx")
    ids = np.random.default_rng(0).integers(0, lm.vocab_size, (7, 2))
    h = c = np.zeros((lm.num_layers, 2, lm.hidden_size), np.float32)
    state = None
    for chunk in (ids[:4], ids[4:5], ids[5:]):  # the state carried from chunk to chunk
        logits, h, c = run.run(None, {"ids": chunk, "h0": h, "c0": c})
        with no_grad():
            expected, state = lm(chunk, state)
        np.testing.assert_allclose(logits, expected.data, atol=2e-5)
        np.testing.assert_allclose(h, state[0].data, atol=2e-5)


@pytest.mark.parametrize("name", ["seq2seq-dates", "word2vec"])
def test_models_that_are_not_one_forward_pass_are_refused(runs, capsys, name):
    assert main(["export", str(runs[name])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{name} cannot be exported" in err
    assert not (runs[name] / "model.onnx").exists()


def test_bad_folders_and_outputs_are_one_line(runs, capsys, tmp_path):
    for argv, expected in (
        ([tmp_path / "nothing"], "does not exist"),
        ([runs["mlp"], "--out", tmp_path], "is a folder"),
        ([runs["mlp"], "--format", "tflite"], "invalid choice"),
    ):
        assert main(["export", *map(str, argv)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert expected in err


def test_a_missing_onnx_is_one_line_with_the_install_command(runs, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", str(runs["mlp"]), "--out", str(runs["mlp"] / "x.onnx")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "pip install 'tracegrad[export]'" in err
