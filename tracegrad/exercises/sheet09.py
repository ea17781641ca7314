"""Checkers for notebook 09, training well: Adam's step on the quadratic, plain gradient
descent's stability limit, orthogonal and sigmoid layers through the 10-layer probe, and
dropout's scaling."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

import autograd
import nn
from autograd import Tensor
from nn.optim import SGD, Adam
from tracegrad.exercises.checking import (
    Sheet,
    StudentError,
    array,
    close,
    exercise,
    number,
    wrong_number,
)

START, BUDGET, TOL = (-4.0, 1.5), 1000, 1e-3  # exercises 1, 2: the notebook's quadratic
ADAM_LR, NOTEBOOK_ADAM_LR, ABOVE = 0.035, 0.3, 0.09
DEPTH, WIDTH, P = 10, 256, 0.25  # exercises 3, 4: the probe's layers; exercise 5: dropout's p


def _quadratic(p: Tensor) -> Tensor:
    return 0.5 * (p[0] ** 2 + 25 * p[1] ** 2)


@functools.cache
def _descent(optimizer: str, lr: float) -> tuple[tuple[float, ...], int | None]:
    """The first step (p1 − p0) and the steps to within TOL of (0, 0), as in `descend`."""
    p = Tensor(np.array(START), requires_grad=True)
    opt = Adam([p], lr=lr) if optimizer == "Adam" else SGD([p], lr=lr)
    start, first = p.numpy().copy(), tuple[float, ...]()
    for step in range(1, BUDGET + 1):
        opt.zero_grad()
        _quadratic(p).backward()
        opt.step()
        first = first or tuple(float(v) for v in p.numpy() - start)
        if np.linalg.norm(p.numpy()) < TOL:
            return first, step
    return first, None


@exercise(
    "9.1",
    praise="Adam's first step is η·m̂/√v̂ = η·g/|g|: every coordinate moves by η, whatever the "
    "gradient's size, so η is a distance; 4 units at a few hundredths a step take hundreds.",
)
def _adam_steps(steps: int, first_step: Sequence[float]) -> str | None:
    """Steps Adam(lr=0.035) needs on the quadratic, and its first step p1 − p0."""
    n = number(steps, "steps")
    got = array(first_step, "first_step (p1 − p0)", (2,))
    first, expected = _descent("Adam", ADAM_LR)
    assert expected is not None  # Adam at 0.035 gets there within the budget
    if close(n, _descent("Adam", NOTEBOOK_ADAM_LR)[1], rtol=0, atol=0.5):
        return "that is the count at the notebook's Adam learning rate; give Adam lr=0.035."
    if close(n, expected + 1, rtol=0, atol=0.5):
        return "count the steps, not the points: the path starts with the start point."
    if not close(n, expected, rtol=0, atol=0.5):
        return "steps is not right yet: run `descend` on the quadratic with Adam(ps, lr=0.035)."
    gradient = np.array([START[0], 25 * START[1]])
    if close(got, -ADAM_LR * gradient):
        return (
            "that is plain gradient descent's step −η·g. Adam divides m̂ by √v̂, and after one "
            "step both come from the same g."
        )
    if close(-got, first):
        return "the step has the wrong sign: it is the new point minus the old, path[1] − path[0]."
    if close(got, _descent("Adam", NOTEBOOK_ADAM_LR)[0]):
        return "that is the first step at the notebook's Adam learning rate; give Adam lr=0.035."
    if not close(got, first, rtol=1e-3, atol=1e-6):
        return "first_step is not right yet: path[1] − path[0] of that same run."
    return None


@exercise(
    "9.2",
    praise="along y the error is multiplied by 1 − 25η each step: above η = 2/25 its size grows "
    "and its sign flips, so SGD zig-zags across the valley ever wider and diverges.",
)
def _sgd_limit(lr_max: float, factor: float) -> str | None:
    """SGD's largest stable learning rate on the quadratic, and y_{k+1}/y_k at lr 0.09."""
    lr_max = number(lr_max, "lr_max")
    factor = number(factor, "factor")
    limit = 2 / 25
    if close(lr_max, 1 / 25, rtol=1e-2, atol=0):
        return (
            "1/25 is the rate that removes y's error in one step (or did you take y's curvature "
            "as 50? ½·25y² has curvature 25). The limit is where |1 − 25η| reaches 1."
        )
    if close(lr_max, 2.0, rtol=1e-2, atol=0):
        return "that is the flat direction x's limit (curvature 1); the steep y gives up first."
    if hint := wrong_number(lr_max, limit, "lr_max"):
        return hint
    if not close(lr_max, limit, rtol=1e-2, atol=0):
        return "lr_max is not right yet."
    expected = 1 - 25 * ABOVE
    if close(factor, -expected, rtol=1e-3, atol=1e-6):
        return (
            "the size is right, the sign is not: above the limit y lands on the other side of the "
            "valley every step."
        )
    if close(factor, 1 - ABOVE, rtol=1e-3, atol=1e-6):
        return "that is x's factor (curvature 1); take y's, the steep coordinate."
    if close(factor, 1 - 25 * limit, rtol=1e-3, atol=1e-6):
        return "that is the factor at the limit itself; run SGD with lr=0.09."
    if not close(factor, expected, rtol=1e-3, atol=1e-6):
        return "factor is not right yet: y after a step divided by y before it, at lr=0.09."
    return None


@functools.cache
def _probe(init: str, activation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The notebook's probe: each layer's activation std and mean, and its gradient's std."""
    rng = np.random.default_rng(0)
    h = Tensor(rng.standard_normal((500, WIDTH)).astype(np.float32))
    upstream = Tensor(rng.standard_normal((500, WIDTH)).astype(np.float32))
    nn.manual_seed(0)
    layers = [nn.Linear(WIDTH, WIDTH) for _ in range(DEPTH)]
    relu = nn.init.calculate_gain("relu")
    inits = {
        "orthogonal": lambda w: nn.init.orthogonal_(w, gain=relu),
        "orthogonal, gain 1": lambda w: nn.init.orthogonal_(w),
        "orthogonal, tanh's gain": lambda w: nn.init.orthogonal_(w, gain=5 / 3),
        "He": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
        "Xavier": nn.init.xavier_normal_,
    }
    acts = []
    for layer in layers:
        inits[init](layer.weight)
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
        h = getattr(layer(h), activation)()
        acts.append(h)
    grads = autograd.grad((h * upstream).sum(), acts)
    return (
        np.array([a.numpy().std() for a in acts]),
        np.array([a.numpy().mean() for a in acts]),
        np.array([np.asarray(g).std() for g in grads]),
    )


def _layers(values: Any, what: str) -> np.ndarray:
    return array(values, f"{what} (one number per layer, layer 1 first)", (DEPTH,))


@exercise(
    "9.3",
    praise="orthogonal weights keep a vector's length exactly and the gain √2 puts back what "
    "ReLU drops: as steady as He's rows, both ways.",
)
def _orthogonal(act_stds: Sequence[float], grad_stds: Sequence[float]) -> str | None:
    """ReLU with orthogonal_(gain=calculate_gain("relu")): std of activations, of gradients."""
    acts, grads = _layers(act_stds, "act_stds"), _layers(grad_stds, "grad_stds")
    expected_acts, _, expected_grads = _probe("orthogonal", "relu")
    he_acts, _, he_grads = _probe("He", "relu")
    if close(acts, he_acts, rtol=1e-3) and close(grads, he_grads, rtol=1e-3):
        return "those are He's rows; add the orthogonal initializer to INITS and probe with it."
    if close(acts, expected_grads, rtol=0.15) and close(grads, expected_acts, rtol=0.15):
        return "you swapped them: the activations first, then their gradients."
    if close(grads[::-1], expected_grads, rtol=0.15) and not close(grads, expected_grads):
        return "your gradients are listed from layer 10 back; list them layer 1 first."
    if close(acts, _probe("orthogonal, gain 1", "relu")[0], rtol=0.15):
        return (
            "your activations shrink layer after layer: an orthogonal matrix keeps a vector's "
            "length, but ReLU drops half of the variance. That is what ReLU's gain is for."
        )
    if close(acts, _probe("orthogonal, tanh's gain", "relu")[0], rtol=0.15):
        return "your activations grow: that is tanh's gain (5/3); ReLU's is calculate_gain('relu')."
    if not close(acts, expected_acts, rtol=0.15, atol=0):
        return "act_stds is not right yet: each layer's activation std with ReLU, layer 1 first."
    if not close(grads, expected_grads, rtol=0.15, atol=0):
        return "grad_stds is not right yet: the std of each layer's gradient, layer 1 first."
    return None


@exercise(
    "9.4",
    praise="σ(z) ≈ ½ + z/4 near 0: its outputs sit around ½, not 0, and its slope is at most ¼, "
    "so each layer back shrinks the gradient by about 4. Xavier's rule assumes an activation "
    "centred on 0 with slope 1 there, like tanh.",
)
def _sigmoid(means: Sequence[float], grad_stds: Sequence[float]) -> str | None:
    """Sigmoid with Xavier: the mean of each layer's activations, and the std of its gradient."""
    got, grads = _layers(means, "means"), _layers(grad_stds, "grad_stds")
    stds, expected_means, expected_grads = _probe("Xavier", "sigmoid")
    tanh_grads = _probe("Xavier", "tanh")[2]
    if close(got, stds, rtol=0.05):
        return "those are standard deviations; take each layer's .mean()."
    if np.all(np.abs(got) < 0.1):
        return "your activations are centred on 0, as tanh's are. σ lies in (0, 1): what is σ(0)?"
    if not close(got, expected_means, rtol=0, atol=0.02):
        return "means is not right yet: replace h.tanh() by h.sigmoid() in probe, with Xavier."
    if np.any(grads <= 0):
        return "a standard deviation is positive; give each layer's gradient's .std()."
    log_got, log_expected = np.log10(grads), np.log10(expected_grads)
    if close(grads, tanh_grads, rtol=0.15):
        return "those are tanh's gradients; probe with h.sigmoid()."
    if close(log_got[::-1], log_expected, rtol=0, atol=0.3) and not close(grads, expected_grads):
        return "your gradients are listed from layer 10 back; list them layer 1 first."
    if not close(log_got, log_expected, rtol=0, atol=0.3):
        return "grad_stds is not right yet: the std of each layer's gradient, layer 1 first."
    return None


@exercise(
    "9.5",
    praise="inverted dropout: training zeroes a fraction p and scales the rest by 1/(1 − p), so "
    "each unit's expected output is its eval-mode output; nothing is rescaled at test time, and "
    "`fit` scores the model in eval mode with the weights as they are.",
)
def _dropout(zeroed: float, kept_value: float, eval_mean: float) -> str | None:
    """nn.Dropout(0.25) on ones: fraction zeroed, a survivor's value (training), eval mean."""
    zeroed = number(zeroed, "zeroed")
    kept_value = number(kept_value, "kept_value")
    eval_mean = number(eval_mean, "eval_mean")
    if zeroed > 1:
        raise StudentError("zeroed is a fraction: the number of zeros over the number of entries.")
    if close(zeroed, 1 - P, rtol=0, atol=0.02):
        return "that is the fraction kept; give the fraction of entries set to 0."
    if not close(zeroed, P, rtol=0, atol=0.02):
        return "zeroed is not right yet: the fraction of zeros in the output in training mode."
    if close(kept_value, 1.0, rtol=0, atol=1e-6):
        return "a survivor is not left as it was in training mode: look at np.unique of the output."
    if close(kept_value, 1 - P, rtol=0, atol=1e-6):
        return (
            "scaling by 1 − p is the 2014 paper's test-time rule; nn.Dropout scales in training "
            "instead, so that the expected output stays what it was."
        )
    if close(kept_value, 1 / P, rtol=0, atol=1e-6):
        return "that divides by p, the fraction dropped; the survivors are the other 1 − p."
    if not close(kept_value, 1 / (1 - P), rtol=1e-4, atol=1e-6):
        return "kept_value is not right yet: the value a nonzero entry has in training mode."
    if close(eval_mean, 1 - P, rtol=0, atol=1e-6):
        return "eval mode does not scale the output down: nn.Dropout scales in training instead."
    if close(eval_mean, 1.0, rtol=0, atol=0.02) and not close(eval_mean, 1.0, rtol=0, atol=1e-6):
        return "that mean is random, a training-mode one: call the layer's .eval() first."
    if not close(eval_mean, 1.0, rtol=0, atol=1e-6):
        return "eval_mean is not right yet: the output's mean after layer.eval()."
    return None


SHEET = Sheet("09", [_adam_steps, _sgd_limit, _orthogonal, _sigmoid, _dropout])
