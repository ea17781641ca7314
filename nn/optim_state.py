"""Checking an optimizer's state dict before `Optimizer.load_state_dict` changes anything.

The layout is PyTorch's: ``{"state": {index: {name: value}}, "param_groups": [{**options,
"params": [index, ...]}]}``. Groups match by position; every option must be one the optimizer
knows, of the kind of its current value (bool, finite number, tuple of numbers) and pass its
own option checks. Per-parameter state must have the entries the optimizer itself keeps under
those options — found by one update of a tiny scratch parameter, so no optimizer needs a
written schema — with arrays of the parameter's shape, real and finite, cast to its dtype.
Last, one update of a copy of each parameter with its loaded state must stay finite.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tensor, no_grad
from nn.state import as_array, check_fit, convert

if TYPE_CHECKING:
    from nn.optim import Optimizer


def _real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _option(who: str, key: str, value: Any, current: Any) -> Any:
    """``value`` for option ``key`` if it has the kind of the optimizer's ``current`` value."""
    if isinstance(current, (bool, np.bool_)):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
    elif _real(current):
        if _real(value) and math.isfinite(value):
            return value.item() if isinstance(value, np.generic) else value
    elif isinstance(current, tuple):
        if (
            isinstance(value, (tuple, list))
            and len(value) == len(current)
            and all(_real(v) and math.isfinite(v) for v in value)
        ):
            return tuple(float(v) for v in value)
    else:
        return copy.deepcopy(value)
    raise ValueError(f"{who}: option {key!r} is {value!r}; expected a value like {current!r}")


def _group_options(opt: Optimizer, who: str, current: dict, saved: Mapping) -> dict[str, Any]:
    """The saved options of one group, checked; ``params`` left out."""
    options = {k: v for k, v in saved.items() if k != "params"}
    unknown = [k for k in options if k not in opt.defaults]
    if unknown:
        raise ValueError(
            f"{who}: unknown option(s) {unknown}; {type(opt).__name__} knows {sorted(opt.defaults)}"
        )
    checked = {k: _option(who, k, v, current[k]) for k, v in options.items()}
    merged = {**current, **checked}
    try:
        opt._check_options(merged)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{who}: {err}") from err
    return checked


def _fresh_state(opt: Optimizer, p: Tensor, group: dict) -> dict[str, Any]:
    """The state ``opt`` creates for a parameter like ``p`` (dtype, rank) under ``group``."""
    scratch = Tensor(np.ones((1,) * p.ndim, p.dtype))
    state: dict[str, Any] = {}
    with no_grad(), np.errstate(all="ignore"):
        opt._update(scratch, np.ones_like(scratch.data), state, {**group, "params": [scratch]})
    return state


def _dry_run(opt: Optimizer, who: str, p: Tensor, state: dict[str, Any], group: dict) -> None:
    """One update of a copy of ``p`` with a copy of ``state`` and a zero gradient: a state
    that makes it non-finite (a negative second moment, an overflowing average) is refused."""
    scratch = Tensor(p.data.copy())
    try:
        with no_grad(), np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            opt._update(scratch, np.zeros_like(p.data), copy.deepcopy(state), group)
    except FloatingPointError as err:
        raise ValueError(
            f"{who}: this state makes an update non-finite ({err}): corrupt values such as a "
            "negative second moment"
        ) from None
    if not np.isfinite(scratch.data).all() and np.isfinite(p.data).all():
        raise ValueError(f"{who}: this state makes an update non-finite")


def _param_state(who: str, p: Tensor, values: Mapping, fresh: dict[str, Any]) -> dict[str, Any]:
    """One parameter's saved state, checked against what the optimizer keeps (``fresh``)."""
    if not values:
        return {}
    missing = [k for k in fresh if k not in values]
    unexpected = [k for k in values if k not in fresh and values[k] is not None]
    if missing or unexpected:
        raise ValueError(
            f"{who}: has entries {list(values)}, but with these options the optimizer keeps "
            f"{list(fresh)} (missing {missing}, unexpected {unexpected})"
        )
    out: dict[str, Any] = {k: None for k in values if k not in fresh}
    for key, ref in fresh.items():
        value, where = values[key], f"{who} entry {key!r}"
        if isinstance(ref, np.ndarray):
            a = as_array(value, where)
            problem = check_fit(where, a.shape, a.dtype, p.shape, p.dtype)
            if problem:
                raise ValueError(problem)
            out[key] = np.array(convert(where, a, p.dtype), copy=True)
        elif _real(ref) or isinstance(ref, np.generic):
            v = (
                value.item()
                if isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1
                else value
            )
            if not _real(v) or not math.isfinite(v):
                raise ValueError(f"{where} is {value!r}; expected a finite number like {ref!r}")
            if isinstance(ref, numbers.Integral):
                if v != int(v) or v < 0:
                    raise ValueError(f"{where} is {value!r}; expected a count (an integer ≥ 0)")
                v = int(v)
            out[key] = v
        else:
            out[key] = copy.deepcopy(value)
    return out


def check_optimizer_state(
    opt: Optimizer, state_dict: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], dict[Tensor, dict[str, Any]]]:
    """Validate ``state_dict`` for ``opt`` without changing it: returns the options of each
    group and the new per-parameter state (copies). Raises TypeError/KeyError/ValueError
    naming the group, parameter index and entry at fault."""
    who = f"{type(opt).__name__}.load_state_dict"
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"{who}: expected the dict of Optimizer.state_dict(), got {type(state_dict).__name__}"
        )
    for key in ("state", "param_groups"):
        if key not in state_dict:
            raise KeyError(
                f"{who}: the state dict has no {key!r} entry (not an optimizer state dict)"
            )
    saved, states = state_dict["param_groups"], state_dict["state"]
    if not isinstance(saved, (list, tuple)) or not isinstance(states, Mapping):
        raise TypeError(f"{who}: 'param_groups' must be a list and 'state' a dict")
    if len(saved) != len(opt.param_groups):
        raise ValueError(
            f"{who}: the state dict has {len(saved)} parameter group(s), the optimizer has "
            f"{len(opt.param_groups)}"
        )
    by_index: dict[int, tuple[Tensor, int]] = {}
    options = []
    for i, (g, s) in enumerate(zip(opt.param_groups, saved, strict=True)):
        where = f"{who}: parameter group {i}"
        ids = s.get("params") if isinstance(s, Mapping) else None
        if not isinstance(ids, (list, tuple)) or not all(_is_index(k) for k in ids):
            raise ValueError(f"{where} needs a 'params' list of parameter indices")
        if len(g["params"]) != len(ids):
            raise ValueError(
                f"{where} has {len(ids)} parameter(s) in the state dict but "
                f"{len(g['params'])} in the optimizer"
            )
        for k, p in zip(ids, g["params"], strict=True):
            if int(k) in by_index:
                raise ValueError(f"{where} lists parameter index {k} a second time")
            by_index[int(k)] = (p, i)
        current = {k: v for k, v in g.items() if k != "params"}
        options.append(_group_options(opt, where, current, s))
    fresh: dict[tuple[int, str, int], dict[str, Any]] = {}
    state: dict[Tensor, dict[str, Any]] = {}
    for k, values in states.items():
        if not _is_index(k) or int(k) not in by_index:
            raise ValueError(f"{who}: state for unknown parameter {k!r} (no group lists it)")
        if not isinstance(values, Mapping):
            raise TypeError(f"{who}: state[{k}] must be a dict, got {type(values).__name__}")
        p, i = by_index[int(k)]
        cache = (i, p.dtype.str, p.ndim)
        if cache not in fresh:
            group = {**opt.param_groups[i], **options[i]}
            fresh[cache] = _fresh_state(opt, p, group)
        where = f"{who}: state[{k}] (parameter group {i})"
        state[p] = _param_state(where, p, values, fresh[cache])
        if state[p]:
            _dry_run(opt, where, p, state[p], {**opt.param_groups[i], **options[i]})
    return options, state


def _is_index(k: Any) -> bool:
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))
