"""Recurrent layers with PyTorch's names and layouts: ``weight_ih_l{k} (G·H, D)``,
``weight_hh_l{k} (G·H, H)``, ``bias_ih_l{k}``, ``bias_hh_l{k}``; gates i, f, g, o (LSTM)
and r, z, n (GRU); input (T, B, D) ((B, T, D) with ``batch_first``), state
(num_layers·num_directions, B, H). ``bidirectional`` adds ``*_l{k}_reverse`` weights, run on
the time-reversed sequence; ``dropout`` acts between layers in training mode, as PyTorch.

``LSTM(fused=True)`` runs each layer as one fused kernel op; ``fused=False`` builds the
same cell from primitive ops, one ``cell`` scope per step, so the graph shows every gate.
The cells `lstm_cell` and `gru_cell` come from `autograd.ops.rnn_cells`: the compositions
the fused ops' recorded backward (``create_graph=True``) recomputes a sequence with.
"""

from __future__ import annotations

import numbers
import warnings
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


def _check_dropout(name: str, dropout: Any, num_layers: int) -> float:
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, numbers.Real)
        # typeshed's numbers.Real declares only __lt__ and __le__ (see nn.layers)
        or not 0.0 <= dropout <= 1.0  # type: ignore[operator]
    ):
        raise ValueError(f"{name}: dropout must be a number in [0, 1], got {dropout!r}")
    if dropout > 0 and num_layers == 1:  # type: ignore[operator]
        warnings.warn(
            f"{name}: dropout adds dropout after all but the last recurrent layer, so non-zero "
            f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
            f"num_layers={num_layers}",
            stacklevel=3,
        )
    return float(dropout)


class _Recurrent(Module):
    """The stacking shared by RNN, LSTM and GRU: layout (batch_first), directions (the reverse
    one runs the same cell on x[::-1] and its output is flipped back and concatenated on the
    feature axis), dropout between layers (training only) and the final states in PyTorch's
    order (layer 0 forward, layer 0 reverse, layer 1 forward, ...). Subclasses give
    `_layer(x, k, suffix, states) -> (out (T, B, H), final states)` for one direction."""

    gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int,
        bias: bool,
        gates: int = 0,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ):
        super().__init__()
        name = type(self).__name__
        self.gates = gates or type(self).gates
        if num_layers < 1:
            raise ValueError(f"{name}: num_layers must be >= 1, got {num_layers}")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias = num_layers, bias
        self.dropout = _check_dropout(name, dropout, num_layers)
        self.batch_first, self.bidirectional = bool(batch_first), bool(bidirectional)
        self.num_directions = 2 if bidirectional else 1
        bound = init.fan_in_bound(hidden_size)
        rows = self.gates * hidden_size
        for k in range(num_layers):
            d = input_size if k == 0 else hidden_size * self.num_directions
            for sfx in self._suffixes():
                setattr(self, f"weight_ih_l{k}{sfx}", Parameter(init.uniform((rows, d), bound)))
                w_hh = Parameter(init.uniform((rows, hidden_size), bound))
                setattr(self, f"weight_hh_l{k}{sfx}", w_hh)
                if bias:
                    setattr(self, f"bias_ih_l{k}{sfx}", Parameter(init.uniform((rows,), bound)))
                    setattr(self, f"bias_hh_l{k}{sfx}", Parameter(init.uniform((rows,), bound)))

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(
        self, k: int, sfx: str = ""
    ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        w = (getattr(self, f"weight_ih_l{k}{sfx}"), getattr(self, f"weight_hh_l{k}{sfx}"))
        if not self.bias:
            return (*w, None, None)
        return (*w, getattr(self, f"bias_ih_l{k}{sfx}"), getattr(self, f"bias_hh_l{k}{sfx}"))

    def _check(self, x: Tensor) -> None:
        if x.ndim != 3 or x.shape[2] != self.input_size:
            layout = "(B, T, {})" if self.batch_first else "(T, B, {})"
            raise ValueError(
                f"{type(self).__name__}: input must be {layout.format(self.input_size)}, "
                f"got {x.shape}"
            )

    def _stack(self, x: Tensor, states: dict[str, Any]) -> tuple[Tensor, list[Tensor]]:
        """x as given (batch_first or not), states {"h0": ..., "c0": ...} (each None or
        (L·D, B, H)) -> (output in x's layout, [h_n, (c_n)] each (L·D, B, H))."""
        self._check(x)
        name, hidden = type(self).__name__, self.hidden_size
        if self.batch_first:
            x = x.transpose((1, 0, 2))
        batch, n = x.shape[1], self.num_layers * self.num_directions
        given = [_state(s, n, batch, hidden, f"{name} {w}", x) for w, s in states.items()]
        finals: list[list[Tensor]] = [[] for _ in given]
        for k in range(self.num_layers):
            if k > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, True, rng=init.generator())
            outs = []
            for d, sfx in enumerate(self._suffixes()):
                i = k * self.num_directions + d
                init_states = [
                    s[i] if s[i] is not None else _zeros(batch, hidden, x) for s in given
                ]
                out, last = self._layer(x[::-1] if d else x, k, sfx, init_states)
                outs.append(out[::-1] if d else out)
                for f, s in zip(finals, last, strict=True):
                    f.append(s)
            x = outs[0] if len(outs) == 1 else autograd.concatenate(outs, axis=2)
        if self.batch_first:
            x = x.transpose((1, 0, 2))
        return x, [autograd.stack(f) for f in finals]

    def _layer(self, x: Tensor, k: int, sfx: str, states: list) -> tuple[Tensor, tuple]:
        raise NotImplementedError

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_Recurrent):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        *,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
        )
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, h0: Any = None) -> tuple[Tensor, Tensor]:
        """x (T, B, D) ((B, T, D) if batch_first), h0 (L·dirs, B, H) -> (output (T, B, dirs·H)
        (or (B, T, dirs·H)), h_n (L·dirs, B, H))."""
        out, (h_n,) = self._stack(x, {"h0": h0})
        return out, h_n

    def _layer(self, x: Tensor, k: int, sfx: str, states: list) -> tuple[Tensor, tuple]:
        w_ih, w_hh, b_ih, b_hh = self._weights(k, sfx)
        (h,) = states
        outs = []
        for t in range(x.shape[0]):
            with name_scope("cell"):
                z = x[t] @ w_ih.T + h @ w_hh.T
                if b_ih is not None:
                    z = z + b_ih + b_hh
                h = z.tanh() if self.nonlinearity == "tanh" else z.relu()
            outs.append(h)
        return autograd.stack(outs), (h,)


class LSTM(_Recurrent):
    """LSTM (gates i, f, g, o) with variants "standard", "peephole" (weight_peep_l{k} (3, H),
    and weight_peep_l{k}_reverse when bidirectional: i and f look at c_{t-1}, o at c_t) and
    "coupled" (C_t = f·C_{t-1} + (1-f)·C̃_t; gates f, g, o, so weights have 3H rows)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        variant: str = "standard",
        fused: bool = True,
        bias: bool = True,
        *,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ):
        if variant not in VARIANTS:
            raise ValueError(f"LSTM: variant must be one of {VARIANTS}, got {variant!r}")
        gates = 3 if variant == "coupled" else 4
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            gates,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
        )
        self.variant, self.fused = variant, fused
        if variant == "peephole":
            bound = init.fan_in_bound(hidden_size)
            for k in range(num_layers):
                for sfx in self._suffixes():
                    peep = Parameter(init.uniform((3, hidden_size), bound))
                    setattr(self, f"weight_peep_l{k}{sfx}", peep)

    def forward(self, x: Tensor, state: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """x (T, B, D) ((B, T, D) if batch_first), optional (h0, c0) each (L·dirs, B, H) ->
        (output (T, B, dirs·H) (or (B, T, dirs·H)), (h_n, c_n))."""
        h0, c0 = state if state is not None else (None, None)
        out, (h_n, c_n) = self._stack(x, {"h0": h0, "c0": c0})
        return out, (h_n, c_n)

    def _layer(self, x: Tensor, k: int, sfx: str, states: list) -> tuple[Tensor, tuple]:
        w = self._weights(k, sfx)
        peep = getattr(self, f"weight_peep_l{k}{sfx}") if self.variant == "peephole" else None
        h, c = states
        if self.fused:
            out, (h, c) = F.lstm(x, h, c, *w, peep, variant=self.variant)
            return out, (h, c)
        outs = []
        for t in range(x.shape[0]):
            with name_scope("cell"):
                h, c = lstm_cell(x[t], h, c, *w, peep, variant=self.variant)
            outs.append(h)
        return autograd.stack(outs), (h, c)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", variant={self.variant!r}, fused={self.fused}"


class GRU(_Recurrent):
    """GRU (gates r, z, n; b_hn inside the reset product, as PyTorch), fused per layer."""

    gates = 3

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        fused: bool = True,
        *,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ):
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
        )
        self.fused = fused

    def forward(self, x: Tensor, h0: Any = None) -> tuple[Tensor, Tensor]:
        """x (T, B, D) ((B, T, D) if batch_first), h0 (L·dirs, B, H) -> (output (T, B, dirs·H)
        (or (B, T, dirs·H)), h_n (L·dirs, B, H))."""
        out, (h_n,) = self._stack(x, {"h0": h0})
        return out, h_n

    def _layer(self, x: Tensor, k: int, sfx: str, states: list) -> tuple[Tensor, tuple]:
        w = self._weights(k, sfx)
        (h,) = states
        if self.fused:
            out, h = F.gru(x, h, *w)
            return out, (h,)
        outs = []
        for t in range(x.shape[0]):
            with name_scope("cell"):
                h = gru_cell(x[t], h, *w)
            outs.append(h)
        return autograd.stack(outs), (h,)


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
