"""``Module``: parameters and buffers registered by attribute assignment, dotted state-dict
keys that map 1:1 onto PyTorch's (own parameters, own buffers, then submodules), checked
all-or-nothing loads, atomic ``.npz`` checkpoints (`nn.checkpoint`), and a tensor scope per
call for viz."""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from autograd import Tensor, name_scope
from nn.checkpoint import NpzReader, read_npz, write_npz
from nn.state import Slot, check_plan, load_into

# read_npz and write_npz are re-exported: the checkpoint files' reader and writer
__all__ = [
    "IncompatibleKeys",
    "Module",
    "Parameter",
    "read_npz",
    "write_npz",
]


def zero_grads(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Set each tensor's ``.grad`` to None, or fill it with zeros in place (keeping the array)."""
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad.fill(0)
            p.grad = p.grad  # the same zeroed array; assigning drops the recorded grad_tensor


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
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_scope", type(self).__name__.lower())

    # -- registration ------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning {name!r}"
            )
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            # assigning to a buffer's name updates the buffer, as in PyTorch
            self._buffers[name] = _buffer_value(self, name, value)
            return
        for table in (self._parameters, self._modules, self._buffers):
            table.pop(name, None)
        self._non_persistent_buffers.discard(name)
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
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def register_buffer(
        self, name: str, tensor: np.ndarray | Tensor | None, persistent: bool = True
    ) -> None:
        """Keep a non-trainable array (running statistics, a step count, a mask) on the module.

        ``tensor``: an ndarray (or number), a Tensor that does not require grad, or None (no
        value yet). A persistent buffer is in ``state_dict()`` after this module's parameters,
        under its dotted name; loading overwrites it in place, keeping its dtype. Reading and
        assigning ``self.<name>`` reach the buffer."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(
                f"{type(self).__name__}.register_buffer: the name must be a non-empty str "
                f"without '.', got {name!r}"
            )
        if name in self._parameters or name in self._modules or name in self.__dict__:
            raise KeyError(
                f"{type(self).__name__}.register_buffer: attribute {name!r} already exists; "
                "pick another name or delete the attribute first"
            )
        self._buffers[name] = _buffer_value(self, name, tensor)
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

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

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first, each subtree in order) and then on
        this module, as PyTorch does (``model.apply(init_fn)``); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch ``requires_grad`` of every parameter (freeze with False); returns self."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: to None (default) or to zeros in place."""
        zero_grads(self.parameters(), set_to_none)

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

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their attribute names."""
        yield from self._modules.items()

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` under ``name``, as ``setattr(self, name, module)`` does."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"{type(self).__name__}.add_module: bad name {name!r} (a '.'-free str)")
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__}.add_module: {name!r} is a {type(module).__name__}, "
                "not a Module"
            )
        setattr(self, name, module)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``, as ``setattr(self, name, param)`` does."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"{type(self).__name__}.register_parameter: {name!r} is a "
                f"{type(param).__name__}, not an nn.Parameter"
            )
        setattr(self, name, param)

    def to(self, dtype: Any = None, *, device: str | None = None) -> Module:
        """Cast every floating parameter and buffer to the float ``dtype``, in place (each
        Parameter keeps its identity, so optimizers built before still hold it); ``"cpu"`` as
        dtype or device is accepted and changes nothing. Returns self."""
        if isinstance(dtype, str) and dtype.split(":")[0] == "cpu":
            dtype, device = None, dtype
        if device is not None and device not in ("cpu", "cpu:0"):
            raise ValueError(f"to: tracegrad computes on the CPU only, got device {device!r}")
        if dtype is None:
            return self
        target = np.dtype(dtype)
        if target.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: only float dtypes, got {target}")
        for p in self.parameters():
            p.data = p.data.astype(target)
            p.grad = None
        for m in self.modules():
            for k, b in m._buffers.items():
                if isinstance(b, Tensor) and b.dtype.kind == "f":
                    b.data = b.data.astype(target)
                elif isinstance(b, np.ndarray) and b.dtype.kind == "f":
                    m._buffers[k] = b.astype(target)
        return self

    def float(self) -> Module:
        """``to(float32)``."""
        return self.to(np.float32)

    def double(self) -> Module:
        """``to(float64)``."""
        return self.to(np.float64)

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

    def named_buffers(self) -> Iterator[tuple[str, np.ndarray | Tensor]]:
        """Every buffer that holds a value, with its dotted name, each once."""
        seen: set[int] = set()
        for prefix, m in self.named_modules():
            for k, b in m._buffers.items():
                if b is not None and id(b) not in seen:
                    seen.add(id(b))
                    yield (f"{prefix}.{k}" if prefix else k), b

    def buffers(self) -> Iterator[np.ndarray | Tensor]:
        """Every buffer that holds a value, each once."""
        for _, b in self.named_buffers():
            yield b

    # -- state -------------------------------------------------------------------------
    def _state_slots(self) -> dict[str, Slot]:
        """Every state-dict key with where it loads, in PyTorch's order: per module its own
        parameters, then its persistent buffers (None ones skipped), then its submodules."""
        slots = {}
        for prefix, m in self.named_modules(remove_duplicate=False):
            dot = f"{prefix}." if prefix else ""
            for k, p in m._parameters.items():
                slots[dot + k] = Slot(p, True)
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent_buffers:
                    slots[dot + k] = Slot(b, False)
        return slots

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and persistent buffer under PyTorch's dotted names."""
        return OrderedDict(
            (k, np.array(s.array, copy=True)) for k, s in self._state_slots().items()
        )

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy ``state`` (name → ndarray or Tensor) into the parameters and buffers, in place.

        All or nothing: every value is checked before any is copied — ValueError naming each
        key whose shape or dtype does not fit (complex, string, object arrays; NaN/inf in a
        parameter; fractions in an integer buffer), TypeError for a value that is not an
        array, KeyError listing missing and unexpected keys (when ``strict``). Copies bump
        each tensor's version, so a backward pending on the old weights raises.
        """
        who = f"{type(self).__name__}.load_state_dict"
        missing, unexpected = load_into(who, self._state_slots(), state, strict)
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the state dict to ``path`` (.npz), atomically: a crash leaves the old file."""
        return write_npz(path, self.state_dict())

    def load(self, path: str | os.PathLike[str], strict: bool = True) -> IncompatibleKeys:
        """Read a checkpoint written by ``save`` into this module, as `load_state_dict`.

        The file's headers are checked first: unknown keys (when ``strict``), wrong shapes
        and dtypes are refused before any array is read, so a small file cannot force a huge
        allocation. Errors name the file and the key; nothing changes unless all fits."""
        with NpzReader(path, f"{type(self).__name__}.load") as z:
            return self._load_npz(z, strict)

    def _load_npz(
        self, z: NpzReader, strict: bool = True, ignore: frozenset[str] = frozenset()
    ) -> IncompatibleKeys:
        """`load` from an open archive, skipping the keys in ``ignore``."""
        who = f"{z.who}: {z.path}"
        slots = self._state_slots()
        keys = [k for k in z.headers if k not in ignore]
        declared = {k: z.headers[k][:2] for k in keys if k in slots}
        check_plan(who, slots, keys, declared, strict)  # before any data is read
        arrays = z.read(declared, max_bytes=math.inf)  # shapes are the model's own
        missing, _ = load_into(who, slots, arrays, strict)
        return IncompatibleKeys(missing, [k for k in keys if k not in slots])

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


def _buffer_value(module: Module, name: str, value: Any) -> np.ndarray | Tensor | None:
    """What a buffer may hold: None, a Tensor that does not require grad, or an array."""
    who = f"{type(module).__name__}: buffer {name!r}"
    if value is None or (isinstance(value, Tensor) and not value.requires_grad):
        return value
    if isinstance(value, Tensor):
        raise TypeError(f"{who}: a Tensor that requires grad is a Parameter; assign a Parameter")
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{who}: expected a numeric array, Tensor or None, got {array.dtype}")
    return array
