"""The schedulers that scale the lr by a factor, and the one that runs schedulers in turn, with
PyTorch's names, numbers and state dicts: LambdaLR and MultiplicativeLR (a function of the
epoch gives the factor), ConstantLR and LinearLR (a constant or a linear ramp for the first
``total_iters`` epochs: warm-ups), SequentialLR (one scheduler after another at milestones).
Reachable as ``nn.optim.lr_scheduler.LambdaLR`` ...; the base class is in `nn.lr_scheduler`.

As in PyTorch, a state dict keeps no function: ``lr_lambdas`` holds, per group, None for a
plain function or lambda and a copy of the ``__dict__`` of a callable object (loaded back into
the object the new scheduler was given), so build the scheduler with the same functions.
"""

from __future__ import annotations

import bisect
import copy
import numbers
import types
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nn.lr_policies import ReduceLROnPlateau
from nn.lr_scheduler import LRScheduler, _check_int, _check_optimizer, _is_int, _is_real

if TYPE_CHECKING:
    from nn.optim import Optimizer

__all__ = ["ConstantLR", "LambdaLR", "LinearLR", "MultiplicativeLR", "SequentialLR"]

LRLambda = Callable[[int], float]


def _check_factor(name: str, arg: str, value: Any, zero_ok: bool) -> None:
    """``value`` in [0, 1] (``zero_ok``) or (0, 1], a real number."""
    if not _is_real(value) or value > 1 or value < 0 or (value == 0 and not zero_ok):
        interval = "[0, 1]" if zero_ok else "(0, 1]"
        raise ValueError(f"{name}: {arg} must be a number in {interval}, got {value!r}")


class _LambdaScheduler(LRScheduler):
    """LambdaLR and MultiplicativeLR: ``lr_lambdas``, one function of the epoch per group, and
    their state (the ``__dict__`` of callable objects, None for functions)."""

    _not_saved = ("optimizer", "lr_lambdas")

    def __init__(
        self, optimizer: Optimizer, lr_lambda: LRLambda | Sequence[LRLambda], last_epoch: int
    ) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(
                    f"{name}: expected {n} lr_lambdas (one per parameter group), but got "
                    f"{len(lr_lambda)}; pass one function or one per group"
                )
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * n
        for fn in lambdas:
            if not callable(fn):
                raise TypeError(
                    f"{name}: lr_lambda should be a function of the epoch, but got "
                    f"{type(fn).__name__}"
                )
        self.lr_lambdas: list[LRLambda] = lambdas
        super().__init__(optimizer, last_epoch)

    def _factor(self, group: int) -> float:
        """``lr_lambdas[group](last_epoch)``, checked: a finite real number."""
        value = self.lr_lambdas[group](self.last_epoch)
        if not isinstance(value, numbers.Real):
            raise TypeError(
                f"{type(self).__name__}: lr_lambda of group {group} returned a "
                f"{type(value).__name__} at epoch {self.last_epoch}; it must return a number"
            )
        if not _is_real(value) and not isinstance(value, bool):
            raise ValueError(
                f"{type(self).__name__}: lr_lambda of group {group} returned {value!r} at "
                f"epoch {self.last_epoch}; it must return a finite number"
            )
        return float(value)  # exact for ints and numpy floats; base · value rounds it too

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, copied, with ``lr_lambdas`` as PyTorch saves
        it: per group, None for a plain function, a copy of a callable object's ``__dict__``."""
        state = super().state_dict()
        state["lr_lambdas"] = [
            None
            if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__")
            else copy.deepcopy(vars(fn))
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a ``state_dict()`` (all or nothing); each non-None entry of ``lr_lambdas``
        updates the ``__dict__`` of this scheduler's function for that group, as in PyTorch."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        if "lr_lambdas" not in state_dict:
            raise ValueError(f"{who}: missing entries ['lr_lambdas']")
        saved = state_dict["lr_lambdas"]
        n = len(self.lr_lambdas)
        if (
            not isinstance(saved, Sequence)
            or isinstance(saved, str)
            or len(saved) != n
            or not all(entry is None or isinstance(entry, Mapping) for entry in saved)
        ):
            raise ValueError(
                f"{who}: 'lr_lambdas' must hold one entry per group ({n}): None, or the "
                f"attributes of a callable object; got {saved!r}"
            )
        for i, entry in enumerate(saved):
            if entry is not None and not hasattr(self.lr_lambdas[i], "__dict__"):
                raise ValueError(
                    f"{who}: 'lr_lambdas' holds attributes for group {i}, but its "
                    f"{type(self.lr_lambdas[i]).__name__} has no __dict__ to load them into"
                )
        super().load_state_dict({k: v for k, v in state_dict.items() if k != "lr_lambdas"})
        for fn, entry in zip(self.lr_lambdas, saved, strict=True):
            if entry is not None:
                vars(fn).update(copy.deepcopy(dict(entry)))


class LambdaLR(_LambdaScheduler):
    """lr(epoch) = base_lr · lr_lambda(epoch): one function of the epoch (an int from 0), or
    a list with one per parameter group. Not chainable: outside changes to the lr are lost.

    ``LambdaLR(opt, lambda epoch: min(1.0, (epoch + 1) / 5))``: a linear warm-up.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: LRLambda | Sequence[LRLambda],
        last_epoch: int = -1,
    ) -> None:
        super().__init__(optimizer, lr_lambda, last_epoch)

    def get_lr(self) -> list[float]:
        """base_lr · lr_lambda(last_epoch) for each group."""
        return [base * self._factor(i) for i, base in enumerate(self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    """Multiply each group's lr by lr_lambda(epoch) every epoch after the first: one function
    of the epoch, or one per group. Chainable: it scales the current lr.

    lr(epoch) = base_lr · lr_lambda(1) · ... · lr_lambda(epoch)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: LRLambda | Sequence[LRLambda],
        last_epoch: int = -1,
    ) -> None:
        super().__init__(optimizer, lr_lambda, last_epoch)

    def get_lr(self) -> list[float]:
        """lr · lr_lambda(last_epoch) (the current lr at the constructor's step)."""
        groups = self.optimizer.param_groups
        if self._initial():
            return [group["lr"] for group in groups]
        return [group["lr"] * self._factor(i) for i, group in enumerate(groups)]


class ConstantLR(LRScheduler):
    """Multiply each group's lr by ``factor`` for the first ``total_iters`` epochs, then
    restore it (a constant warm-up). Chainable, as PyTorch's.

    lr(epoch) = base_lr · factor for epoch < total_iters, base_lr from then on.
    ``factor`` must be in (0, 1]: the lr is divided by it at ``total_iters`` (PyTorch accepts
    0 and then divides by zero there).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        _check_factor("ConstantLR", "factor", factor, zero_ok=False)
        _check_int("ConstantLR", "total_iters", total_iters, 1)
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr · factor at epoch 0, lr / factor at ``total_iters``, else the current lr."""
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in groups]
        if self.last_epoch != self.total_iters:
            return [group["lr"] for group in groups]
        return [group["lr"] * (1.0 / self.factor) for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        done = self.last_epoch >= self.total_iters
        return [base * (self.factor + done * (1 - self.factor)) for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale each group's lr by a factor going linearly from ``start_factor`` (epoch 0) to
    ``end_factor`` (epoch ``total_iters`` and after): a linear warm-up, or decay. Chainable,
    as PyTorch's: each step multiplies the current lr by the ratio of consecutive factors.

    lr(epoch) = base_lr · (start + (end - start) · min(epoch, total_iters) / total_iters)
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        _check_factor("LinearLR", "start_factor", start_factor, zero_ok=False)
        _check_factor("LinearLR", "end_factor", end_factor, zero_ok=True)
        _check_int("LinearLR", "total_iters", total_iters, 1)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr · start_factor at epoch 0, then lr times the next factor over the last."""
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in groups]
        if self._initial() or self.last_epoch > self.total_iters:
            return [group["lr"] for group in groups]
        start, end = self.start_factor, self.end_factor
        ratio = 1.0 + (end - start) / (
            self.total_iters * start + (self.last_epoch - 1) * (end - start)
        )
        return [group["lr"] * ratio for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        start, end = self.start_factor, self.end_factor
        return [
            base
            * (start + (end - start) * min(self.total_iters, self.last_epoch) / self.total_iters)
            for base in self.base_lrs
        ]


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another, switching at each epoch in ``milestones`` (one
    fewer than the schedulers, ascending). ``SequentialLR(opt, [LinearLR(opt, 0.1,
    total_iters=5), CosineAnnealingLR(opt, T_max=95)], milestones=[5])``: warm-up, then decay.

    As PyTorch: the constructor resets each group's lr to its ``initial_lr``, undoes the
    constructors' steps and takes the first scheduler's; at a milestone the next scheduler
    restarts at its epoch 0 (its closed form there, from ``base_lrs``; its ``get_lr()`` for
    LambdaLR, MultiplicativeLR, OneCycleLR). The schedulers must step this optimizer;
    ReduceLROnPlateau (stepped with a metric) and SequentialLR itself are refused. The state
    dict holds each scheduler's under ``_schedulers``.
    """

    _not_saved = ("optimizer", "_schedulers")

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        name = "SequentialLR"
        _check_optimizer(name, optimizer)
        _check_int(name, "last_epoch", last_epoch, -1)
        if not isinstance(schedulers, (list, tuple)) or not schedulers:
            raise ValueError(
                f"{name}: expects a list of at least one scheduler, got {schedulers!r}"
            )
        for i, scheduler in enumerate(schedulers):
            kind = type(scheduler).__name__
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"{name}: scheduler {i} is a {kind}, not an nn.optim.lr_scheduler")
            if isinstance(scheduler, (ReduceLROnPlateau, SequentialLR)):
                raise ValueError(
                    f"{name}: scheduler {i} is a {kind}, which it cannot run ("
                    + (
                        "it is stepped with a metric)"
                        if isinstance(scheduler, ReduceLROnPlateau)
                        else "list its schedulers in one SequentialLR instead)"
                    )
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"{name}: scheduler {i} ({kind}) steps another optimizer; every scheduler "
                    f"must belong to the {type(optimizer).__name__} given to {name}"
                )
        self._milestones: list[int] = self._check_milestones(name, milestones, len(schedulers))
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # back to the initial lrs ...
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:  # ... and to before each constructor's step
            scheduler.last_epoch -= 1
        first = self._schedulers[bisect.bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    @staticmethod
    def _check_milestones(who: str, milestones: Any, n: int) -> list[int]:
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence):
            raise TypeError(f"{who}: milestones must be a list of epochs, got {milestones!r}")
        if len(milestones) != n - 1:
            raise ValueError(
                f"{who}: expects one milestone fewer than schedulers, got {n} scheduler(s) "
                f"and {len(milestones)} milestone(s)"
            )
        values = list(milestones)
        if not all(_is_int(m) and m >= 0 for m in values) or values != sorted(values):
            raise ValueError(
                f"{who}: milestones must be ascending integers >= 0 (epochs), got {values!r}"
            )
        return [int(m) for m in values]

    def step(self) -> None:
        """Advance one epoch: restart the next scheduler at a milestone, else step the
        current one. Nothing changes if that scheduler refuses the step."""
        epoch = self.last_epoch + 1
        index = bisect.bisect_right(self._milestones, epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self.last_epoch = epoch
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own attributes, and each scheduler's state dict under ``_schedulers``."""
        state = super().state_dict()
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a ``state_dict()``, each scheduler's too: all or nothing."""
        who = "SequentialLR.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        saved = state_dict.get("_schedulers")
        n = len(self._schedulers)
        if not isinstance(saved, Sequence) or isinstance(saved, str) or len(saved) != n:
            raise ValueError(f"{who}: '_schedulers' must hold one state dict per scheduler ({n})")
        before = self.state_dict()
        try:
            super().load_state_dict({k: v for k, v in state_dict.items() if k != "_schedulers"})
            for scheduler, state in zip(self._schedulers, saved, strict=True):
                scheduler.load_state_dict(state)
        except BaseException:
            self.__dict__.update({k: v for k, v in before.items() if k != "_schedulers"})
            for scheduler, state in zip(self._schedulers, before["_schedulers"], strict=True):
                scheduler.load_state_dict(state)
            raise

    def _convert_loaded(self, who: str, saved: dict[str, Any]) -> dict[str, Any]:
        saved["_milestones"] = self._check_milestones(
            who, saved["_milestones"], len(self._schedulers)
        )
        return saved
