"""The inference half of every ``tracegrad train`` model: a run folder loaded back
(`load_run`: ``run.json``, the checkpoint, the vocabularies) and what each model does with
one input, exactly as its training run prepared its data:

- `classify` (mlp, lenet): class probabilities of a digit image, pixels standardised with
  the training set's mean and std;
- `reconstruct` (autoencoder): its reconstruction, code and squared error;
- `translate` (seq2seq-*): the greedy decode of a text, tokenised as in training;
- `similar` (word2vec): the nearest words by cosine;
- `sample` (lstm-poems): poems drawn at a temperature, optionally from a start.

Every problem with the folder is a ValueError naming the file (`RunError`), and with the
input a ValueError naming it (`InputError`), each one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import nn
from autograd import Tensor, no_grad
from nn.data.text import Vocab
from tracegrad.architectures import build
from tracegrad.recipes import MODELS
from tracegrad.run_files import RUN_INFO


class RunError(ValueError):
    """The run folder cannot be used (missing, incomplete, damaged)."""


class InputError(ValueError):
    """The input does not suit the model (an unknown word, an empty text, ...)."""


@dataclass
class LoadedRun:
    """A trained run: its ``folder``, model ``name`` (a key of `MODELS`), ``info`` (its
    run.json), the ``model`` in eval mode and its ``vocabs`` by role."""

    folder: Path
    name: str
    info: dict[str, Any]
    model: nn.Module
    vocabs: dict[str, Vocab] = field(default_factory=dict)

    @property
    def infer(self) -> str:
        """What this model does at inference (`tracegrad.recipes.Model.infer`)."""
        return MODELS[self.name].infer


def _read_info(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise RunError(f"{folder} {what}; give the folder a tracegrad train run wrote")
    path = folder / RUN_INFO
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(
            f"{folder} has no {RUN_INFO}: it is not a tracegrad train run folder (or one "
            "written before run.json existed: train it again)"
        ) from None
    except (OSError, ValueError, RecursionError) as err:
        raise RunError(f"cannot read {path}: {err}") from None
    if not isinstance(info, dict) or info.get("model") not in MODELS:
        raise RunError(f"{path} names no model tracegrad trains ({sorted(MODELS)})")
    if not isinstance(info.get("checkpoint"), str) or "/" in info["checkpoint"]:
        raise RunError(f"{path} names no checkpoint file")
    return info


def _vocab(folder: Path, name: Any) -> Vocab:
    if not isinstance(name, str) or "/" in name:
        raise RunError(f"{folder / RUN_INFO} names no vocabulary file")
    try:
        return Vocab.load(folder / name)
    except FileNotFoundError:
        raise RunError(f"{folder / name} is missing") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise RunError(f"cannot read the vocabulary {folder / name}: {err}") from None


def load_run(folder: Path) -> LoadedRun:
    """The run in ``folder`` with its model loaded from the checkpoint (eval mode) and its
    vocabularies; RunError naming what is missing or damaged."""
    info = _read_info(folder)
    name, checkpoint = info["model"], folder / info["checkpoint"]
    vocabs = {}
    if name == "lstm-poems":
        vocabs["text"] = _vocab(folder, info.get("vocab"))
    elif MODELS[name].infer == "translate":
        files = info["vocab"] if isinstance(info.get("vocab"), dict) else {}
        vocabs = {role: _vocab(folder, files.get(role)) for role in ("source", "target")}
    model: nn.Module
    try:
        if name == "word2vec":
            model = nn.Word2Vec.load(checkpoint)
        else:
            model = build(info.get("architecture"))
            model.load(checkpoint)
    except FileNotFoundError:
        raise RunError(f"{checkpoint} is missing: the run has not finished an epoch") from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        raise RunError(f"cannot load {checkpoint}: {message}") from None
    model.eval()
    return LoadedRun(folder, name, info, model, vocabs)


# -- images ----------------------------------------------------------------------------------
def _number(run: LoadedRun, key: str) -> float:
    value = run.info.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise RunError(f"{run.folder / RUN_INFO}: {key!r} must be a number, got {value!r}")
    return float(value)


def image_side(run: LoadedRun) -> int:
    """The side of the square images the model was trained on (8 or 28)."""
    side = run.info.get("side")
    if side not in (8, 28):
        raise RunError(f"{run.folder / RUN_INFO}: 'side' must be 8 or 28, got {side!r}")
    return side


def classify(run: LoadedRun, image: np.ndarray) -> np.ndarray:
    """Class probabilities (10,) of one (side, side) image in [0, 1], standardised as the
    training pixels were: (x - pixel_mean) / pixel_std."""
    mean, std = _number(run, "pixel_mean"), _number(run, "pixel_std")
    x = ((image - mean) / std).astype(np.float32)[None, None]
    with no_grad():
        logits = run.model(Tensor(x)).data[0].astype(np.float64)
    p = np.exp(logits - logits.max())
    return p / p.sum()


def reconstruct(run: LoadedRun, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The autoencoder's reconstruction (side, side) of one image in [0, 1], its code and
    the mean squared error (the training loss)."""
    x = Tensor(image.reshape(1, -1).astype(np.float32))
    with no_grad():
        code = run.model.encode(x)
        rec = run.model.decode(code).data.reshape(image.shape)
    return rec, code.data[0], float(np.mean((rec - image) ** 2))


# -- text ------------------------------------------------------------------------------------
def translate(run: LoadedRun, text: str) -> tuple[str, list[str]]:
    """The greedy decode of ``text`` (stripped, tokenised as in training, unknown tokens as
    <unk>) and the tokens the source vocabulary does not know."""
    from tracegrad.seq2seq_recipes import TOKENIZERS

    kind, max_len = run.info.get("tokens"), run.info.get("max_len")
    if kind not in TOKENIZERS or not isinstance(max_len, int) or max_len < 1:
        raise RunError(f"{run.folder / RUN_INFO} lacks the 'tokens' or 'max_len' of the run")
    tokenize, join = TOKENIZERS[kind]
    tokens = tokenize(text.strip())
    if not tokens:
        raise InputError("the text to translate is empty")
    src, tgt = run.vocabs["source"], run.vocabs["target"]
    unknown = sorted({t for t in tokens if t not in src})
    with no_grad():
        ids, _ = run.model.greedy_decode(src.encode(tokens), max_len, tgt.sos, tgt.eos)
    return join.join(tgt.decode(ids)), unknown


def similar(run: LoadedRun, word: str, topn: int) -> list[tuple[str, float]]:
    """The ``topn`` words nearest to ``word`` (or, if only that is known, to its lower case)
    by cosine (`nn.Word2Vec.most_similar`)."""
    vocab = run.model.vocab
    if word not in vocab and word.lower() in vocab:
        word = word.lower()
    if word not in vocab:
        raise InputError(
            f"{word!r} is not in the vocabulary of {len(vocab)} words (the words seen at "
            "least 5 times in training)"
        )
    return run.model.most_similar(word, topn=topn)


def sample(
    run: LoadedRun, count: int, temperature: float, rng: np.random.Generator, start: str = ""
) -> list[str]:
    """``count`` poems from the char-LSTM at ``temperature``, each beginning with ``start``
    (`tracegrad.charlm_recipe.sample_text`, what the training run's samples.txt shows)."""
    from tracegrad.charlm_recipe import sample_text

    vocab = run.vocabs["text"]
    unknown = sorted({ch for ch in start if ch not in vocab})
    if unknown:
        raise InputError(f"the start has characters the model never saw: {''.join(unknown)}")
    model = run.model
    assert isinstance(model, nn.CharLSTM), type(model)
    return [sample_text(model, vocab, temperature, rng, start) for _ in range(count)]
