"""Checkers for notebook 05, recurrent networks and LSTM: the LSTM's gradient over 50 steps
with the default forget-gate bias, the plain RNN's with a scaled W_hh and the guard against
it, the weights coupled gates save, and one coupled LSTM step written by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import nn
import nn.utils
from autograd import Tensor
from tracegrad.exercises.checking import Sheet, StudentError, array, call, exercise, number, seeded

# the long-dependency experiment of section 2: T steps, D inputs, H hidden units, seed 1
T, D, H, SEED = 50, 4, 8, 1
SCALE = 6.0  # exercise 2: W_hh multiplied by this
# exercise 3: nn.CharLSTM's LSTM, embedding 64 -> hidden 128
EMBED, HIDDEN = 64, 128


def _sequence(seq: Any) -> np.ndarray:
    """The student's ``seq`` (T, 1, D), or a hint."""
    return array(seq, "seq (the section-2 sequence)", (T, 1, D)).astype(np.float32)


def _norms(model: Any, seq: np.ndarray, after: Any = None, order: int = 2) -> np.ndarray:
    """‖∂loss/∂x_t‖ for loss = the sum of the last step's output; ``after(model)`` runs
    between the forward pass and backward (a mistake to recognise)."""
    x = Tensor(seq, requires_grad=True)
    loss = model(x)[0][-1].sum()
    if after is not None:
        after(model)
    loss.backward()
    assert x.grad is not None
    with np.errstate(over="ignore", invalid="ignore"):  # the mistakes may overflow float32
        return np.linalg.norm(x.grad[:, 0], ord=order, axis=1)


def _lstm(seq: np.ndarray, forget_bias: float | None = None, order: int = 2) -> np.ndarray:
    with seeded(SEED):
        lstm = nn.LSTM(D, H)
    if forget_bias is not None:
        lstm.bias_ih_l0.data[H : 2 * H] = forget_bias
    return _norms(lstm, seq, order=order)


def _rnn(seq: np.ndarray, scale: float = 1.0, weight: str = "hh", after: bool = False) -> Any:
    with seeded(SEED):
        rnn = nn.RNN(D, H)

    def scaled(model: Any) -> None:
        for name in ("ih", "hh") if weight == "both" else (weight,):
            getattr(model, f"weight_{name}_l0").data[...] *= scale

    if not after:
        scaled(rnn)
    return _norms(rnn, seq, scaled if after else None)


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal to float32 round-off, relative at every step (the norms span 15 decades)."""
    with np.errstate(invalid="ignore"):
        return bool(np.allclose(got, want, rtol=1e-3, atol=0))


def _gradient_norms(g: Any, seq: np.ndarray, what: str) -> np.ndarray:
    """The student's 50 norms, or a hint (the raw gradient instead of its norms)."""
    if np.shape(g.data if isinstance(g, Tensor) else g) in ((T, 1, D), (T, D)):
        raise StudentError(
            f"{what}: that is the gradient itself; give its norm at each step, one number per t."
        )
    got = array(g, what, (T,))
    if _same(got[::-1], _lstm(seq)) or _same(got[::-1], _rnn(seq, SCALE)):
        raise StudentError(f"{what} runs backwards in time: the first entry is t = 1.")
    return got


@exercise(
    "5.1",
    praise="with f ≈ σ(0) ≈ 0.5 the cell state halves the gradient at every step, as the plain "
    "RNN's tanh does: to carry a dependency over many steps, the forget gate must learn to "
    "stay near 1.",
)
def _default_forget_bias(seq: Any, g: Any) -> str | None:
    """‖∂loss/∂x_t‖ for t = 1 … 50, the section-2 LSTM with its default forget-gate bias."""
    seq = _sequence(seq)
    got = _gradient_norms(g, seq, "g")
    if _same(got, _lstm(seq)):
        return None
    if _same(got, _lstm(seq, 3.0)):
        return "the forget-gate bias is still +3: leave out the line that sets it."
    if _same(got, _lstm(seq, 0.0)):
        return "you set the forget-gate bias to 0; leave it at the layer's own initialisation."
    if _same(got, _rnn(seq)):
        return "these are the plain RNN's gradients; the exercise is about the LSTM."
    if _same(got, _lstm(seq, order=1)):
        return "that is the sum of |∂loss/∂x_t|; take the Euclidean norm of each step's row."
    return (
        "not right yet: build the LSTM as the section-2 cell does (nn.manual_seed(1) first, so "
        "it gets the same weights), without the bias line, and take the norms as it does."
    )


@exercise(
    "5.2",
    praise="a large W_hh multiplies the gradient at every step on the way back: it explodes "
    "instead of vanishing. Clipping the gradients' norm before each optimizer step keeps "
    "one such batch from throwing the weights far away.",
)
def _exploding(seq: Any, g: Any, guard: Any) -> str | None:
    """‖∂loss/∂x_t‖ of the section-2 RNN with weight_hh_l0 × 6, and nn.utils' guard against it."""
    seq = _sequence(seq)
    got = _gradient_norms(g, seq, "g")
    if not _same(got, _rnn(seq, SCALE)):
        if _same(got, _rnn(seq)):
            return "these are the unscaled RNN's gradients: multiply weight_hh_l0.data by 6 first."
        if _same(got, _lstm(seq)) or _same(got, _lstm(seq, 3.0)):
            return "these are the LSTM's gradients; this exercise scales the plain RNN's W_hh."
        if _same(got, _rnn(seq, SCALE, after=True)):
            return (
                "you scaled W_hh after the forward pass: backward then mixes the new weights "
                "with the tanh' of the old forward. Scale it before calling the RNN."
            )
        if _same(got, _rnn(seq, SCALE, "ih")):
            return "you scaled weight_ih_l0, the input's weights; the recurrence is weight_hh_l0."
        if _same(got, _rnn(seq, SCALE, "both")):
            return "scale only weight_hh_l0, the recurrent weights, not weight_ih_l0 as well."
        if any(_same(got, _rnn(seq, s)) for s in (4.0, 8.0)):
            return "you scaled W_hh by another factor; this exercise multiplies it by 6."
        return (
            "not right yet: build the RNN as the section-2 cell does (nn.manual_seed(1) "
            "first), multiply weight_hh_l0.data by 6, then run forward and backward."
        )
    name = guard if isinstance(guard, str) else getattr(guard, "__name__", None)
    if not isinstance(name, str):
        return "guard should be a function of nn.utils (or its name)."
    name = name.removeprefix("nn.utils.")
    if name not in nn.utils.__all__:
        return f"nn.utils has no {name!r}: look at what it offers (dir(nn.utils))."
    return None


def _lstm_size(variant: str, biases: int = 2) -> int:
    gates = 3 if variant == "coupled" else 4
    return gates * HIDDEN * (EMBED + HIDDEN) + biases * gates * HIDDEN


@exercise(
    "5.3",
    praise="one gate fewer is a quarter of the LSTM's weights; the embedding and the output "
    "layer do not change, so it is also what the whole character model saves.",
)
def _coupled_saving(saved: int) -> str | None:
    """How many parameters the coupled LSTM(64, 128) has fewer than the standard one."""
    got = number(saved, "saved")
    standard, coupled = _lstm_size("standard"), _lstm_size("coupled")
    if got == standard - coupled:
        return None
    if got == coupled - standard:
        return "the coupled layer is the smaller one: count what it saves as a positive number."
    if got in (standard, coupled):
        return "that is one layer's whole count; give the difference between the two."
    if got == _lstm_size("standard", 0) - _lstm_size("coupled", 0):
        return "you counted the weight matrices only: each gate also has its biases."
    if got == _lstm_size("standard", 1) - _lstm_size("coupled", 1):
        return "the layer has two bias vectors per gate (bias_ih and bias_hh), as PyTorch's."
    if got in (HIDDEN * (EMBED + HIDDEN), HIDDEN * EMBED, HIDDEN * HIDDEN):
        return "a gate reads both x_t and h_(t-1): count all of its weights and biases."
    return "not right yet: compare the shapes in named_parameters() of the two layers."


def _engine_step(
    x: np.ndarray, h: np.ndarray, c: np.ndarray, weights: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """One step of nn.LSTM(variant="coupled", fused=False) from state (h, c)."""
    with seeded(0):
        layer = nn.LSTM(len(x), len(h), variant="coupled", fused=False)
    for name, value in weights.items():
        getattr(layer, name).data[...] = value
    state = tuple(Tensor(v.reshape(1, 1, -1).astype(np.float32)) for v in (h, c))
    _, (h1, c1) = layer(Tensor(x.reshape(1, 1, -1).astype(np.float32)), state)
    return h1.data.reshape(-1), c1.data.reshape(-1)


@exercise(
    "5.4",
    praise="C_t = f·C_(t-1) + (1 − f)·C̃: a convex mix, so forgetting and writing are one "
    "decision, and the gate count drops from four to three.",
)
def _coupled_step(coupled_step: Callable[..., Any]) -> str | None:
    """coupled_step(x, h, c, W_ih, W_hh, b_ih, b_hh) -> (h_t, C_t), checked against nn.LSTM."""
    rng = np.random.default_rng(5)
    for d, n in ((2, 3), (3, 4)):
        w = {
            "weight_ih_l0": rng.normal(0, 0.7, (3 * n, d)),
            "weight_hh_l0": rng.normal(0, 0.7, (3 * n, n)),
            "bias_ih_l0": rng.normal(0, 0.5, 3 * n),
            "bias_hh_l0": rng.normal(0, 0.5, 3 * n),
        }
        x, h, c = rng.normal(0, 1, d), rng.normal(0, 1, n), rng.normal(0, 1, n)
        answer = call(coupled_step, x, h, c, *(v.copy() for v in w.values()), what="coupled_step")
        if not isinstance(answer, tuple | list) or len(answer) != 2:
            return "coupled_step should return two arrays, (h_t, C_t)."
        h_got, c_got = (array(a, name, (n,)) for a, name in zip(answer, ("h_t", "C_t")))
        h_want, c_want = _engine_step(x, h, c, w)
        if _near(h_got, h_want) and _near(c_got, c_want):
            continue
        if _near(h_got, c_want) and _near(c_got, h_want):
            return "you returned (C_t, h_t): the checker expects (h_t, C_t)."
        z = w["weight_ih_l0"] @ x + w["weight_hh_l0"] @ h
        blocks = np.split(z + w["bias_ih_l0"] + w["bias_hh_l0"], 3)
        one_bias = np.split(z + w["bias_ih_l0"], 3)
        if _near(c_got, _cell(blocks[1], blocks[0], c, "f", "1-f")) or _near(
            c_got, _cell(blocks[0], blocks[2], c, "f", "1-f")
        ):
            return "your blocks are in another order: the coupled layer stacks its gates f, g, o."
        if _near(c_got, _cell(blocks[0], blocks[1], c, "f", "f")):
            return "the candidate C̃ enters with the complement of the forget gate, not f itself."
        if _near(c_got, _cell(blocks[0], blocks[1], c, "1-f", "f")):
            return "f and 1 − f are swapped: f says how much of C_(t-1) is kept."
        if _near(c_got, _cell(one_bias[0], one_bias[1], c, "f", "1-f")):
            return "add both biases, bias_ih and bias_hh, to the pre-activations."
        if not _near(c_got, c_want):
            return "C_t is not right yet: compare each step of yours with the formulas above."
        if _near(h_got, _sigmoid(blocks[2]) * c_want):
            return "h_t squashes the cell state with tanh before the output gate scales it."
        return "C_t is right, h_t not yet: the output gate o scales tanh(C_t)."
    return None


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _near(got: np.ndarray, want: np.ndarray) -> bool:
    return bool(np.allclose(got, want, rtol=1e-4, atol=1e-5))


def _cell(zf: np.ndarray, zg: np.ndarray, c: np.ndarray, keep: str, write: str) -> np.ndarray:
    """A cell update from the blocks zf, zg; ``keep``/``write`` say which of f, 1 − f each
    factor is (the right one is keep="f", write="1-f")."""
    f = _sigmoid(zf)
    factor = {"f": f, "1-f": 1 - f}
    return factor[keep] * c + factor[write] * np.tanh(zg)


SHEET = Sheet("05", [_default_forget_bias, _exploding, _coupled_saving, _coupled_step])
