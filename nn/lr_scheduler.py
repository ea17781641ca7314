"""Learning-rate schedulers with the names, numbers and state dicts of
``torch.optim.lr_scheduler``: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, and
OneCycleLR, ReduceLROnPlateau (defined in `nn.lr_policies`), LambdaLR, MultiplicativeLR,
LinearLR, ConstantLR, SequentialLR (defined in `nn.lr_factors`), imported here.

A scheduler sets ``group["lr"]`` of its optimizer's parameter groups. Build it after the
optimizer: it records each group's starting lr as ``group["initial_lr"]`` (its ``base_lrs``) and
takes an initial step to epoch 0. Call ``step()`` after ``optimizer.step()``: once per epoch,
once per batch for OneCycleLR, with the monitored metric for ReduceLROnPlateau. As in PyTorch,
StepLR, MultiStepLR, ExponentialLR and CosineAnnealingLR are chainable: each step scales the
group's *current* lr, so the closed forms below hold while nothing else changes it.

``state_dict()`` holds every attribute but the optimizer as plain Python data (it survives
``json.dumps``). The learning rates themselves live in the optimizer's groups, so a resume
loads both: build the optimizer and the scheduler, then ``optimizer.load_state_dict(...)`` and
``scheduler.load_state_dict(...)``.
"""

from __future__ import annotations

import bisect
import copy
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nn.optim import Optimizer

__all__ = [
    "ConstantLR",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]

# attributes PyTorch keeps in its state dicts for its warnings; ignored when loading one
_TORCH_ONLY = frozenset({"_is_initial", "_get_lr_called_within_step"})


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _check_optimizer(name: str, optimizer: Any) -> None:
    from nn.optim import Optimizer  # here: nn.optim imports this module

    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{name}: optimizer must be an nn.optim Optimizer (SGD, Adam, AdamW), "
            f"got {type(optimizer).__name__}"
        )


def _check_real(name: str, arg: str, value: Any, low: float, high: float | None = None) -> None:
    """``low <= value`` (``< high`` when given), a finite real number."""
    if not _is_real(value) or value < low or (high is not None and value >= high):
        bound = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ValueError(f"{name}: {arg} must be a finite number {bound}, got {value!r}")


def _check_int(name: str, arg: str, value: Any, low: int) -> None:
    if not _is_int(value) or value < low:
        raise ValueError(f"{name}: {arg} must be an integer >= {low}, got {value!r}")


def _per_group(
    name: str, arg: str, value: Any, optimizer: Optimizer, low: float, high: float | None = None
) -> list[float]:
    """One value per parameter group: ``value`` repeated, or a list with one per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name}: {arg} has {len(value)} values, but the optimizer has {n} parameter "
                "group(s); pass one number or one per group"
            )
        values = list(value)
    else:
        values = [value] * n
    for v in values:
        _check_real(name, arg, v, low, high)
    return [float(v) for v in values]


class LRScheduler:
    """Base class: ``base_lrs``, ``last_epoch``, ``step()``, ``get_last_lr()``, state dicts.

    Subclasses implement ``get_lr()``: the lr of each group at epoch ``last_epoch``, computed
    after ``step()`` has advanced it, and may implement ``_get_closed_form_lr()``: the lr of
    each group at ``last_epoch`` from ``base_lrs`` alone, what a SequentialLR sets when it
    restarts a scheduler at a milestone (PyTorch's ``_update_lr(0)``). ``last_epoch=-1``
    starts a schedule; a value >= 0 resumes one whose optimizer groups already hold
    ``initial_lr`` (PyTorch's convention).
    """

    #: attributes that are not plain data: left out of ``state_dict()`` (or saved another way)
    _not_saved: tuple[str, ...] = ("optimizer",)
    #: True only during the step the constructor takes (an instance attribute meanwhile)
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        _check_int(name, "last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        groups = optimizer.param_groups
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            missing = [i for i, group in enumerate(groups) if "initial_lr" not in group]
            if missing:
                raise KeyError(
                    f"{name}: resuming at last_epoch={last_epoch} needs 'initial_lr' in "
                    f"parameter group(s) {missing}; load the optimizer's state dict first, or "
                    "start with last_epoch=-1"
                )
        self.base_lrs: list[float] = [group["initial_lr"] for group in groups]
        self.last_epoch = last_epoch
        self._initial_step()  # to epoch 0 (last_epoch + 1 when resuming)

    def _initial_step(self) -> None:
        """The constructor's step (and a SequentialLR's to its first scheduler)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial  # back to the class's False, and out of the state dict

    def get_lr(self) -> list[float]:
        """The lr of each group at epoch ``last_epoch`` (subclasses)."""
        raise NotImplementedError

    def _get_closed_form_lr(self) -> list[float] | None:
        """The lr of each group at ``last_epoch`` from ``base_lrs`` alone (subclasses that
        have a closed form; None: use ``get_lr()``)."""
        return None

    def _initial(self) -> bool:
        """True inside the step that the constructor takes."""
        return self._is_initial

    def step(self) -> None:
        """Advance one epoch (``last_epoch += 1``) and set each group's lr to ``get_lr()``.
        Nothing changes if ``get_lr()`` raises."""
        self._step_count += 1
        try:
            self._update_lr()
        except BaseException:
            self._step_count -= 1
            raise

    def _update_lr(self, epoch: int | None = None) -> None:
        """Set each group's lr: ``get_lr()`` after ``last_epoch += 1``, or with ``epoch``
        the closed form at that epoch (``get_lr()`` if none), as PyTorch's ``_update_lr``."""
        last_epoch = self.last_epoch
        try:
            if epoch is None:
                self.last_epoch += 1
                lrs = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = self._get_closed_form_lr()
                lrs = self.get_lr() if closed is None else closed
        except BaseException:
            self.last_epoch = last_epoch
            raise
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr: list[float] = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lr of each group set by the last ``step()`` (a copy)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, copied: plain Python data."""
        return copy.deepcopy({k: v for k, v in vars(self).items() if k not in self._not_saved})

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a ``state_dict()``: all or nothing; the entries must be those this scheduler
        keeps (a PyTorch state dict's warning flags are ignored), with one value per group
        in the per-group lists. The optimizer's lrs are not touched (load its own state)."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        saved = {k: v for k, v in state_dict.items() if k not in _TORCH_ONLY}
        keys = {k for k in vars(self) if k not in self._not_saved}
        missing, unknown = sorted(keys - set(saved)), sorted(set(saved) - keys)
        if missing or unknown:
            raise ValueError(f"{who}: missing entries {missing}, unknown entries {unknown}")
        n = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr", "min_lrs"):
            if key in saved and (not isinstance(saved[key], Sequence) or len(saved[key]) != n):
                raise ValueError(f"{who}: {key!r} must hold one value per group ({n})")
        for key in ("last_epoch", "_step_count"):
            if key in saved and not _is_int(saved[key]):
                raise ValueError(f"{who}: {key!r} must be an integer, got {saved[key]!r}")
        saved = self._convert_loaded(who, copy.deepcopy(saved))
        self.__dict__.update(saved)

    def _convert_loaded(self, who: str, saved: dict[str, Any]) -> dict[str, Any]:
        """Subclass hook: check and convert loaded entries (lists back from JSON)."""
        return saved


class StepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every ``step_size`` epochs; step once per epoch.

    lr(epoch) = base_lr · gamma^(epoch // step_size)
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        _check_int("StepLR", "step_size", step_size, 1)
        if not _is_real(gamma) or not gamma > 0:
            raise ValueError(f"StepLR: gamma must be a finite number > 0, got {gamma!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr · gamma at a non-zero multiple of ``step_size``, else the current lr."""
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` at each epoch in ``milestones``.

    lr(epoch) = base_lr · gamma^(number of milestones <= epoch); a milestone listed n times
    multiplies by gamma^n there (as PyTorch's Counter).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones: list[int] = self._check_milestones("MultiStepLR", milestones)
        if not _is_real(gamma) or not gamma > 0:
            raise ValueError(f"MultiStepLR: gamma must be a finite number > 0, got {gamma!r}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _check_milestones(who: str, milestones: Any) -> list[int]:
        if isinstance(milestones, Mapping):  # PyTorch's Counter {epoch: times}
            milestones = [k for k, times in milestones.items() for _ in range(int(times))]
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Iterable):
            raise TypeError(f"{who}: milestones must be a list of epochs, got {milestones!r}")
        milestones = list(milestones)
        if not all(_is_int(m) and m >= 0 for m in milestones):
            raise ValueError(
                f"{who}: milestones must be integers >= 0 (epochs), got {milestones!r}"
            )
        return sorted(int(m) for m in milestones)

    def get_lr(self) -> list[float]:
        """lr · gamma^(times last_epoch is a milestone)."""
        groups = self.optimizer.param_groups
        if self.last_epoch not in self.milestones:
            return [group["lr"] for group in groups]
        factor = self.gamma ** self.milestones.count(self.last_epoch)
        return [group["lr"] * factor for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        passed = bisect.bisect_right(self.milestones, self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]

    def _convert_loaded(self, who: str, saved: dict[str, Any]) -> dict[str, Any]:
        saved["milestones"] = self._check_milestones(who, saved["milestones"])
        return saved


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by ``gamma`` every epoch.

    lr(epoch) = base_lr · gamma^epoch
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        if not _is_real(gamma) or not gamma > 0:
            raise ValueError(f"ExponentialLR: gamma must be a finite number > 0, got {gamma!r}")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """lr · gamma (the current lr at the constructor's step)."""
        groups = self.optimizer.param_groups
        if self._initial():
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from base_lr down to ``eta_min`` over ``T_max`` epochs, and back up
    over the next ``T_max`` (the cosine continues; no restart).

    lr(epoch) = eta_min + (base_lr - eta_min) · (1 + cos(π · epoch / T_max)) / 2

    computed as PyTorch does, recursively from the current lr:
    lr_t = eta_min + (lr_{t-1} - eta_min) · (1 + cos(π t / T_max)) / (1 + cos(π (t-1) / T_max)),
    with lr_t = lr_{t-1} + (base_lr - eta_min) · (1 - cos(π / T_max)) / 2 on the epochs just
    after a minimum, (t - 1 - T_max) mod 2·T_max = 0, where the ratio would be 0/0.
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        _check_int("CosineAnnealingLR", "T_max", T_max, 1)
        _check_real("CosineAnnealingLR", "eta_min", eta_min, 0.0)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The recursive form above (the current lr at the constructor's step)."""
        groups = self.optimizer.param_groups
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._initial():
            return [group["lr"] for group in groups]
        if (t - 1 - T) % (2 * T) == 0:
            return [
                group["lr"] + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base, group in zip(self.base_lrs, groups, strict=True)
            ]
        return [
            (1 + math.cos(math.pi * t / T))
            / (1 + math.cos(math.pi * (t - 1) / T))
            * (group["lr"] - eta_min)
            + eta_min
            for group in groups
        ]

    def _get_closed_form_lr(self) -> list[float]:
        return [
            self.eta_min
            + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base in self.base_lrs
        ]


# OneCycleLR and ReduceLROnPlateau follow no epoch formula: `nn.lr_policies`; the schedulers
# of a factor (a lambda's, a constant, a linear ramp) and SequentialLR: `nn.lr_factors`.
# Imported last, as those modules build on the base class above.
from nn.lr_factors import (  # noqa: E402
    ConstantLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    SequentialLR,
)
from nn.lr_policies import OneCycleLR, ReduceLROnPlateau  # noqa: E402
