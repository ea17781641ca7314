"""Checkers for notebook 03, the autoencoder: a wider code, a walk between two codes, and how
well ReLU's and tanh's code spaces keep the classes apart."""

from __future__ import annotations

from typing import Any

import numpy as np

import nn
from autograd import Tensor, no_grad
from nn.data import load_digits, train_test_split
from tracegrad.exercises.checking import Sheet, StudentError, call, close, exercise, number, seeded

STEPS = 8  # exercise 2: images on the line, both ends included


def _split() -> tuple[Any, Any]:
    """The notebook's 80/20 split of the 8×8 digits."""
    images, labels = load_digits()
    return train_test_split(images, labels, test_fraction=0.2, seed=0, stratify=labels)


def _activations(model: Any, what: str) -> list[str]:
    """The layer types of an autoencoder's encoder, or a hint that it is not one."""
    if not all(callable(getattr(model, m, None)) for m in ("encode", "decode")):
        raise StudentError(f"{what} should be an nn.Autoencoder; got {type(model).__name__}.")
    return [type(m).__name__ for m in model.encoder.children()]


def _held_out_error(model: Any, what: str) -> float:
    """The mean squared reconstruction error on the held-out digits, and whether it is
    better than drawing the average training digit every time (a hint if not)."""
    (x_tr, _), (x_te, _) = _split()
    flat = x_te.reshape(len(x_te), -1)
    with no_grad():
        rebuilt = call(model, Tensor(x_te), what=what)
    error = float(np.mean((np.asarray(rebuilt.data) - flat) ** 2))
    average = float(np.mean((flat - x_tr.reshape(len(x_tr), -1).mean(axis=0)) ** 2))
    if error >= average:
        raise StudentError(
            f"{what} rebuilds the held-out digits no better than drawing the average digit: "
            "train it first (hand in the model you passed to fit)."
        )
    return error


@exercise(
    "3.1",
    praise="eight numbers keep about half the error of two: more of each digit's style "
    "survives, so the reconstructions are sharper (but the code is harder to draw).",
)
def _wider_code(model: Any, history: Any) -> str | None:
    """nn.Autoencoder([64, 32, 8]) trained as in the notebook, and the history fit returned."""
    _activations(model, "model")
    sizes = list(getattr(model, "sizes", []))
    if sizes == [64, 32, 2]:
        return "that is the notebook's 2-number code: build nn.Autoencoder([64, 32, 8])."
    if sizes != [64, 32, 8]:
        return "build nn.Autoencoder([64, 32, 8]): the same layers, a code of 8 numbers."
    try:
        losses = [float(v) for v in history["test loss"]]
    except (TypeError, KeyError, ValueError):
        raise StudentError("history should be what fit returned (it has a 'test loss').") from None
    if len(losses) != 40:
        return f"your history has {len(losses)} epochs: train it the same way, for 40 epochs."
    error = _held_out_error(model, "model")
    if not close(losses[-1], error, rtol=0.02, atol=1e-4):
        return "that history is not this model's: hand in the model fit trained and its history."
    return None


def _near(got: np.ndarray, expected: np.ndarray) -> bool:
    """Equal up to float32 rounding (neighbouring images differ by far more)."""
    return close(got, expected, rtol=1e-3, atol=1e-4)


def _decoded(model: Any, codes: np.ndarray) -> np.ndarray:
    with no_grad():
        return model.decode(Tensor(codes.astype(np.float32))).data


@exercise(
    "3.2",
    praise="neighbouring codes decode to neighbouring images: the walk morphs one digit "
    "into the other, through a third where other classes' codes lie in between.",
)
def _walk(line: Any) -> str | None:
    """A function line(ae, a, b) -> the 8 images decoded on the straight line from a's code
    to b's (both ends included), shape (8, 64)."""
    with seeded(3):
        model = nn.Autoencoder([64, 32, 2])
    for p in model.parameters():
        p.data *= 2  # livelier than at initialisation: neighbouring codes decode apart
    rng = np.random.default_rng(3)
    a, b = (rng.uniform(0, 1, (1, 8, 8)).astype(np.float32) for _ in range(2))
    got = call(line, model, a.copy(), b.copy(), what="line")
    if isinstance(got, Tensor):
        got = got.data
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise StudentError("line should return the decoded images as an array.") from None
    if got.shape == (STEPS, 2):
        return "those look like the codes on the line: decode them into images."
    if got.ndim < 2 or got.shape[0] != STEPS or got[0].size != 64:
        return f"line should return {STEPS} images of 64 pixels, shape ({STEPS}, 64)."
    got = got.reshape(STEPS, 64)
    with no_grad():
        ends = model.encode(Tensor(np.stack([a, b]))).data.astype(np.float64)
    t = np.linspace(0, 1, STEPS)[:, None]
    expected = _decoded(model, (1 - t) * ends[0] + t * ends[1])
    if _near(got, expected):
        return None
    if _near(got[::-1], expected):
        return "your walk goes from b to a: start at a's code."
    if _near(got, (1 - t) * a.reshape(1, 64) + t * b.reshape(1, 64)):
        return "you mixed the images pixel by pixel: mix their codes, then decode."
    if not _near(got[0], expected[0]) or not _near(got[-1], expected[-1]):
        return (
            "the first image should be decoded from a's own code (t = 0) and the last from "
            "b's (t = 1): include both ends of the line."
        )
    return "not right yet: code = (1 − t)·code(a) + t·code(b), for 8 evenly spaced t, decoded."


def _fraction(codes: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of points whose nearest other point has the same label."""
    distance = ((codes[:, None, :] - codes[None, :, :]) ** 2).sum(axis=-1)
    np.fill_diagonal(distance, np.inf)
    return float(np.mean(labels[distance.argmin(axis=1)] == labels))


def _clusters(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three overlapping clusters of 2-D codes, 10 points each."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), 10)
    return rng.standard_normal((3, 2))[labels] * 1.5 + rng.standard_normal((30, 2)), labels


def _fraction_hint(same_label_fraction: Any) -> str | None:
    for seed in (4, 5):
        codes, labels = _clusters(seed)
        out = call(same_label_fraction, codes.copy(), labels.copy(), what="same_label_fraction")
        got = number(out, "same_label_fraction(codes, labels)")
        expected = _fraction(codes, labels)
        if close(got, expected, rtol=0, atol=1e-9):
            continue
        if got == 1.0:
            return (
                "every point is its own nearest neighbour: leave it out (an infinite distance "
                "to itself)."
            )
        if got > 1.0:
            return "that is a count: give the fraction of the points."
        if close(got, 1 - expected, rtol=0, atol=1e-9):
            return "you counted the points whose neighbour has a different label."
        return (
            "same_label_fraction is not right yet: for each point find the nearest other "
            "point (distance over the code's 2 numbers) and compare their labels."
        )
    return None


@exercise(
    "3.3",
    praise="the code space was never told the labels: how often a digit's nearest neighbour "
    "is of its own class measures how well compressing alone sorted them.",
)
def _separation(same_label_fraction: Any, ae: Any, ae_tanh: Any, better: str) -> str | None:
    """A function same_label_fraction(codes, labels), the ReLU and tanh autoencoders, and
    which separates the held-out classes better: "relu" or "tanh"."""
    if hint := _fraction_hint(same_label_fraction):
        return hint
    kinds = _activations(ae, "ae"), _activations(ae_tanh, "ae_tanh")
    if "Tanh" in kinds[0] and "ReLU" in kinds[1]:
        return "you swapped the two models: ae is the notebook's ReLU one, then ae_tanh."
    if "ReLU" not in kinds[0]:
        return "ae should be the notebook's autoencoder, with ReLU."
    if "Tanh" not in kinds[1]:
        return 'ae_tanh should be built with activation="tanh".'
    for model, what in ((ae, "ae"), (ae_tanh, "ae_tanh")):
        if list(getattr(model, "sizes", [])) != [64, 32, 2]:
            return f"{what} should have the notebook's sizes, [64, 32, 2]."
        _held_out_error(model, what)
    if not isinstance(better, str) or better.lower() not in ("relu", "tanh"):
        raise StudentError('better should be "relu" or "tanh".')
    _, (x_te, y_te) = _split()
    with no_grad():
        scores = {
            name: _fraction(model.encode(Tensor(x_te)).data, y_te)
            for name, model in (("relu", ae), ("tanh", ae_tanh))
        }
    if scores[better.lower()] < max(scores.values()):
        return "run your function on both models' held-out codes and compare the two fractions."
    return None


SHEET = Sheet("03", [_wider_code, _walk, _separation])
