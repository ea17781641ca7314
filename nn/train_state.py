"""A training run's whole state in one file, to resume it exactly where it stopped.

Where a PyTorch user writes ``torch.save({"model": ..., "optimizer": ..., "epoch": ...})``,
`save_training_state` writes the same into one ``.npz``, atomically (`nn.checkpoint.write_npz`:
a crash leaves the previous file) and never pickled: arrays stay arrays, everything else is
one JSON text. Its members:

- ``model/<name>``: the model's state dict (parameters and buffers);
- ``optimizer/<index>/<entry>``: the optimizer's per-parameter arrays (Adam's moments, ...);
- ``history/batch_losses``: the loss of every step so far (float64);
- ``state.json``: a 0-d string array holding JSON: the format and version, the number of
  complete epochs, the per-epoch history, the optimizer's class, parameter groups and scalar
  state (step counts), the scheduler's class and state dict, the states of the random
  generators — ``nn.init``'s (the one `nn.manual_seed` seeds) and the caller's own (a
  DataLoader's shuffling generator, ...) — and the caller's ``extra`` dict.

`load_training_state` reads and checks the whole file before it changes anything, then
restores the model, optimizer, scheduler and generators (all or nothing) and returns the
epoch, the `History` and ``extra`` for ``fit(..., initial_epoch=epoch, history=history)``.
`read_training_info` reads only the JSON part (e.g. to check what run a file belongs to).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from nn import init
from nn.checkpoint import NpzReader, write_npz
from nn.module import Module
from nn.training import History

FORMAT = "tracegrad training state"
VERSION = 1
#: the name under which ``nn.init``'s generator (`nn.manual_seed`) is saved
INIT_RNG = "nn.init"
_JSON = "state.json"
_MODEL, _OPTIM, _LOSSES = "model/", "optimizer/", "history/batch_losses"


class TrainingState(NamedTuple):
    """What `load_training_state` returns besides what it restores in place: the number of
    complete ``epoch``s, their ``history`` and the caller's ``extra`` dict."""

    epoch: int
    history: History
    extra: dict[str, Any]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"save_training_state: cannot store {type(value).__name__} {value!r} as JSON")


def save_training_state(
    path: str | os.PathLike[str],
    *,
    model: Module,
    optimizer: Any,
    epoch: int,
    history: Mapping[str, list[float]],
    scheduler: Any = None,
    generators: Mapping[str, np.random.Generator] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write everything needed to continue training after ``epoch`` complete epochs to
    ``path`` (.npz, atomic, no pickles): the model's and the optimizer's state, the
    scheduler's, ``history`` (with its ``batch_losses``), the states of ``generators`` (name
    -> numpy Generator) and of ``nn.init``'s generator, and ``extra`` (JSON-able data)."""
    generators = dict(generators or {})
    if INIT_RNG in generators:
        raise ValueError(f"save_training_state: the generator name {INIT_RNG!r} is reserved")
    arrays: dict[str, np.ndarray] = {_MODEL + k: v for k, v in model.state_dict().items()}
    saved = optimizer.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for index, entries in saved["state"].items():
        scalars[str(index)] = {}
        for name, value in entries.items():
            if isinstance(value, np.ndarray):
                arrays[f"{_OPTIM}{index}/{name}"] = value
            else:
                scalars[str(index)][name] = value
    arrays[_LOSSES] = np.asarray(getattr(history, "batch_losses", []), np.float64)
    states = {INIT_RNG: init.generator().bit_generator.state}
    states.update({name: g.bit_generator.state for name, g in generators.items()})
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "epoch": int(epoch),
        "history": {str(k): [float(v) for v in values] for k, values in history.items()},
        "optimizer": {
            "class": type(optimizer).__name__,
            "param_groups": saved["param_groups"],
            "state": scalars,
        },
        "scheduler": None
        if scheduler is None
        else {"class": type(scheduler).__name__, "state": scheduler.state_dict()},
        "generators": states,
        "extra": dict(extra or {}),
    }
    arrays[_JSON] = np.array(json.dumps(meta, default=_json_default))
    return write_npz(path, arrays)


# -- reading ---------------------------------------------------------------------------------
def _read_meta(z: NpzReader) -> dict[str, Any]:
    """The checked JSON part of an open training-state file."""
    where = f"{z.who}: {z.path}"
    if _JSON not in z.headers:
        raise ValueError(
            f"{where} is not a training state (no {_JSON!r}); it may be a model checkpoint "
            "(Module.save), which holds weights only"
        )
    text = z.read([_JSON])[_JSON]
    if text.shape != () or text.dtype.kind != "U":
        raise ValueError(f"{where}: {_JSON!r} must be one string of JSON")
    try:
        meta = json.loads(str(text))
    except (ValueError, RecursionError) as err:
        raise ValueError(f"{where}: {_JSON!r} is not valid JSON: {err}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{where} is not a training state (its {_JSON!r} has another format)")
    if meta.get("version") != VERSION:
        raise ValueError(
            f"{where} is a training state of version {meta.get('version')!r}; this tracegrad "
            f"reads version {VERSION}"
        )
    epoch, history = meta.get("epoch"), meta.get("history")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise ValueError(f"{where}: 'epoch' must be a whole number >= 0, got {epoch!r}")
    if not isinstance(history, dict) or not all(
        isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)
        for v in history.values()
    ):
        raise ValueError(f"{where}: 'history' must map names to lists of numbers")
    for key in ("optimizer", "generators", "extra"):
        if not isinstance(meta.get(key), dict):
            raise ValueError(f"{where}: {key!r} is missing or not a JSON object")
    return meta


def read_training_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON part of a training-state file, checked: ``epoch``, ``history``, ``extra``,
    the optimizer and scheduler classes, ...; the arrays are not read. ValueError naming the
    file for anything that is not a training state (a truncated or foreign file too);
    FileNotFoundError for a missing one."""
    with NpzReader(path, "read_training_info") as z:
        return _read_meta(z)


def _optimizer_state(meta: dict, arrays: dict[str, np.ndarray], where: str) -> dict[str, Any]:
    """The optimizer's state dict, put back together from its JSON and array parts."""
    saved = meta["optimizer"]
    scalars = saved.get("state")
    if not isinstance(scalars, dict) or not all(isinstance(v, dict) for v in scalars.values()):
        raise ValueError(f"{where}: the optimizer's 'state' must map indices to objects")
    state: dict[int, dict[str, Any]] = {}
    try:
        for index, entries in scalars.items():
            state[int(index)] = dict(entries)
        for key, value in arrays.items():
            if key.startswith(_OPTIM):
                index, name = key[len(_OPTIM) :].split("/", 1)
                state.setdefault(int(index), {})[name] = value
    except ValueError:
        raise ValueError(f"{where}: an optimizer entry has no parameter index") from None
    return {"state": state, "param_groups": saved.get("param_groups")}


def _check_classes(meta: dict, optimizer: Any, scheduler: Any, where: str) -> None:
    saved = meta["optimizer"].get("class")
    if saved != type(optimizer).__name__:
        raise ValueError(
            f"{where} holds the state of a {saved} optimizer, not of {type(optimizer).__name__}"
        )
    sched = meta.get("scheduler")
    saved = sched.get("class") if isinstance(sched, dict) else None
    given = None if scheduler is None else type(scheduler).__name__
    if saved != given:
        raise ValueError(
            f"{where} holds the state of {'no scheduler' if saved is None else saved}, but the "
            f"run has {'none' if given is None else given}"
        )


def _checked_generators(
    meta: dict, generators: Mapping[str, np.random.Generator], where: str
) -> dict[np.random.Generator, dict]:
    """Each generator with its saved state, tried on a scratch bit generator first."""
    saved = meta["generators"]
    wanted = {INIT_RNG: init.generator(), **generators}
    if set(saved) != set(wanted):
        raise ValueError(
            f"{where} holds the random generators {sorted(saved)}, the run has {sorted(wanted)}"
        )
    out = {}
    for name, g in wanted.items():
        try:
            type(g.bit_generator)().state = saved[name]
        except (TypeError, ValueError, KeyError) as err:
            raise ValueError(
                f"{where}: the state of generator {name!r} is unusable: {err}"
            ) from None
        out[g] = saved[name]
    return out


def load_training_state(
    path: str | os.PathLike[str],
    *,
    model: Module,
    optimizer: Any,
    scheduler: Any = None,
    generators: Mapping[str, np.random.Generator] | None = None,
) -> TrainingState:
    """Restore a `save_training_state` file into ``model``, ``optimizer``, ``scheduler`` and
    ``generators`` (the same names as when saved) and ``nn.init``'s generator; returns the
    epoch, history and extra data. Build the objects as the run did first (same model,
    optimizer and scheduler classes and options).

    All or nothing: the file is read and checked whole, and if any part does not fit the
    others are put back as they were. Every problem is a ValueError naming the file (a
    missing file: FileNotFoundError)."""
    who = "load_training_state"
    with NpzReader(path, who) as z:
        where = f"{who}: {z.path}"
        meta = _read_meta(z)
        _check_classes(meta, optimizer, scheduler, where)
        arrays = z.read([k for k in z.headers if k != _JSON])
    rngs = _checked_generators(meta, generators or {}, where)
    weights = {k[len(_MODEL) :]: v for k, v in arrays.items() if k.startswith(_MODEL)}
    opt_state = _optimizer_state(meta, arrays, where)
    losses = arrays.get(_LOSSES, np.zeros(0))
    if losses.ndim != 1 or losses.dtype.kind != "f":
        raise ValueError(f"{where}: {_LOSSES!r} must be a 1-d float array")
    before = (model.state_dict(), optimizer.state_dict())
    before_sched = None if scheduler is None else scheduler.state_dict()
    try:
        model.load_state_dict(weights)
        optimizer.load_state_dict(opt_state)
        if scheduler is not None:
            scheduler.load_state_dict(meta["scheduler"].get("state"))
    except (KeyError, TypeError, ValueError) as err:
        model.load_state_dict(before[0])
        optimizer.load_state_dict(before[1])
        if scheduler is not None:
            scheduler.load_state_dict(before_sched)
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        raise ValueError(f"{where}: {message}") from None
    for g, state in rngs.items():
        g.bit_generator.state = state
    history = History.restore(meta["history"], losses.tolist())
    return TrainingState(meta["epoch"], history, meta["extra"])
