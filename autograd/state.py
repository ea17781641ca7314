"""Recording state shared by the engine: grad mode, name scopes and anomaly detection.

The state is thread-local, like PyTorch's grad mode: a ``no_grad()`` block in one thread
does not switch off recording in another.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Iterator


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
        self.backward_of: tuple | None = None
        #: anomaly or backward_of is on: `Function.apply` takes its slow path
        self.watching = False

    def refresh(self) -> None:
        """Recompute ``watching`` after ``anomaly`` or ``backward_of`` changed."""
        self.watching = self.anomaly or self.backward_of is not None


STATE = _State()


def is_grad_enabled() -> bool:
    """True when operations are being recorded for backward."""
    return STATE.grad_enabled


@contextlib.contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    previous = STATE.grad_enabled
    STATE.grad_enabled = enabled
    try:
        yield
    finally:
        STATE.grad_enabled = previous


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager (or decorator) under which no operation is recorded.

    Results have ``requires_grad=False`` and no parents; use it for evaluation and for
    optimizer updates that change parameters in place.
    """
    return _grad_mode(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Context manager (or decorator) that turns recording back on inside ``no_grad()``."""
    return _grad_mode(True)


@contextlib.contextmanager
def name_scope(name: str) -> Iterator[str]:
    """Tag every tensor created inside the block with a dotted scope path.

    Scopes nest: ``name_scope("net")`` then ``name_scope("fc1")`` gives ``"net.fc1"``.
    viz groups the nodes of one scope into one box. Yields the full path.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name_scope: expected a non-empty string, got {name!r}")
    previous = STATE.scope
    calls = (*getattr(previous, "calls", ()), next(_CALL_IDS))
    STATE.scope = ScopePath(f"{previous}.{name}" if previous else name, calls)
    try:
        yield STATE.scope
    finally:
        STATE.scope = previous


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
