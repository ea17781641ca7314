"""In-place ops on tensors in the graph, recorded as PyTorch records them.

``c = a + b; c += c + 1`` (micrograd's README writes programs this way): the update changes
``c``'s data buffer in place, bumps its version, and moves ``c``'s history to a new ``add``
node whose inputs are ``c`` as it was (a *shell*: a tensor with the old history, sharing the
buffer and its version counter) and ``c + 1``. Everything that holds ``c`` (other names, the
user's lists) sees the new value and the new history; nodes recorded before the update send
their gradients to the shell (`autograd.history`). A node that saved the old values raises
at backward, as for any in-place change, unless it saved them as scalars (0-d math).

Hooks registered on ``c`` before the update move to the shell: they see the gradient of the
old value, as in PyTorch. Refused: leaves that require grad (outside ``no_grad()``, as in
PyTorch) and views of another tensor in the graph (their base's history would have to be
rewritten too); a view taken before the update and used after it raises when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.dtypes import is_floating
from autograd.tensor import Tensor, _fill
from autograd.versions import VersionCounter, ViewCounter

#: an in-place op as its out-of-place, recorded form: (tensor before, value) -> result
Recorded = Callable[[Tensor, Any], Tensor]


def record_inplace(t: Tensor, op: str, recorded: Recorded, value: Any) -> Tensor:
    """Apply ``t <op>= value`` in place and record it (see the module docstring); return t.

    ``recorded(before, value)`` computes the new value with recorded ops; the result must
    have ``t``'s shape and cast to its dtype.
    """
    _check_rewritable(t, op)
    VersionCounter.rewrites = True  # the new node (and every later one) gets a number
    before = _shell(t)
    result = recorded(before, before if value is t else value)
    node = result._ctx
    assert node is not None  # recorded: t or the value requires grad
    if result.shape != t.shape:
        raise ValueError(
            f"in-place {op}: the result has shape {result.shape}, but the tensor updated in "
            f"place has shape {t.shape}; only the value broadcasts, never the tensor"
        )
    try:
        np.copyto(t.data, result.data, casting="same_kind")
    except TypeError as e:
        raise TypeError(
            f"in-place {op}: the result's dtype {result.dtype} cannot be stored in a "
            f"tensor of dtype {t.dtype}: {e}"
        ) from e
    counter = t._counter()
    counter.value += 1
    counter.rewritten += 1  # views taken before are stale now
    node.rewrite = node.seq
    t._ctx = node
    t._requires_grad = True
    t._hooks = None  # they stay with the value they were registered on (the shell)
    return t


def _check_rewritable(t: Tensor, op: str) -> None:
    who = f" {t.name!r}" if t.name else ""
    if not is_floating(t.dtype):
        raise TypeError(
            f"in-place {op} on{who}: the value requires grad but the tensor is {t.dtype}, "
            "which cannot require grad; build the result out of place"
        )
    if isinstance(t._version, ViewCounter):
        made_by = f" ({t._ctx.name!r})" if t._ctx is not None else ""
        raise RuntimeError(
            f"in-place {op} on{who}: this tensor is a view{made_by} of another tensor's data, "
            "whose history would have to change too; update the base tensor, or build the "
            "result out of place (autograd.where, autograd.concatenate)"
        )


class Shell(Tensor):
    """A tensor standing for another as it was before an in-place op: its history, name,
    scope and hooks, a copy of its old values (for pictures, and for the new node's
    gradient and gradients of gradients), and its version counter and ``live`` buffer, so a
    node recorded earlier that saved that buffer still notices the change at backward."""

    __slots__ = ("live",)
    live: np.ndarray


def _shell(t: Tensor) -> Shell:
    before = Shell.__new__(Shell)
    _fill(before, np.array(t.data, copy=True), t.name)
    before.live = t.data
    before.scope = t.scope
    before._ctx = t._ctx
    before._requires_grad = t._requires_grad
    before._version = t._counter()
    before._hooks = t._hooks
    return before
