"""tracegrad's layer ops as ONNX nodes: conv2d, pooling, pad, embedding and the fused LSTM
and GRU (see `autograd.export_ops` for the converters' contract).

The fused recurrent ops map to ONNX's own LSTM and GRU nodes. Their weights stay the
parameters, named as in the state dict, in tracegrad's (PyTorch's) layout: the graph
reorders the gate blocks with a Gather, which ONNX Runtime folds once at load.

- LSTM: tracegrad gates i, f, g, o; ONNX i, o, f, c (its c is our g). The peephole variant's
  ``w_peep (3, H)`` = p_i, p_f, p_o is ONNX's P = p_i, p_o, p_f (the same equations: i and f
  look at c_{t-1}, o at c_t). The coupled variant (gates f, g, o; c_t = f·c_{t-1} + (1-f)·g)
  becomes a plain LSTM whose input-gate block is the negated forget-gate block: σ(-z) = 1 - σ(z).
- GRU: tracegrad (PyTorch) gates r, z, n; ONNX z, r, h, with ``linear_before_reset=1``
  (b_hn inside the reset product, as PyTorch).

The op's output is its packed array (h_1 … h_T and, for the LSTM, c_T); `lstm` and `gru`
read it only through ``out[:T]``, ``out[T-1]`` and ``out[T]``, which map to the node's Y,
Y_h and Y_c directly, so the sequence length may be a dynamic axis too.
"""

from __future__ import annotations

import numpy as np

from autograd.export import ExportError
from autograd.export_graph import Dyn, Graph, Value, axis_label
from autograd.export_ops import Converter, attr, result
from autograd.kernels.lstm import VARIANTS
from autograd.ops.pad import _widths
from autograd.tensor import Tensor


def _images_only(v: Value, what: str) -> Dyn:
    """The dynamic axes of an (N, C, H, W) input: only N may be dynamic."""
    if any(a != 0 for a in v.dyn):
        raise ExportError(f"{what} takes a dynamic batch axis (0) only, got {v.dyn}")
    return dict(v.dyn)


def _fixed(v: Value, what: str) -> str:
    if v.dyn:
        raise ExportError(f"the {what} has a dynamic axis; it must have a fixed shape")
    return v.name


def _conv2d(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    (sh, sw), (ph, pw) = attr(t, "geometry")
    x, w, *b = ins
    dyn = _images_only(x, "conv2d")
    args = [g.cast(x, t.dtype), g.cast(w, t.dtype), *[g.cast(v, t.dtype) for v in b]]
    _fixed(w, "conv2d weight")
    name = g.add(
        "Conv",
        *args,
        kernel_shape=list(w.shape[2:]),
        strides=[sh, sw],
        pads=[ph, pw, ph, pw],
    )
    return result(t, name, dyn)


def _pool(op_type: str) -> Converter:
    def convert(g: Graph, t: Tensor, ins: list[Value]) -> Value:
        kernel, stride = attr(t, "window")
        dyn = _images_only(ins[0], op_type)
        x = g.cast(ins[0], t.dtype)
        name = g.add(op_type, x, kernel_shape=list(kernel), strides=list(stride))
        return result(t, name, dyn)

    return convert


def _pad(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    v = ins[0]
    widths = _widths(tuple(attr(t, "pad")), v.ndim) if v.ndim else []
    for axis, (lo, hi) in enumerate(widths):
        if axis in v.dyn and (lo or hi):
            raise ExportError(f"pad changes {axis_label(v.dyn[axis])}")
    name = v.name
    crop = [(a, -min(lo, 0), min(hi, 0)) for a, (lo, hi) in enumerate(widths) if min(lo, hi) < 0]
    if crop:
        starts = [lo for _, lo, _ in crop]
        ends = [v.shape[a] + hi for a, _, hi in crop]
        name = g.add("Slice", name, g.ints(starts), g.ints(ends), g.ints([a for a, _, _ in crop]))
    grow = [max(lo, 0) for lo, _ in widths] + [max(hi, 0) for _, hi in widths]
    if any(grow):
        value = g.const(attr(t, "value"), t.dtype)
        name = g.add("Pad", name, g.ints(grow), value, mode="constant")
    return result(t, name if name != v.name else g.add("Identity", name), v.dyn)


def _embedding(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    weight, idx = ins
    _fixed(weight, "embedding weight")
    indices = idx.name if idx.dtype in (np.int64, np.int32) else g.cast(idx, np.dtype(np.int64))
    return result(t, g.add("Gather", weight.name, indices, axis=0), idx.dyn)


def _dropout(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    raise ExportError(
        "dropout was recorded because the module is in training mode; call model.eval() "
        "before to_onnx (to_onnx only calls the module, it never switches its mode)"
    )


# --- recurrent ------------------------------------------------------------------------------


def _sequence_dyn(x: Value) -> tuple[Dyn, Dyn]:
    """The dynamic axes of a (T, B, D) input: of the output (T, B, H) and of a state (B, H)."""
    if 2 in x.dyn:
        raise ExportError(f"the feature axis of the (T, B, D) input is {axis_label(x.dyn[2])}")
    seq = dict(x.dyn)
    return seq, ({0: seq[1]} if 1 in seq else {})


def _state(g: Graph, v: Value, state_dyn: Dyn, what: str) -> str:
    """An initial state (B, H) as ONNX's (1, B, H), or "" for a constant zero state (ONNX's
    default, so a zeros state made with the example's batch size does not fix it)."""
    if v.const is not None and not np.any(v.const):
        return ""
    if v.dyn != state_dyn:
        raise ExportError(
            f"the initial {what} of shape {v.shape} does not follow the input's dynamic "
            "axes: pass it as an input, or make the batch axis static"
        )
    return g.unsqueeze(v.name, [0])


def _rows(g: Graph, v: Value, blocks: list[int], hidden: int, dtype: np.dtype) -> str:
    """The gate blocks of a (G·H, ...) parameter in ONNX's order; a negative block number -k
    is block k-1 negated (the coupled LSTM's input gate)."""
    order = np.concatenate([np.arange(hidden) + (abs(b) - (b < 0)) * hidden for b in blocks])
    name = g.add("Gather", g.cast(v, dtype), g.ints(order), axis=0)
    if any(b < 0 for b in blocks):
        sign = np.concatenate([np.full(hidden, -1.0 if b < 0 else 1.0) for b in blocks])
        sign = sign.reshape(-1, *([1] * (v.ndim - 1))).astype(dtype)
        name = g.add("Mul", name, g.const(sign))
    return name


def _weights(
    g: Graph, ws: list[Value], blocks: list[int], hidden: int, dtype: np.dtype
) -> list[str]:
    """W (1, G·H, D), R (1, G·H, H), B (1, 2·G·H) of an ONNX LSTM or GRU node."""
    w_ih, w_hh, b_ih, b_hh = ws
    for v, what in zip(ws, ("weight_ih", "weight_hh", "bias_ih", "bias_hh")):
        _fixed(v, what)
    w = g.unsqueeze(_rows(g, w_ih, blocks, hidden, dtype), [0])
    r = g.unsqueeze(_rows(g, w_hh, blocks, hidden, dtype), [0])
    both = [_rows(g, v, blocks, hidden, dtype) for v in (b_ih, b_hh)]
    b = g.unsqueeze(g.add("Concat", *both, axis=0), [0])
    return [w, r, b]


def _recurrent_value(
    t: Tensor, g: Graph, outs: list[str], x: Value, seq_dyn: Dyn, state_dyn: Dyn
) -> Value:
    steps = x.shape[0]
    seq = g.squeeze(outs[0], [1])  # Y (T, 1, B, H) -> (T, B, H)
    parts = {"steps": steps, "seq": seq, "seq_dyn": seq_dyn, "state_dyn": state_dyn}
    parts["h"] = g.squeeze(outs[1], [0])
    if len(outs) == 2:  # GRU: the output is the sequence itself
        return result(t, seq, seq_dyn, rnn=parts)
    parts["c"] = g.squeeze(outs[2], [0])

    def packed() -> str:
        if 0 in seq_dyn:
            raise ExportError(
                "the packed output of lstm (h_1 … h_T, c_T) is read other than as out, h_T "
                "and c_T, with a dynamic sequence length"
            )
        return g.add("Concat", seq, outs[2], axis=0)

    dyn = {1: state_dyn[0]} if state_dyn else {}
    return Value("", t.shape, t.dtype, dyn, make=packed, rnn=parts)


def _lstm(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    x, h0, c0, *ws = ins
    variant = next(name for name, (code, _) in VARIANTS.items() if code == attr(t, "code"))
    hidden, dtype = ws[1].shape[1], t.dtype
    seq_dyn, state_dyn = _sequence_dyn(x)
    blocks = {"coupled": [-1, 2, 0, 1]}.get(variant, [0, 3, 1, 2])  # ONNX: i, o, f, c
    inputs = [g.cast(x, dtype), *_weights(g, ws[:4], blocks, hidden, dtype), ""]
    inputs += [_state(g, h0, state_dyn, "h0"), _state(g, c0, state_dyn, "c0")]
    if variant == "peephole":
        peep = g.add("Gather", g.cast(ws[4], dtype), g.ints([0, 2, 1]), axis=0)
        inputs.append(g.add("Reshape", peep, g.ints([1, 3 * hidden])))
    while inputs[-1] == "":
        inputs.pop()
    outs = g.node("LSTM", inputs, 3, hidden_size=hidden)
    return _recurrent_value(t, g, outs, x, seq_dyn, state_dyn)


def _gru(g: Graph, t: Tensor, ins: list[Value]) -> Value:
    x, h0, *ws = ins
    hidden, dtype = ws[1].shape[1], t.dtype
    seq_dyn, state_dyn = _sequence_dyn(x)
    inputs = [g.cast(x, dtype), *_weights(g, ws, [1, 0, 2], hidden, dtype), ""]  # z, r, h
    inputs.append(_state(g, h0, state_dyn, "h0"))
    while inputs[-1] == "":
        inputs.pop()
    outs = g.node("GRU", inputs, 2, hidden_size=hidden, linear_before_reset=1)
    return _recurrent_value(t, g, outs, x, seq_dyn, state_dyn)


LAYER_CONVERTERS: dict[str, Converter] = {
    "conv2d": _conv2d,
    "max_pool2d": _pool("MaxPool"),
    "avg_pool2d": _pool("AveragePool"),
    "pad": _pad,
    "embedding": _embedding,
    "dropout": _dropout,
    "lstm": _lstm,
    "gru": _gru,
}
