"""Recurrent ops: a fused LSTM (standard, peephole, coupled) and a fused GRU over a sequence.

Each is one node of the graph, whatever the sequence length: forward runs the whole time
loop in `autograd.kernels.lstm` / `.gru` and keeps the gate activations; backward runs back
through time. Layouts are PyTorch's: x (T, B, D), h0 and c0 (B, H), ``w_ih (G·H, D)``,
``w_hh (G·H, H)``, ``b_ih``, ``b_hh (G·H,)``.

An op has one output array, so the ``lstm`` node returns a packed (T+1, B, H) array: rows
0…T-1 are the hidden outputs h_1 … h_T and row T is the final cell state c_T. The public
`lstm` slices it with ordinary indexing, so backward receives one gradient holding dL/dh_t
for every step and dL/dc_T.

Gradients of gradients (``create_graph=True``) fall back to the unfused cell: the recorded
backward of either op recomputes the forward from its inputs with the primitive-op sequences
of `autograd.ops.rnn_cells` (every gate a matmul, sigmoid, tanh, mul, add or slice, the steps
stacked into the same packed layout), in the dtype the kernel computed in, and returns the
gradient of that recomputation (``autograd.grad(..., create_graph=True)``) for every input
that requires grad: the same values as the kernel's backward (to rounding), now recorded, so
differentiable again to any order. That inner gradient stops at the op's inputs (it never
walks or runs hooks on the graph that made them) and its ops are tagged as this op's
backward. It costs a second forward pass and a graph of some twenty ops per step; the
default backward (``create_graph=False``) is the kernel's, untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autograd.function import Function
from autograd.kernels.gru import gru_backward, gru_forward
from autograd.kernels.lstm import VARIANTS, lstm_backward, lstm_forward
from autograd.ops.rnn_cells import gru_sequence, lstm_sequence
from autograd.ops.unary import Cast, cast
from autograd.state import STATE
from autograd.tensor import Tensor, lift, wrap


def _common(arrays: tuple[np.ndarray, ...]) -> list[np.ndarray]:
    """The arrays as C-contiguous float32 if all are float32, else float64 (what the
    kernels are compiled for); arrays already in that form are passed through uncopied."""
    dtype = np.float32 if np.result_type(*arrays) == np.float32 else np.float64
    return [np.ascontiguousarray(a, dtype=dtype) for a in arrays]


#: (T, B, D, H) of the samples; the second-order check takes the first three (the last adds
#: nothing new to the fallback's graph but time: each gradgradcheck runs the fallback twice
#: per input entry)
_SIZES = [(1, 1, 1, 1), (3, 2, 3, 2), (1, 2, 2, 3), (3, 1, 2, 3)]


def _rnn_samples(
    rng: np.random.Generator,
    gates: int,
    with_c: bool,
    with_peep: bool = False,
    sizes: list[tuple[int, int, int, int]] = _SIZES,
) -> Iterator[tuple[np.ndarray, ...]]:
    """Tiny float64 cases, (T, B, D, H) including a size-1 one; weights scaled so the gates
    stay away from saturation (finite differences stay informative)."""
    for steps, batch, dim, hidden in sizes:
        arrays = [rng.standard_normal((steps, batch, dim)), rng.standard_normal((batch, hidden))]
        if with_c:
            arrays.append(rng.standard_normal((batch, hidden)))
        arrays += [
            0.6 * rng.standard_normal((gates * hidden, dim)),
            0.6 * rng.standard_normal((gates * hidden, hidden)),
            0.3 * rng.standard_normal(gates * hidden),
            0.3 * rng.standard_normal(gates * hidden),
        ]
        if with_peep:
            arrays.append(0.6 * rng.standard_normal((3, hidden)))
        yield tuple(arrays)


def _unfused_backward(
    ctx: Function, grad: Tensor, out: Tensor, sequence: Callable[..., Tensor], **attrs: Any
) -> tuple[Tensor | None, ...]:
    """The recorded backward of a fused recurrent op: ``sequence`` (`lstm_sequence` or
    `gru_sequence`) recomputes its output from ``ctx.parents`` with primitive ops, and its
    gradient for ``grad`` is recorded; one Tensor (or None) per parent."""
    from autograd.engine import grad as gradient  # the engine imports the ops

    dtype = out.dtype
    # stand-ins: the parents in the dtype the kernel computed in, through a recorded op (a
    # copy) for those that require grad, one per parent, so that a tensor passed twice
    # (one array as both biases) gets each use's gradient, and the gradients stay tied to them
    inputs = [
        Cast.apply(p, dtype=dtype) if p._requires_grad else cast(p, dtype) for p in ctx.parents
    ]
    packed = sequence(*inputs, **attrs)
    wrt = [t for p, t in zip(ctx.parents, inputs) if p._requires_grad]
    # autograd.grad stops at the stand-ins: nothing that made the parents is visited
    seed = cast(grad, dtype)
    found = gradient(packed, wrt, seed, create_graph=True, allow_unused=True)
    _serve(found, [seed, *inputs], STATE.backward_of)
    grads = iter(found)
    return tuple(next(grads) if p._requires_grad else None for p in ctx.parents)


def _serve(found: tuple, starts: list[Tensor], tag: Any) -> None:
    """Tag every op between ``starts`` (the seed and the stand-ins) and the gradients
    ``found`` as the outer backward's (``tag``: this op's output, "vjp"). The inner
    ``autograd.grad`` tagged its ops as the backward of the recomputed tensors, which would
    draw them as a backward of a backward; they are this op's first-order backward."""
    stack = [g for g in found if g is not None]
    seen = {id(t) for t in starts}
    while stack:
        t = stack.pop()
        if t._ctx is None or id(t) in seen:
            continue
        seen.add(id(t))
        t._ctx.backward_of = tag
        stack.extend(t._ctx.parents)


class LSTM(Function):
    name = "lstm"

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *w_peep, variant="standard"):
        code = VARIANTS[variant][0]
        x, h0, c0, w_ih, w_hh, b_ih, b_hh, *peeps = _common(
            (x, h0, c0, w_ih, w_hh, b_ih, b_hh, *w_peep)
        )
        # standard and coupled add peephole terms with zero weights (exact: 0·c = 0)
        peep = peeps[0] if peeps else np.zeros((3, h0.shape[1]), x.dtype)
        hs, cs, gates = lstm_forward(x, h0, c0, w_ih, w_hh, b_ih + b_hh, peep, code)
        packed = hs[1:]  # h_1 … h_T, c_T: a view, hs[:T] are the previous hidden states
        ctx.code = code
        ctx.has_peep = bool(w_peep)
        ctx.save_for_backward(x, w_ih, w_hh, peep, packed, hs, cs, gates)
        return packed

    @staticmethod
    def backward(ctx, grad):
        x, w_ih, w_hh, peep, _, hs, cs, gates = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad = np.ascontiguousarray(grad, dtype=x.dtype)
        # d/d(everything): backpropagation through time in the kernel module
        dx, dh0, dc0, dw_ih, dw_hh, db, dpeep = lstm_backward(
            grad, x, w_ih, w_hh, peep, hs, cs, gates, ctx.code, needs[0], needs[1] or needs[2]
        )
        # d/db_ih = d/db_hh: both biases enter the gates as one sum
        grads = (dx, dh0, dc0, dw_ih, dw_hh, db, db)
        return (*grads, dpeep) if ctx.has_peep else grads

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        variant = next(name for name, (code, _) in VARIANTS.items() if code == ctx.code)
        return _unfused_backward(ctx, grad, out, lstm_sequence, variant=variant)

    @staticmethod
    def sample_inputs(rng, sizes=_SIZES):
        for variant, (_, gates) in VARIANTS.items():
            for arrays in _rnn_samples(rng, gates, True, variant == "peephole", sizes):
                yield arrays, {"variant": variant}

    @classmethod
    def second_order_samples(cls, rng):
        return cls.sample_inputs(rng, _SIZES[:3])


class GRU(Function):
    name = "gru"

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh):
        x, h0, w_ih, w_hh, b_ih, b_hh = _common((x, h0, w_ih, w_hh, b_ih, b_hh))
        hs, gates, hns = gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh)
        out = hs[1:]
        ctx.save_for_backward(x, w_ih, w_hh, out, hs, gates, hns)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w_ih, w_hh, _, hs, gates, hns = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad = np.ascontiguousarray(grad, dtype=x.dtype)
        # d/d(everything): backpropagation through time in the kernel module
        return gru_backward(grad, x, w_ih, w_hh, hs, gates, hns, needs[0], needs[1])

    @staticmethod
    def differentiable_backward(ctx, grad, out):
        return _unfused_backward(ctx, grad, out, gru_sequence)

    @staticmethod
    def sample_inputs(rng, sizes=_SIZES):
        for arrays in _rnn_samples(rng, 3, False, sizes=sizes):
            yield arrays, {}

    @classmethod
    def second_order_samples(cls, rng):
        return cls.sample_inputs(rng, _SIZES[:3])


# --- public functions ----------------------------------------------------------------------


def _check(
    op: str, name: str, t: Tensor, layout: str, expected: tuple[int, ...], where: str
) -> None:
    if t.shape != expected:
        raise ValueError(
            f"{op}: {name} must have shape {layout} = {expected} ({where}), got {t.shape}"
        )


def _check_common(
    op: str,
    x: Tensor,
    h0: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor,
    b_hh: Tensor,
    gates: int,
    note: str = "",
) -> tuple[int, int, int, int]:
    """Validate the shapes an LSTM and a GRU share (``note``: " for variant ..." or "");
    return (T, B, D, H)."""
    if x.ndim != 3:
        raise ValueError(f"{op}: x must be 3-D (T, B, D), got shape {x.shape}")
    steps, batch, dim = x.shape
    if steps == 0:
        raise ValueError(f"{op}: x has shape {x.shape}: the sequence is empty (T = 0)")
    g = f"{gates}H"
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(f"{op}: w_hh must have shape ({g}, H){note}, got {w_hh.shape}")
    hidden = w_hh.shape[1]
    h = f"H = {hidden} from w_hh {w_hh.shape}"
    where = f"{note.strip()}, {h}" if note else h
    shape_x = f"x {x.shape}"
    _check(op, "w_ih", w_ih, f"({g}, D)", (gates * hidden, dim), f"{where}, D from {shape_x}")
    _check(op, "h0", h0, "(B, H)", (batch, hidden), f"B from {shape_x}, {h}")
    _check(op, "b_ih", b_ih, f"({g},)", (gates * hidden,), where)
    _check(op, "b_hh", b_hh, f"({g},)", (gates * hidden,), where)
    return steps, batch, dim, hidden


def _tensor_or_zeros(value: Any, shape: tuple[int, ...], like: Tensor) -> Tensor:
    if value is None:
        return wrap(np.zeros(shape, dtype=like.dtype))
    return lift(value)


def lstm(
    x: Any,
    h0: Any,
    c0: Any,
    w_ih: Any,
    w_hh: Any,
    b_ih: Any,
    b_hh: Any,
    w_peep: Any = None,
    *,
    variant: str = "standard",
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """A one-layer LSTM over a whole sequence, fused into one op (gate order i, f, g, o).

    Shapes (PyTorch's): x (T, B, D); h0, c0 (B, H) (None: zeros); w_ih (G·H, D);
    w_hh (G·H, H); b_ih, b_hh (G·H,) (None: zeros); G = 4, or 3 for ``"coupled"``.
    Returns ``(out, (h_T, c_T))`` with out (T, B, H) = h_1 … h_T and h_T, c_T (B, H).

    With z = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh split into gate blocks::

        i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
        c_t = f ⊙ c_{t-1} + i ⊙ g        h_t = o ⊙ tanh(c_t)

    ``variant="peephole"`` (Gers & Schmidhuber) takes ``w_peep (3, H)`` = p_i, p_f, p_o:
    z_i += p_i ⊙ c_{t-1}, z_f += p_f ⊙ c_{t-1}, z_o += p_o ⊙ c_t. ``variant="coupled"`` has
    no input gate (3H rows, gate order f, g, o) and c_t = f ⊙ c_{t-1} + (1 - f) ⊙ g.
    """
    if variant not in VARIANTS:
        choices = ", ".join(repr(v) for v in VARIANTS)
        raise ValueError(f"lstm: unknown variant {variant!r}; choose from {choices}")
    gates = VARIANTS[variant][1]
    x, w_ih, w_hh = lift(x), lift(w_ih), lift(w_hh)
    if x.ndim != 3:
        raise ValueError(f"lstm: x must be 3-D (T, B, D), got shape {x.shape}")
    if w_hh.ndim != 2:
        raise ValueError(f"lstm: w_hh must be 2-D ({gates}H, H), got shape {w_hh.shape}")
    state = (x.shape[1], w_hh.shape[1])
    h0 = _tensor_or_zeros(h0, state, x)
    c0 = _tensor_or_zeros(c0, state, x)
    b_ih = _tensor_or_zeros(b_ih, (w_hh.shape[0],), x)
    b_hh = _tensor_or_zeros(b_hh, (w_hh.shape[0],), x)
    steps, batch, _, hidden = _check_common(
        "lstm", x, h0, w_ih, w_hh, b_ih, b_hh, gates, f" for variant {variant!r}"
    )
    _check("lstm", "c0", c0, "(B, H)", (batch, hidden), f"B from x {x.shape}, H from w_hh")
    inputs = [x, h0, c0, w_ih, w_hh, b_ih, b_hh]
    if variant == "peephole":
        if w_peep is None:
            raise ValueError(f"lstm: variant 'peephole' needs w_peep of shape (3, {hidden})")
        w_peep = lift(w_peep)
        _check("lstm", "w_peep", w_peep, "(3, H)", (3, hidden), f"H from w_hh {w_hh.shape}")
        inputs.append(w_peep)
    elif w_peep is not None:
        raise ValueError(f"lstm: w_peep is only used by variant 'peephole', not {variant!r}")
    packed = LSTM.apply(*inputs, variant=variant)
    return packed[:steps], (packed[steps - 1], packed[steps])


def gru(x: Any, h0: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> tuple[Tensor, Tensor]:
    """A one-layer GRU over a whole sequence, fused into one op (PyTorch's equations).

    Shapes: x (T, B, D); h0 (B, H) (None: zeros); w_ih (3H, D); w_hh (3H, H); b_ih, b_hh
    (3H,) (None: zeros), gate order r, z, n. Returns ``(out, h_T)``: out (T, B, H), h_T (B, H).
    Per step::

        r = σ(W_ir x + b_ir + W_hr h + b_hr)
        z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        h' = (1 - z) ⊙ n + z ⊙ h
    """
    x, w_ih, w_hh = lift(x), lift(w_ih), lift(w_hh)
    if x.ndim != 3:
        raise ValueError(f"gru: x must be 3-D (T, B, D), got shape {x.shape}")
    if w_hh.ndim != 2:
        raise ValueError(f"gru: w_hh must be 2-D (3H, H), got shape {w_hh.shape}")
    h0 = _tensor_or_zeros(h0, (x.shape[1], w_hh.shape[1]), x)
    b_ih = _tensor_or_zeros(b_ih, (w_hh.shape[0],), x)
    b_hh = _tensor_or_zeros(b_hh, (w_hh.shape[0],), x)
    steps = _check_common("gru", x, h0, w_ih, w_hh, b_ih, b_hh, 3)[0]
    out = GRU.apply(x, h0, w_ih, w_hh, b_ih, b_hh)
    return out, out[steps - 1]
