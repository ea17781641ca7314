"""Checkers for notebook 02, from neurons to an MLP: a deeper MLP's shapes, the layer gradient
δ x with tanh, the digits MLP with sigmoids, and softmax with cross-entropy's p − y."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd.functional as F
from autograd import Tensor, no_grad
from nn.data import load_digits, train_test_split
from tracegrad.exercises.checking import (
    Sheet,
    StudentError,
    array,
    call,
    close,
    exercise,
    number,
    wrong_number,
)

# exercise 1: nn.MLP([64, 64, 32, 10])
SIZES = (64, 64, 32, 10)
# exercise 4: three logits, label c = 1
LOGITS = (2.0, 1.0, 0.1)
LARGE = (8.0, 1.0, 0.1)
LABEL = 1


@exercise(
    "2.1",
    praise="W^l is N_l × N_(l−1), one row per neuron, plus N_l biases: the first layer, fed "
    "with all 64 pixels, holds most of the parameters.",
)
def _deeper_mlp(shapes: Sequence[Sequence[int]], counts: Sequence[int]) -> str | None:
    """The weight shapes of nn.MLP([64, 64, 32, 10]), then each Linear layer's parameter count."""
    layers = list(itertools.pairwise(SIZES))
    expected = np.array([(n_out, n_in) for n_in, n_out in layers], dtype=float)
    if isinstance(shapes, str):
        raise StudentError("shapes should be a list of (rows, columns) pairs, one per weight.")
    try:
        got = np.array([tuple(s) for s in shapes], dtype=float)
    except (TypeError, ValueError):
        raise StudentError(
            "shapes should be a list of (rows, columns) pairs, one per weight, e.g. "
            "[p.shape for name, p in net.named_parameters() if name.endswith('weight')]."
        ) from None
    if got.ndim != 2 or got.shape[1] != 2:
        return "each weight is a matrix: give its shape as a (rows, columns) pair."
    if len(got) != len(layers):
        return (
            f"you gave {len(got)} weight shapes: four sizes make three Linear layers, "
            "so three weights (biases are not weights)."
        )
    if np.array_equal(got, expected[:, ::-1]):
        return "your shapes are transposed: nn.Linear stores W as (out, in), one row per neuron."
    if not np.array_equal(got, expected):
        return "not all shapes are right: layer l's W is N_l × N_(l−1), sizes in MLP order."
    weights = expected.prod(axis=1)
    biases = expected[:, 0]
    got = array(counts, "counts (one per Linear layer)", (len(layers),))
    if np.array_equal(got, weights):
        return "those count only the weights: each layer has one bias per neuron too."
    if np.array_equal(got, weights + expected[:, 1]):
        return "a layer has one bias per neuron (output), not per input."
    if not np.array_equal(got, weights + biases):
        return "not all counts are right: a layer holds N_l × N_(l−1) weights and N_l biases."
    return None


def _tanh_layer(
    W: np.ndarray, b: np.ndarray, U: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The engine's dW and db for s = Σ U · tanh(W x + b)."""
    Wt, bt = Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)
    (Tensor(U) * (Wt @ Tensor(x) + bt).tanh()).sum().backward()
    return np.asarray(Wt.grad), np.asarray(bt.grad)


@exercise(
    "2.2",
    praise="only the local gradient changed: δ_i = U_i (1 − tanh² z_i), and ∂s/∂W is still "
    "the outer product of δ and x.",
)
def _tanh_gradient(layer_grads: Any) -> str | None:
    """A function layer_grads(W, b, U, x) -> (dW, db) for s = Σ U·tanh(Wx + b), by hand."""
    rng = np.random.default_rng(2)
    W, b, U, x = (rng.standard_normal(s) for s in ((3, 4), (3,), (3,), (4,)))
    out = call(layer_grads, W.copy(), b.copy(), U.copy(), x.copy(), what="layer_grads")
    if isinstance(out, (str, bytes)) or not isinstance(out, Sequence) or len(out) != 2:
        raise StudentError("layer_grads should return two arrays, (dW, db).")
    if np.shape(out[0]) == (4, 3):
        return "dW has the shape of W transposed: row i belongs to neuron i, so outer(δ, x)."
    dW = array(out[0], "dW", W.shape)
    db = array(out[1], "db", b.shape)
    expected_W, expected_b = _tanh_layer(W, b, U, x)
    z = W @ x + b
    t = np.tanh(z)
    sig = 1 / (1 + np.exp(-z))
    delta = U * (1 - t * t)
    for wrong, hint in (
        (U * sig * (1 - sig), "that is the sigmoid's local gradient σ(1 − σ); f is tanh now."),
        (U * (1 - t), "1 − tanh(z) is not tanh's derivative: square tanh(z) before subtracting."),
        (U * t, "you used tanh(z), the value, instead of its derivative 1 − tanh² z."),
        (U, "δ needs f'(z_i) too, not only U_i: the error reaches z_i through tanh."),
        (1 - t * t, "δ_i = U_i f'(z_i): multiply by U_i, the upstream gradient a_i receives."),
    ):
        if close(db, wrong) or close(dW, np.outer(wrong, x)):
            return hint
    if close(dW, np.outer(delta, np.ones_like(x))):
        return "dW is δ_i alone in every column: multiply by the layer's input, x_j."
    if not close(db, expected_b):
        return "db is not right yet: ∂s/∂b_i = δ_i = U_i f'(z_i)."
    if close(-dW, expected_W):
        return "dW has the wrong sign."
    if not close(dW, expected_W):
        return "dW is not right yet: ∂s/∂W_ij = δ_i x_j, the outer product of δ and x."
    return None


def _held_out_digits() -> tuple[np.ndarray, np.ndarray]:
    """The notebook's 20 % held-out split of the 8×8 digits."""
    images, labels = load_digits()
    _, (x_te, y_te) = train_test_split(images, labels, test_fraction=0.2, seed=0, stratify=labels)
    return x_te, y_te


def _layers(model: Any) -> list[str]:
    children = getattr(model, "children", None)
    if not callable(children):
        raise StudentError(f"model should be the nn.MLP you trained; got {type(model).__name__}.")
    return [type(m).__name__ for m in children()]


@exercise(
    "2.3",
    praise="σ'(z) = σ(1 − σ) is at most 1/4, so every sigmoid shrinks the gradient passing "
    "back through it: the sigmoid net starts slower than ReLU's (whose local gradient is 1).",
)
def _sigmoid_mlp(model: Any, history: Any, max_local: float) -> str | None:
    """The 64-64-10 MLP trained with sigmoids, its history, and the largest σ'(z)."""
    layers = _layers(model)
    if "ReLU" in layers:
        return 'that model uses ReLU: build it with nn.MLP([64, 64, 10], activation="sigmoid").'
    sizes = list(getattr(model, "sizes", []))
    if layers != ["Linear", "Sigmoid", "Linear"] or sizes != [64, 64, 10]:
        return 'build the notebook\'s model: nn.MLP([64, 64, 10], activation="sigmoid").'
    try:
        accuracies = [float(a) for a in history["test acc"]]
    except (TypeError, KeyError, ValueError):
        raise StudentError("history should be what fit returned (it has a 'test acc').") from None
    if len(accuracies) != 20:
        return f"your history has {len(accuracies)} epochs: train for the same 20 epochs."
    x_te, y_te = _held_out_digits()
    with no_grad():
        logits = call(model, Tensor(x_te), what="your model")
    measured = float(np.mean(np.asarray(logits.data).argmax(axis=1) == y_te))
    if measured < 0.5:
        return "that model has not been trained yet: hand in the model you passed to fit."
    if abs(measured - accuracies[-1]) > 0.01:
        return "that history is not this model's: hand in the model fit trained and its history."
    local = number(max_local, "max_local")
    if close(local, 0.5):
        return "0.5 is σ(0), the sigmoid's value; its local gradient is σ(z)(1 − σ(z))."
    if close(local, 1.0):
        return "1 is ReLU's local gradient (for z > 0); the sigmoid's is σ(z)(1 − σ(z))."
    return wrong_number(local, 0.25, "the largest σ'(z)")


def _ce_gradient(logits: Sequence[float], label: int) -> np.ndarray:
    """The engine's gradient of cross-entropy with respect to the logits of one example."""
    z = Tensor(np.array([logits]), requires_grad=True)
    F.cross_entropy(z, Tensor(np.array([label]))).backward()
    return np.asarray(z.grad)[0]


def _softmax_hint(got: np.ndarray, logits: Sequence[float], what: str) -> str | None:
    expected = _ce_gradient(logits, LABEL)
    p = expected + np.eye(3)[LABEL]
    if close(got, expected, atol=1e-3):
        return None
    if close(got, -expected, atol=1e-3):
        return f"{what} has the wrong sign: it is the prediction minus the truth, p − y."
    if close(got, p, atol=1e-3):
        return f"{what}: that is p; subtract the one-hot label y."
    if close(got, p - np.eye(3)[0], atol=1e-3):
        return f"{what} is for label 0: the −1 goes to the logit of the right class, c = 1."
    if close(got, expected / 3, atol=1e-3) or close(got, expected * 3, atol=1e-3):
        return f"{what} is off by a factor of 3: one example, so nothing to average over."
    return f"{what} is not right yet: ∂ℓ/∂z_k = p_k − y_k, with p = softmax(z)."


@exercise(
    "2.4",
    praise="a confident wrong answer gets a gradient of nearly +1 on the wrong logit and −1 on "
    "the right one: it does not vanish, so cross-entropy keeps learning from big mistakes.",
)
def _softmax_label_one(grads: Sequence[float], grads_large: Sequence[float]) -> str | None:
    """∂ℓ/∂z for z = (2, 1, 0.1) with label c = 1, then for z = (8, 1, 0.1), same label."""
    got = array(grads, "grads", (3,))
    got_large = array(grads_large, "grads_large", (3,))
    if hint := _softmax_hint(got, LOGITS, "grads"):
        return hint
    if close(got_large, got, atol=1e-3):
        return "grads_large is the first answer again: recompute p with z_0 = 8."
    if close(got_large, _ce_gradient(LARGE, 0), atol=1e-3):
        return "grads_large is for label 0; keep the label c = 1 and make z_0 = 8."
    return _softmax_hint(got_large, LARGE, "grads_large")


SHEET = Sheet("02", [_deeper_mlp, _tanh_gradient, _sigmoid_mlp, _softmax_label_one])
