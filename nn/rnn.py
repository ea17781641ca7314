"""Recurrent layers with PyTorch's names and layouts: ``weight_ih_l{k} (G·H, D)``,
``weight_hh_l{k} (G·H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k}``; gates i, f, g, o (LSTM)
and r, z, n (GRU); input (T, B, D), state (num_layers, B, H).

``LSTM(fused=True)`` runs each layer as one fused kernel op; ``fused=False`` builds the
same cell from primitive ops, one ``cell`` scope per step, so the graph shows every gate.
The cells `lstm_cell` and `gru_cell` come from `autograd.ops.rnn_cells`: the compositions
the fused ops' recorded backward (``create_graph=True``) recomputes a sequence with.
"""

from __future__ import annotations

from typing import Any

import autograd
import autograd.functional as F
from autograd import Tensor, name_scope
from autograd.ops.rnn_cells import gru_cell, lstm_cell
from nn import init
from nn.module import Module, Parameter

VARIANTS = ("standard", "peephole", "coupled")


def _state(h: Any, layers: int, batch: int, hidden: int, what: str, like: Tensor) -> list:
    if h is None:
        return [None] * layers
    h = h if isinstance(h, Tensor) else Tensor(h)
    if h.shape != (layers, batch, hidden):
        raise ValueError(f"{what}: expected shape {(layers, batch, hidden)}, got {h.shape}")
    return [h[k] for k in range(layers)]


def _zeros(batch: int, hidden: int, like: Tensor) -> Tensor:
    import numpy as np

    return Tensor(np.zeros((batch, hidden), dtype=like.dtype))


class _Recurrent(Module):
    gates = 1

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int, bias: bool, gates: int = 0
    ):
        super().__init__()
        self.gates = gates or type(self).gates
        if num_layers < 1:
            raise ValueError(f"{type(self).__name__}: num_layers must be >= 1, got {num_layers}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias = num_layers, bias
        bound = init.fan_in_bound(hidden_size)
        rows = self.gates * hidden_size
        for k in range(num_layers):
            d = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", Parameter(init.uniform((rows, d), bound)))
            setattr(self, f"weight_hh_l{k}", Parameter(init.uniform((rows, hidden_size), bound)))
            if bias:
                setattr(self, f"bias_ih_l{k}", Parameter(init.uniform((rows,), bound)))
                setattr(self, f"bias_hh_l{k}", Parameter(init.uniform((rows,), bound)))

    def _weights(self, k: int) -> tuple:
        b = (
            (getattr(self, f"bias_ih_l{k}"), getattr(self, f"bias_hh_l{k}"))
            if self.bias
            else (
                None,
                None,
            )
        )
        return (getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}"), *b)

    def _check(self, x: Tensor) -> None:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: input must be (T, B, {self.input_size}), got {x.shape}"
            )

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"


class RNN(_Recurrent):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, h0: Any = None) -> tuple[Tensor, Tensor]:
        """x (T, B, D), h0 (L, B, H) -> (output (T, B, H), h_n (L, B, H))."""
        self._check(x)
        hs = _state(h0, self.num_layers, x.shape[1], self.hidden_size, "RNN h0", x)
        finals = []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._weights(k)
            h = hs[k] if hs[k] is not None else _zeros(x.shape[1], self.hidden_size, x)
            outs = []
            for t in range(x.shape[0]):
                with name_scope("cell"):
                    z = x[t] @ w_ih.T + h @ w_hh.T
                    if b_ih is not None:
                        z = z + b_ih + b_hh
                    h = z.tanh() if self.nonlinearity == "tanh" else z.relu()
                outs.append(h)
            x = autograd.stack(outs)
            finals.append(h)
        return x, autograd.stack(finals)


class LSTM(_Recurrent):
    """LSTM (gates i, f, g, o) with variants "standard", "peephole" (weight_peep_l{k} (3, H):
    i and f look at c_{t-1}, o at c_t) and "coupled" (C_t = f·C_{t-1} + (1-f)·C̃_t; gates
    f, g, o, so weights have 3H rows)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        variant: str = "standard",
        fused: bool = True,
        bias: bool = True,
    ):
        if variant not in VARIANTS:
            raise ValueError(f"LSTM: variant must be one of {VARIANTS}, got {variant!r}")
        gates = 3 if variant == "coupled" else 4
        super().__init__(input_size, hidden_size, num_layers, bias, gates)
        self.variant, self.fused = variant, fused
        if variant == "peephole":
            bound = init.fan_in_bound(hidden_size)
            for k in range(num_layers):
                setattr(self, f"weight_peep_l{k}", Parameter(init.uniform((3, hidden_size), bound)))

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x (T, B, D), optional (h0, c0) each (L, B, H) -> (output (T, B, H), (h_n, c_n))."""
        self._check(x)
        batch, hidden = x.shape[1], self.hidden_size
        h0, c0 = state if state is not None else (None, None)
        hs = _state(h0, self.num_layers, batch, hidden, "LSTM h0", x)
        cs = _state(c0, self.num_layers, batch, hidden, "LSTM c0", x)
        h_n, c_n = [], []
        for k in range(self.num_layers):
            w = self._weights(k)
            peep = getattr(self, f"weight_peep_l{k}") if self.variant == "peephole" else None
            h = hs[k] if hs[k] is not None else _zeros(batch, hidden, x)
            c = cs[k] if cs[k] is not None else _zeros(batch, hidden, x)
            if self.fused:
                x, (h, c) = F.lstm(x, h, c, *w, peep, variant=self.variant)
            else:
                outs = []
                for t in range(x.shape[0]):
                    with name_scope("cell"):
                        h, c = lstm_cell(x[t], h, c, *w, peep, variant=self.variant)
                    outs.append(h)
                x = autograd.stack(outs)
            h_n.append(h)
            c_n.append(c)
        return x, (autograd.stack(h_n), autograd.stack(c_n))

    def extra_repr(self) -> str:
        return super().extra_repr() + f", variant={self.variant!r}, fused={self.fused}"


class GRU(_Recurrent):
    """GRU (gates r, z, n; b_hn inside the reset product, as PyTorch), fused per layer."""

    gates = 3

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, fused=True):
        super().__init__(input_size, hidden_size, num_layers, bias)
        self.fused = fused

    def forward(self, x: Tensor, h0: Any = None) -> tuple[Tensor, Tensor]:
        """x (T, B, D), h0 (L, B, H) -> (output (T, B, H), h_n (L, B, H))."""
        self._check(x)
        hs = _state(h0, self.num_layers, x.shape[1], self.hidden_size, "GRU h0", x)
        finals = []
        for k in range(self.num_layers):
            w = self._weights(k)
            h = hs[k] if hs[k] is not None else _zeros(x.shape[1], self.hidden_size, x)
            if self.fused:
                x, h = F.gru(x, h, *w)
            else:
                outs = []
                for t in range(x.shape[0]):
                    with name_scope("cell"):
                        h = gru_cell(x[t], h, *w)
                    outs.append(h)
                x = autograd.stack(outs)
            finals.append(h)
        return x, autograd.stack(finals)


class _Cell(Module):
    gates = 4

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        bound = init.fan_in_bound(hidden_size)
        rows = self.gates * hidden_size
        self.weight_ih = Parameter(init.uniform((rows, input_size), bound))
        self.weight_hh = Parameter(init.uniform((rows, hidden_size), bound))
        self.bias_ih = Parameter(init.uniform((rows,), bound)) if bias else None
        self.bias_hh = Parameter(init.uniform((rows,), bound)) if bias else None

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class LSTMCell(_Cell):
    """One LSTM step: x (B, D), (h, c) each (B, H) -> (h', c')."""

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, Tensor]:
        """x (B, D), optional (h, c) -> (h', c'), each (B, H)."""
        if state is None:
            state = (_zeros(x.shape[0], self.hidden_size, x),) * 2
        h, c = state
        w = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return lstm_cell(x, h, c, *w)


class GRUCell(_Cell):
    """One GRU step: x (B, D), h (B, H) -> h'."""

    gates = 3

    def forward(self, x: Tensor, h: Any = None) -> Tensor:
        """x (B, D), optional h (B, H) -> h' (B, H)."""
        if h is None:
            h = _zeros(x.shape[0], self.hidden_size, x)
        return gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
