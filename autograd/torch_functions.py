"""PyTorch's module-level names, as ``autograd.<name>``: the factories (``zeros``, ``ones``,
``full``, ``zeros_like``, ``ones_like``, ``arange``, ``rand``, ``randn``), ``cat`` and the grad
modes ``set_grad_enabled`` and ``inference_mode``.

The factories take ``dtype=None`` (the default float dtype, `autograd.get_default_dtype`;
``full`` and ``arange`` infer an integer or bool dtype from their arguments, as PyTorch) and
``requires_grad=False``. ``rand`` and ``randn`` draw from `autograd.generator`, which
`autograd.manual_seed` seeds (a ``generator=`` numpy Generator overrides it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd.dtypes import get_default_dtype
from autograd.ops.shape import concatenate
from autograd.random import generator as default_generator
from autograd.state import STATE, _grad_mode
from autograd.tensor import Tensor, tensor_of

Size = int | Sequence[int]


def _size(op: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike; ``f(())`` is 0-d."""
    if not size:
        raise TypeError(f"{op}: missing the size, e.g. {op}(2, 3) or {op}(()) for 0-d")
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"{op}: sizes must be ints, got {size}")
        if n < 0:
            raise ValueError(f"{op}: negative size {n} in {tuple(size)}")
    return tuple(int(n) for n in size)


def _dtype(op: str, dtype: Any, default: np.dtype | None = None) -> np.dtype:
    if dtype is None:
        return get_default_dtype() if default is None else default
    try:
        d = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"{op}: {dtype!r} is not a dtype") from e
    if d.kind not in "biuf":
        raise TypeError(f"{op}: dtype must be numeric (float, int or bool), got {d}")
    return d


def _made(op: str, data: np.ndarray, requires_grad: bool) -> Tensor:
    """A new leaf holding ``data``; only a float tensor can require grad."""
    if requires_grad and data.dtype.kind != "f":
        raise TypeError(
            f"{op}: only floating-point tensors can require grad, this one is {data.dtype}"
        )
    out = tensor_of(data)
    out.requires_grad = bool(requires_grad)
    return out


def zeros(*size: Size, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _made("zeros", np.zeros(_size("zeros", size), _dtype("zeros", dtype)), requires_grad)


def ones(*size: Size, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _made("ones", np.ones(_size("ones", size), _dtype("ones", dtype)), requires_grad)


def full(size: Size, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; without ``dtype``, a bool gives bool,
    an int int64 and a float the default float dtype, as ``torch.full``."""
    shape = _size("full", (size,) if isinstance(size, int | np.integer) else (tuple(size),))
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    inferred: np.dtype
    if isinstance(fill_value, bool | np.bool_):
        inferred = np.dtype(bool)
    elif isinstance(fill_value, int | np.integer):
        inferred = np.dtype(np.int64)
    elif isinstance(fill_value, float | np.floating):
        inferred = get_default_dtype()
    else:
        raise TypeError(f"full: fill_value must be a number, got {type(fill_value).__name__}")
    data = np.full(shape, fill_value, dtype=_dtype("full", dtype, inferred))
    return _made("full", data, requires_grad)


def zeros_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``t``'s shape and (unless ``dtype`` is given) dtype."""
    like = _like("zeros_like", t)
    data = np.zeros(like.shape, _dtype("zeros_like", dtype, like.dtype))
    return _made("zeros_like", data, requires_grad)


def ones_like(t: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``t``'s shape and (unless ``dtype`` is given) dtype."""
    like = _like("ones_like", t)
    data = np.ones(like.shape, _dtype("ones_like", dtype, like.dtype))
    return _made("ones_like", data, requires_grad)


def _like(op: str, t: Any) -> np.ndarray:
    if isinstance(t, Tensor):
        return t.data
    if isinstance(t, np.ndarray):
        return t
    raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__}")


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, … below ``end`` (``arange(end)`` starts at 0), as ``torch.arange``:
    int64 when every argument is an int, else the default float dtype; the values are
    computed as start + i·step in float64, then cast."""
    if end is None:
        start, end = 0, start
    numbers = (start, end, step)
    for name, v in zip(("start", "end", "step"), numbers):
        if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
            raise TypeError(f"arange: {name} must be a number, got {v!r}")
        if not math.isfinite(v):
            raise ValueError(f"arange: {name} must be finite, got {v}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: the range from {start} to {end} goes the other way from step {step}"
        )
    integral = all(isinstance(v, int | np.integer) for v in numbers)
    target = _dtype("arange", dtype, np.dtype(np.int64) if integral else None)
    values: np.ndarray
    if integral:
        values = np.arange(int(start), int(end), int(step), dtype=np.int64)
    else:
        count = math.ceil((float(end) - float(start)) / float(step))
        values = float(start) + np.arange(count, dtype=np.float64) * float(step)
    return _made("arange", values.astype(target, copy=False), requires_grad)


def _random_dtype(op: str, dtype: Any) -> np.dtype:
    d = _dtype(op, dtype)
    if d.kind != "f":
        raise TypeError(f"{op}: draws floating-point values; dtype {d} is not a float dtype")
    return d


def rand(
    *size: Size,
    dtype: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Uniform values in [0, 1), drawn from `autograd.generator` (or ``generator``)."""
    shape, d = _size("rand", size), _random_dtype("rand", dtype)
    rng = default_generator() if generator is None else generator
    drawn = rng.random(shape, dtype=np.float64 if d == np.float64 else np.float32)
    return _made("rand", np.asarray(drawn).astype(d, copy=False), requires_grad)


def randn(
    *size: Size,
    dtype: Any = None,
    requires_grad: bool = False,
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Standard normal values, drawn from `autograd.generator` (or ``generator``)."""
    shape, d = _size("randn", size), _random_dtype("randn", dtype)
    rng = default_generator() if generator is None else generator
    drawn = rng.standard_normal(shape, dtype=np.float64 if d == np.float64 else np.float32)
    return _made("randn", np.asarray(drawn).astype(d, copy=False), requires_grad)


def cat(tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """`autograd.concatenate` with PyTorch's name and argument (``axis`` is an alias)."""
    if axis is not None:
        if dim != 0:
            raise TypeError("cat: give dim or axis, not both (they are the same argument)")
        dim = axis
    return concatenate(tensors, axis=dim)


class set_grad_enabled:  # lower case: used like a function, as PyTorch's
    """Switch recording on or off: as a call (``set_grad_enabled(False)`` sets the mode
    now, as ``torch.set_grad_enabled``), as a context manager (the previous mode comes back
    at the end of the block) or as a decorator."""

    __slots__ = ("mode", "previous")

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool | np.bool_):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {mode!r}")
        self.mode = bool(mode)
        self.previous = STATE.grad_enabled
        STATE.grad_enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self.previous

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        STATE.grad_enabled = self.previous  # as a decorator: nothing changes until a call
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with _grad_mode(mode):
                return fn(*args, **kwargs)

        return wrapper


def inference_mode(mode: bool | Callable[..., Any] = True) -> Any:
    """``no_grad()`` under PyTorch's name (tracegrad has no separate inference tensors):
    a context manager or decorator (``@inference_mode`` and ``@inference_mode()`` both work);
    ``inference_mode(False)`` leaves the grad mode as it is."""
    if callable(mode):
        return _grad_mode(False)(mode)
    if not isinstance(mode, bool | np.bool_):
        raise TypeError(f"inference_mode: mode must be a bool, got {mode!r}")
    return _grad_mode(False) if mode else _KeepGradMode()


class _KeepGradMode(_grad_mode):
    """A grad-mode block that keeps whatever mode is current when it is entered."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(True)

    def __enter__(self) -> None:
        self.enabled = STATE.grad_enabled
        super().__enter__()

    def _recreate_cm(self) -> _KeepGradMode:
        return type(self)()
