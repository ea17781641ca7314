"""Containers: `Sequential`, `ModuleList` and `ModuleDict`, whose children are registered
(so their parameters are in ``state_dict()`` under "0.weight", "key.weight", …)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from nn.module import Module

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


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


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys ("key.weight")."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add (or replace) modules from a mapping or from (key, module) pairs."""
        items = modules.items() if isinstance(modules, Mapping) else modules
        for key, m in items:
            self[key] = m

    def __setitem__(self, key: str, m: Module) -> None:
        if not isinstance(m, Module):
            raise TypeError(f"ModuleDict: {key!r} is a {type(m).__name__}, not a Module")
        self.add_module(key, m)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module {key!r}; keys: {list(self._modules)}")
        return self._modules[key]

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def keys(self) -> Any:
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self) -> Any:
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self) -> Any:
        """(key, module) pairs, in insertion order."""
        return self._modules.items()
