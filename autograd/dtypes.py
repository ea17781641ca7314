"""The default float dtype and conversion of user data into arrays a Tensor can hold."""

from __future__ import annotations

from typing import Any

import numpy as np

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype Python numbers and lists become: float32 (the default) or float64."""
    global _default_dtype
    try:
        d = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"set_default_dtype: {dtype!r} is not a dtype") from e
    if d not in _FLOAT_DTYPES:
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {d}")
    _default_dtype = d


def get_default_dtype() -> np.dtype:
    """The dtype Python numbers and lists become (float32 unless changed)."""
    return _default_dtype


def is_floating(dtype: np.dtype) -> bool:
    """True for float16/32/64 dtypes, the only ones that can carry gradients."""
    return dtype.kind == "f"


def as_array(data: Any, dtype: Any = None, *, copy: bool = True) -> np.ndarray:
    """Convert Tensor input data to an ndarray, or raise TypeError saying what is wrong.

    numpy arrays keep their dtype (float stays float, integer and bool stay as they are) and
    are copied unless ``copy=False`` (so a Tensor never shares memory with the caller's array
    by accident); Python numbers and (nested) lists of numbers become the default float dtype.
    """
    if isinstance(data, np.ndarray | np.generic):
        arr = np.array(data) if copy else np.asarray(data)
    elif isinstance(data, bool | int | float):
        arr = _from_number(data)
    elif isinstance(data, list | tuple):
        arr = _from_nested(data)
    else:
        raise TypeError(
            f"Tensor: expected a number, a nested list of numbers or a numpy array, "
            f"got {type(data).__name__}"
        )
    if arr.dtype.kind not in "biuf":
        what = "an object" if arr.dtype.kind == "O" else f"a {arr.dtype} (kind {arr.dtype.kind!r})"
        hint = (
            "; to combine tensors use autograd.stack or autograd.concatenate"
            if arr.dtype.kind == "O"
            else ""
        )
        raise TypeError(
            f"Tensor: data must be numeric (float, int or bool), got {what} array{hint}"
        )
    if dtype is not None:
        try:
            target = np.dtype(dtype)
        except TypeError as e:
            raise TypeError(f"Tensor: {dtype!r} is not a dtype") from e
        if target.kind not in "biuf":
            raise TypeError(f"Tensor: dtype must be numeric, got {target}")
        arr = arr.astype(target, copy=False)
    return arr


def _from_number(x: bool | int | float) -> np.ndarray:
    try:
        return np.asarray(x, dtype=_default_dtype)
    except OverflowError as e:  # only an int overflows (a float too large becomes inf)
        number = _short(x) if isinstance(x, int) else repr(x)
        raise OverflowError(
            f"Tensor: the integer {number} is too large for {_default_dtype} "
            f"(largest finite value {np.finfo(_default_dtype).max:.4g})"
        ) from e


def _short(x: int) -> str:
    digits = str(abs(x)) if x.bit_length() < 4000 else None
    if digits is None or len(digits) > 12:
        return f"with {len(digits) if digits else 'over 1000'} digits"
    return str(x)


def _from_nested(data: list | tuple) -> np.ndarray:
    """A (nested) list of numbers as an array of the default float dtype."""
    try:
        arr = np.array(data)
    except ValueError as e:
        raise TypeError(
            f"Tensor: cannot build a tensor from a ragged nested list ({e}); "
            "every row must have the same length"
        ) from e
    except RuntimeError as e:  # Tensor.__array__ refuses a tensor that requires grad
        raise TypeError(
            "Tensor: the list holds a tensor that requires grad; a new tensor built from its "
            "values would not be connected to the graph. Use autograd.stack or "
            "autograd.concatenate to combine tensors and keep their gradients"
        ) from e
    if arr.dtype.kind == "O" and all(isinstance(v, int | float) for v in arr.flat):
        # Python ints beyond int64 (numpy keeps them as objects): convert, or say why not
        try:
            arr = np.array(data, dtype=_default_dtype)
        except OverflowError as e:
            raise OverflowError(
                f"Tensor: the list holds an integer too large for {_default_dtype} "
                f"(largest finite value {np.finfo(_default_dtype).max:.4g})"
            ) from e
    if arr.dtype.kind in "biuf":
        arr = arr.astype(_default_dtype)
    return arr
