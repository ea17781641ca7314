"""The LSTM and GRU built from primitive ops, one recorded op per gate: compositions, not ops.

The fused ``lstm`` and ``gru`` ops (`autograd.ops.rnn`) run a whole sequence in one kernel
node. The functions here compute the same thing from matmul, sigmoid, tanh, mul, add, slices
and stack, so that every step and gate is in the graph:

- the fused ops' recorded backward (``create_graph=True``) recomputes the sequence with
  `lstm_sequence` / `gru_sequence` and differentiates it, so gradients of gradients exist;
- ``nn.LSTM(fused=False)``, ``nn.GRU(fused=False)``, ``nn.LSTMCell`` and ``nn.GRUCell``
  build their steps from `lstm_cell` / `gru_cell`.

Layouts are PyTorch's (see `autograd.ops.rnn`): x (T, B, D), states (B, H),
``w_ih (G·H, D)``, ``w_hh (G·H, H)``, ``b_ih``, ``b_hh (G·H,)``.
"""

from __future__ import annotations

from typing import Any

from autograd.ops.shape import stack
from autograd.tensor import Tensor


def lstm_cell(
    x: Tensor,
    h: Tensor,
    c: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    w_peep: Tensor | None = None,
    *,
    variant: str = "standard",
) -> tuple[Tensor, Tensor]:
    """One LSTM step from primitive ops: x (B, D), h, c (B, H) -> (h', c'), each (B, H).

    Weights as `autograd.ops.rnn.lstm` (biases may be None: no bias); gates i, f, g, o
    (f, g, o for ``"coupled"``), ``w_peep (3, H)`` for ``"peephole"``.
    """
    hidden = h.shape[1]
    z = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        z = z + b_ih + b_hh
    blocks = [z[:, k * hidden : (k + 1) * hidden] for k in range(z.shape[1] // hidden)]
    if variant == "coupled":
        zf, zg, zo = blocks
        f = zf.sigmoid()
        c = f * c + (1 - f) * zg.tanh()
    else:
        zi, zf, zg, zo = blocks
        if variant == "peephole":
            assert w_peep is not None, "lstm_cell: the peephole variant needs w_peep"
            zi = zi + w_peep[0] * c
            zf = zf + w_peep[1] * c
        c = zf.sigmoid() * c + zi.sigmoid() * zg.tanh()
    if variant == "peephole":
        assert w_peep is not None
        zo = zo + w_peep[2] * c
    h = zo.sigmoid() * c.tanh()
    return h, c


def gru_cell(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
) -> Tensor:
    """One GRU step from primitive ops: x (B, D), h (B, H) -> h' (B, H).

    Weights as `autograd.ops.rnn.gru` (biases may be None: no bias); gates r, z, n, with
    b_hn inside the reset product as in PyTorch.
    """
    hidden = h.shape[1]
    gi, gh = x @ w_ih.T, h @ w_hh.T
    if b_ih is not None:
        gi, gh = gi + b_ih, gh + b_hh
    r = (gi[:, :hidden] + gh[:, :hidden]).sigmoid()
    z = (gi[:, hidden : 2 * hidden] + gh[:, hidden : 2 * hidden]).sigmoid()
    n = (gi[:, 2 * hidden :] + r * gh[:, 2 * hidden :]).tanh()
    return (1 - z) * n + z * h


def lstm_sequence(
    x: Tensor,
    h0: Tensor,
    c0: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    w_peep: Any = None,
    *,
    variant: str = "standard",
) -> Tensor:
    """The fused ``lstm`` op's output from `lstm_cell` steps: x (T, B, D), h0, c0 (B, H) ->
    the packed (T+1, B, H) tensor, rows 0…T-1 the hidden states h_1 … h_T, row T c_T."""
    h, c = h0, c0
    outs = []
    for t in range(x.shape[0]):
        h, c = lstm_cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh, w_peep, variant=variant)
        outs.append(h)
    return stack([*outs, c])


def gru_sequence(
    x: Tensor, h0: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
) -> Tensor:
    """The fused ``gru`` op's output from `gru_cell` steps: x (T, B, D), h0 (B, H) ->
    (T, B, H), the hidden states h_1 … h_T."""
    h = h0
    outs = []
    for t in range(x.shape[0]):
        h = gru_cell(x[t], h, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
    return stack(outs)
