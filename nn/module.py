"""``Module``: parameters registered by attribute assignment, dotted state-dict keys that map
1:1 onto PyTorch's, atomic ``.npz`` checkpoints, and a tensor scope per call for viz."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor, name_scope


def write_npz(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` to ``path`` as .npz atomically (temporary file, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; checkpoints are ordinary files
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_npz(path: str | os.PathLike[str], who: str) -> dict[str, np.ndarray]:
    """Every array of an .npz checkpoint, never unpickling; a truncated or foreign file gives
    a ValueError naming ``who`` and the file."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as err:
        raise ValueError(
            f"{who}: {path} is not a readable tracegrad checkpoint (truncated or foreign "
            f"file): {err}"
        ) from err


class Parameter(Tensor):
    """A Tensor that is a module's trainable weight: it always requires grad."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, name: str | None = None):
        super().__init__(data, requires_grad=requires_grad, name=name)


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model.

    Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, so
    ``named_parameters()`` and ``state_dict()`` find it under a dotted name
    (``"conv1.weight"``). Calling a module runs ``forward`` inside a name scope of the
    module's attribute name, so every tensor it makes is tagged ``"lenet5.conv1"``.
    """

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_scope", type(self).__name__.lower())

    # -- registration ------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning {name!r}"
            )
        for table in (self._parameters, self._modules, self._buffers):
            table.pop(name, None)
        if isinstance(value, Parameter):
            if value.name is None:
                value.name = name
            self._parameters[name] = value
        elif isinstance(value, Module):
            object.__setattr__(value, "_scope", name)
            # parameters named after their attribute get the dotted path (viz labels)
            for path, p in value.named_parameters():
                if p.name == path:
                    p.name = f"{name}.{path}"
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for table in ("_parameters", "_modules", "_buffers"):
            if table in d and name in d[table]:
                return d[table][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for table in (self._parameters, self._modules, self._buffers):
            if name in table:
                del table[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array: np.ndarray) -> None:
        """Keep a non-trainable array (running statistics) in the state dict."""
        self._buffers[name] = np.asarray(array)

    # -- running -----------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with name_scope(self._scope):
            return self.forward(*args, **kwargs)

    def train(self, mode: bool = True) -> Module:
        """Switch this module and every submodule to training (or evaluation) mode."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off."""
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set to None)."""
        for p in self.parameters():
            p.grad = None

    # -- traversal ---------------------------------------------------------------------
    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every submodule, with dotted names ("" for this one).

        A module registered under two names is listed once unless ``remove_duplicate`` is
        False (the state dict lists it under both, as PyTorch does)."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate and id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            children = [(f"{name}.{k}" if name else k, c) for k, c in m._modules.items()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every submodule."""
        for _, m in self.named_modules():
            yield m

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        yield from self._modules.values()

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, each once, in registration order."""
        seen: set[int] = set()
        for prefix, m in self.named_modules():
            for k, p in m._parameters.items():
                if id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{prefix}.{k}" if prefix else k), p

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter, each once."""
        for _, p in self.named_parameters():
            yield p

    # -- state -------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and buffer under PyTorch's dotted names."""
        out: OrderedDict[str, np.ndarray] = OrderedDict()
        for prefix, m in self.named_modules(remove_duplicate=False):
            for table in (m._parameters, m._buffers):
                for k, v in table.items():
                    arr = v.data if isinstance(v, Tensor) else v
                    out[f"{prefix}.{k}" if prefix else k] = np.array(arr, copy=True)
        return out

    def _state_slots(self) -> dict[str, tuple[Module, str]]:
        slots = {}
        for prefix, m in self.named_modules(remove_duplicate=False):
            for table in (m._parameters, m._buffers):
                for k in table:
                    slots[f"{prefix}.{k}" if prefix else k] = (m, k)
        return slots

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy ``state`` (name → array) into the parameters, in place.

        Raises KeyError listing missing and unexpected keys (when ``strict``) and
        ValueError listing every mis-shaped key; nothing is changed unless all fit.
        """
        slots = self._state_slots()
        missing = [k for k in slots if k not in state]
        unexpected = [k for k in state if k not in slots]
        arrays = {k: np.asarray(getattr(v, "data", v)) for k, v in state.items() if k in slots}
        wrong = []
        for k, a in arrays.items():
            m, name = slots[k]
            target = m._parameters.get(name, m._buffers.get(name))
            shape = target.shape
            if a.shape != shape:
                wrong.append(f"{k}: checkpoint {a.shape}, model {shape}")
        if wrong:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: shape mismatch: " + "; ".join(wrong)
            )
        if strict and (missing or unexpected):
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        for k, a in arrays.items():
            m, name = slots[k]
            if name in m._parameters:
                p = m._parameters[name]
                np.copyto(p.data, a.astype(p.dtype, copy=False))
            else:
                m._buffers[name] = np.array(a, copy=True)
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the state dict to ``path`` (.npz), atomically: a crash leaves the old file."""
        return write_npz(path, self.state_dict())

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> IncompatibleKeys:
        """Read a checkpoint written by ``save`` (never unpickles) into this module."""
        return self.load_state_dict(read_npz(path, f"{type(self).__name__}.load"), strict=strict)

    # -- printing ----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The layer's options, shown in ``repr``."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({k}): " + repr(m).replace("\n", "\n  ") for k, m in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after another; children are named "0", "1", …"""

    def __init__(self, *modules: Module):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: argument {i} is {type(m).__name__}, not a Module")
            setattr(self, str(i), m)

    def forward(self, x: Any) -> Any:
        """x → module 0 → module 1 → …"""
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters are registered ("0.weight", "1.weight", …)."""

    def __init__(self, modules: list[Module] | None = None):
        super().__init__()
        for m in modules or []:
            self.append(m)

    def append(self, m: Module) -> ModuleList:
        """Add a module at the end."""
        if not isinstance(m, Module):
            raise TypeError(f"ModuleList: expected a Module, got {type(m).__name__}")
        setattr(self, str(len(self._modules)), m)
        return self

    def __getitem__(self, i: int) -> Module:
        return list(self._modules.values())[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())
