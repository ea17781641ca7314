"""Checks on a state value before it is copied into a parameter, buffer or optimizer state.

Two levels, so a file can be judged from its headers before any data is read:
`check_fit` compares a declared shape and dtype with the slot's, and `convert` checks the
values (finite, whole numbers, in range) and casts them to the slot's dtype. Every message
starts with ``where`` (the key), so the user knows which entry to fix.

The dtype rules: a float slot takes float and integer arrays (not bool: a mask in a weight
slot is a mistake); an integer slot (a count such as ``num_batches_tracked``) takes integers,
bools and floats that are whole numbers in range, and stays integer; a bool slot takes bools
and 0/1 integers. Complex, string, object and other arrays are refused, never truncated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple

import numpy as np

from autograd import Tensor, no_grad

_KIND_REASON = {
    "c": "complex values would lose their imaginary part",
    "U": "strings are not numbers",
    "S": "bytes are not numbers",
    "O": "object arrays are refused",
    "V": "structured arrays are refused",
}


def as_array(value: Any, where: str) -> np.ndarray:
    """The array of a state value: a Tensor's data, an ndarray, or a number / nested list of
    numbers; TypeError naming ``where`` for anything else (None, str, dict, ragged lists)."""
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, np.ndarray):
        return value
    if value is None or isinstance(value, (str, bytes, Mapping)):
        raise TypeError(
            f"{where}: expected an array or Tensor, got {type(value).__name__}; a state dict "
            "maps names to arrays (Module.state_dict())"
        )
    try:
        return np.asarray(value)
    except Exception as err:  # ragged lists, a torch tensor that requires grad, ...
        raise TypeError(
            f"{where}: a {type(value).__name__} is not an array ({err}); pass an ndarray"
        ) from err


def check_fit(
    where: str,
    shape: tuple[int, ...],
    dtype: np.dtype,
    target_shape: tuple[int, ...],
    target_dtype: np.dtype,
) -> str | None:
    """Why an array of ``shape``/``dtype`` cannot go into a slot of ``target_shape``/
    ``target_dtype``, or None if it can (its values still go through `convert`)."""
    dtype, target = np.dtype(dtype), np.dtype(target_dtype)
    if dtype.kind not in "biuf":
        reason = _KIND_REASON.get(dtype.kind, "not a real number type")
        return f"{where}: dtype {dtype} cannot be loaded into {target} ({reason})"
    if target.kind == "f" and dtype.kind == "b":
        return f"{where}: a bool array cannot be loaded into {target} weights"
    if target.kind == "b" and dtype.kind == "f":
        return f"{where}: a float array cannot be loaded into a bool slot"
    if tuple(shape) != tuple(target_shape):
        return f"{where}: shape mismatch: got shape {tuple(shape)}, expected {tuple(target_shape)}"
    return None


def convert(
    where: str,
    a: np.ndarray,
    target_dtype: np.dtype,
    nonfinite: Literal["refuse", "allow_inf"] = "refuse",
) -> np.ndarray:
    """``a`` cast to ``target_dtype`` after its values are checked (after `check_fit`).

    Float slots: NaN is refused, and ±inf too unless ``nonfinite="allow_inf"`` (masks);
    overflow of the cast (float64 1e300 into float32) counts as inf. Integer and bool slots:
    only whole numbers in the slot's range. ValueError naming ``where`` otherwise. The result
    may share memory with ``a`` when no cast is needed.
    """
    target = np.dtype(target_dtype)
    if target.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            out = a.astype(target, copy=False)
        finite = np.isfinite(out)
        if finite.all():
            return out
        n_nan = int(np.isnan(out).sum())
        n_inf = out.size - int(finite.sum()) - n_nan
        if n_nan == 0 and nonfinite == "allow_inf":
            return out
        overflow = ""
        if a.dtype.kind in "iu" or (a.dtype.kind == "f" and not np.isinf(a).any()):
            overflow = f" (values beyond the range of {target})"
        raise ValueError(
            f"{where}: {n_nan} NaN and {n_inf} infinite value(s){overflow}; a checkpoint with "
            "non-finite weights is corrupt (re-save it from a healthy model)"
        )
    if a.dtype.kind == "f" and not (np.isfinite(a).all() and (a == np.round(a)).all()):
        raise ValueError(f"{where}: a {target} slot takes whole numbers; got fractions/NaN")
    if target.kind == "b":
        if a.dtype.kind != "b" and not ((a == 0) | (a == 1)).all():
            raise ValueError(f"{where}: a bool slot takes 0/1 values only")
        return a.astype(bool, copy=False)
    if a.size:
        info = np.iinfo(target)
        lo, hi = int(a.min()), int(a.max())
        if lo < info.min or hi > info.max:
            raise ValueError(
                f"{where}: values {lo}..{hi} do not fit {target} ({info.min}..{info.max})"
            )
    return a.astype(target, copy=False)


# -- loading a state dict into a module's slots -----------------------------------------------
class Slot(NamedTuple):
    """Where a state-dict key is loaded: a Parameter, a Tensor buffer or an ndarray buffer,
    overwritten in place."""

    target: Tensor | np.ndarray
    is_parameter: bool

    @property
    def array(self) -> np.ndarray:
        """The array that receives the values."""
        return self.target.data if isinstance(self.target, Tensor) else self.target


def check_plan(
    who: str,
    slots: Mapping[str, Slot],
    keys: Iterable[Any],
    declared: Mapping[str, tuple[tuple[int, ...], np.dtype]],
    strict: bool,
) -> tuple[list[str], list[Any]]:
    """Judge a load from the keys and the declared shapes/dtypes alone (no values needed):
    returns (missing, unexpected) keys, or raises before anything is changed — ValueError
    naming every key that does not fit (with the key problems too), else KeyError for missing
    or unexpected keys when ``strict``."""
    keys = list(keys)
    present = set(keys)
    missing = [k for k in slots if k not in present]
    unexpected = [k for k in keys if k not in slots]
    problems = []
    for k, (shape, dtype) in declared.items():
        slot = slots[k]
        msg = check_fit(repr(k), shape, dtype, slot.array.shape, slot.array.dtype)
        if msg is None and not slot.array.flags.writeable:
            msg = f"{k!r}: the model's array is read-only; make it writeable to load into it"
        if msg is not None:
            problems.append(msg)
    key_problems = []
    if strict and missing:
        key_problems.append(f"missing keys {missing}")
    if strict and unexpected:
        key_problems.append(f"unexpected keys {unexpected}")
    if problems or key_problems:
        error = ValueError if problems else KeyError
        raise error(f"{who}: nothing was loaded: " + "; ".join(problems + key_problems))
    return missing, unexpected


def _root(a: np.ndarray) -> int:
    """Identity of the memory an array views (its last base)."""
    base: Any = a
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return id(base)


def load_into(
    who: str, slots: Mapping[str, Slot], state: Any, strict: bool
) -> tuple[list[str], list[Any]]:
    """Copy ``state`` (key → ndarray / Tensor / numbers) into ``slots``, all or nothing.

    Every value is checked first (`as_array`, `check_plan`, `convert`: parameters finite,
    float buffers free of NaN); then each slot is overwritten in place under ``no_grad()``,
    which bumps a Tensor's version so a backward pending on the old values raises. Returns
    (missing, unexpected) keys.
    """
    if not isinstance(state, Mapping):
        raise TypeError(
            f"{who}: expected a mapping of names to arrays (a state dict), got "
            f"{type(state).__name__}"
        )
    arrays, problems = {}, []
    for k, v in state.items():
        if k in slots:
            try:
                arrays[k] = as_array(v, repr(k))
            except TypeError as err:
                problems.append(str(err))
    if problems:
        raise TypeError(f"{who}: nothing was loaded: " + "; ".join(problems))
    declared = {k: (a.shape, a.dtype) for k, a in arrays.items()}
    missing, unexpected = check_plan(who, slots, state.keys(), declared, strict)
    ready = {}
    for k, a in arrays.items():
        slot = slots[k]
        try:
            nonfinite: Literal["refuse", "allow_inf"] = (
                "refuse" if slot.is_parameter else "allow_inf"
            )
            ready[k] = convert(repr(k), a, slot.array.dtype, nonfinite)
        except ValueError as err:
            problems.append(str(err))
    if problems:
        raise ValueError(f"{who}: nothing was loaded: " + "; ".join(problems))
    # a value that views a slot's memory would change under an earlier copy: copy it first
    roots = {_root(s.array) for s in slots.values()}
    ready = {k: a.copy() if _root(a) in roots else a for k, a in ready.items()}
    with no_grad():
        for k, a in ready.items():
            target = slots[k].target
            if isinstance(target, Tensor):
                target[...] = a  # in place, bumps the version counter
            else:
                np.copyto(target, a)
    return missing, unexpected
