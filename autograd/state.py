"""Recording state shared by the engine: grad mode, name scopes and anomaly detection.

The state is thread-local, like PyTorch's grad mode: a ``no_grad()`` block in one thread
does not switch off recording in another.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.tensor import Tensor


class ScopePath(str):
    """A dotted scope path (a plain ``str``) that also knows which *call* made it.

    ``calls`` holds one id per level of the path: each entry into a ``name_scope`` (each
    call of an nn module) gets a fresh id, so tensors from two calls of the same module
    compare equal as strings but differ in ``calls``. viz uses this to tell the steps of
    an unrolled loop apart (to fold them, or collapse each call into one node).
    """

    __slots__ = ("calls",)
    calls: tuple[int, ...]

    def __new__(cls, path: str, calls: tuple[int, ...]) -> ScopePath:
        self = super().__new__(cls, path)
        self.calls = calls
        return self

    def __reduce__(self) -> tuple[type, tuple[str]]:
        return (str, (str(self),))


_CALL_IDS = itertools.count(1)


class _State(threading.local):
    def __init__(self) -> None:
        self.grad_enabled = True
        self.scope = ""
        self.anomaly = False
        #: (forward tensor, role): the ops recorded now belong to the backward of that tensor,
        #: role "vjp" (its op's backward) or "sum" (gradients added at a fan-out); set by a
        #: create_graph backward (`autograd.higher_order`), else None
        self.backward_of: tuple[Tensor, str] | None = None
        #: anomaly or backward_of is on: `Function.apply` takes its slow path
        self.watching = False

    def refresh(self) -> None:
        """Recompute ``watching`` after ``anomaly`` or ``backward_of`` changed."""
        self.watching = self.anomaly or self.backward_of is not None


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return STATE.grad_enabled


class _grad_mode(contextlib.ContextDecorator):  # lower case: used like a function
    """Grad mode on or off inside the block (or the decorated function), restored after.

    A class rather than a generator: it is entered on every optimizer step and module call,
    and this costs a fraction of ``contextlib.contextmanager``'s overhead."""

    __slots__ = ("enabled", "previous")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _recreate_cm(self) -> _grad_mode:
        # as a decorator: a fresh one per call, so recursive and concurrent calls each
        # restore their own previous mode
        return type(self)(self.enabled)

    def __enter__(self) -> None:
        self.previous = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self.previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager (or decorator) under which no operation is recorded.

    Results have ``requires_grad=False`` and no parents; use it for evaluation and for
    optimizer updates that change parameters in place.
    """
    return _grad_mode(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager (or decorator) that turns recording back on inside ``no_grad()``."""
    return _grad_mode(True)


class name_scope:  # lower case: a context manager used like a function
    """Tag every tensor created inside the block with a dotted scope path.

    Scopes nest: ``name_scope("net")`` then ``name_scope("fc1")`` gives ``"net.fc1"``.
    viz groups the nodes of one scope into one box. ``with name_scope(...) as path`` gives
    the full path. (A class: every module call enters one.)
    """

    __slots__ = ("name", "previous")

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope: expected a non-empty string, got {name!r}")
        self.name = name

    def __enter__(self) -> str:
        self.previous = previous = STATE.scope
        calls = (*getattr(previous, "calls", ()), next(_CALL_IDS))
        STATE.scope = ScopePath(f"{previous}.{self.name}" if previous else self.name, calls)
        return STATE.scope

    def __exit__(self, *exc: object) -> None:
        STATE.scope = self.previous


def current_scope() -> str:
    """The dotted scope path new tensors are tagged with ("" outside any scope)."""
    return STATE.scope


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose forward or backward produces NaN or inf.

    The error names the op, its scope and the line of user code that created it.
    Checking every array costs time: use it to debug, not to train.
    """
    previous = STATE.anomaly
    STATE.anomaly = True
    STATE.refresh()
    try:
        yield
    finally:
        STATE.anomaly = previous
        STATE.refresh()
