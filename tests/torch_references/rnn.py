"""PyTorch counterparts of the recurrent ops: ``lstm`` (packed (T+1, B, H) output) and ``gru``.

The standard LSTM and the GRU use PyTorch's own implementation (``torch.lstm``,
``torch.gru``, what ``nn.LSTM`` and ``nn.GRU`` call). PyTorch has no peephole or coupled LSTM,
so those are built from torch primitives, one step at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def lstm_cell_loop(torch: Any, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_peep=None, variant="standard"):
    """Any LSTM variant from torch primitives; returns the packed (T+1, B, H) tensor."""
    hidden = h0.shape[1]
    h, c = h0, c0
    outs = []
    for t in range(x.shape[0]):
        z = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        blocks = torch.split(z, hidden, dim=1)
        if variant == "coupled":
            zf, zg, zo = blocks
            f = torch.sigmoid(zf)
            c = f * c + (1 - f) * torch.tanh(zg)
        else:
            zi, zf, zg, zo = blocks
            if variant == "peephole":
                zi = zi + w_peep[0] * c
                zf = zf + w_peep[1] * c
            c = torch.sigmoid(zf) * c + torch.sigmoid(zi) * torch.tanh(zg)
            if variant == "peephole":
                zo = zo + w_peep[2] * c
        h = torch.sigmoid(zo) * torch.tanh(c)
        outs.append(h)
    return torch.stack([*outs, c])


def references(torch: Any) -> dict[str, Callable[..., Any]]:
    def lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh, *w_peep, variant="standard"):
        if variant != "standard":
            return lstm_cell_loop(
                torch, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *w_peep, variant=variant
            )
        weights = [w_ih, w_hh, b_ih, b_hh]
        out, _, c_n = torch.lstm(
            x, (h0[None], c0[None]), weights, True, 1, 0.0, False, False, False
        )
        return torch.cat([out, c_n])

    def gru(x, h0, w_ih, w_hh, b_ih, b_hh):
        weights = [w_ih, w_hh, b_ih, b_hh]
        return torch.gru(x, h0[None], weights, True, 1, 0.0, False, False, False)[0]

    return {"lstm": lstm, "gru": gru}
