"""Learning-rate schedulers with the names, numbers and state dicts of
``torch.optim.lr_scheduler``: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, OneCycleLR,
ReduceLROnPlateau.

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

import copy
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, SupportsFloat

if TYPE_CHECKING:
    from nn.optim import Optimizer

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
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
    after ``step()`` has advanced it. ``last_epoch=-1`` starts a schedule; a value >= 0 resumes
    one whose optimizer groups already hold ``initial_lr`` (PyTorch's convention).
    """

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
        self._step_count = 0
        self.step()  # the initial step: to epoch 0 (last_epoch + 1 when resuming)

    def get_lr(self) -> list[float]:
        """The lr of each group at epoch ``last_epoch`` (subclasses)."""
        raise NotImplementedError

    def _initial(self) -> bool:
        """True inside the step that the constructor takes."""
        return self._step_count == 1

    def step(self) -> None:
        """Advance one epoch (``last_epoch += 1``) and set each group's lr to ``get_lr()``."""
        self._step_count += 1
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr: list[float] = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lr of each group set by the last ``step()`` (a copy)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, copied: plain Python data."""
        return copy.deepcopy({k: v for k, v in vars(self).items() if k != "optimizer"})

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a ``state_dict()``: all or nothing; the entries must be those this scheduler
        keeps (a PyTorch state dict's warning flags are ignored), with one value per group
        in the per-group lists. The optimizer's lrs are not touched (load its own state)."""
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{who}: expected a dict, got {type(state_dict).__name__}")
        saved = {k: v for k, v in state_dict.items() if k not in _TORCH_ONLY}
        keys = {k for k in vars(self) if k != "optimizer"}
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


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): lr rises from max_lr/div_factor to ``max_lr`` over
    the first ``pct_start`` of ``total_steps``, then anneals to
    max_lr/(div_factor·final_div_factor); step once per batch, at most ``total_steps`` times.

    In a phase from step s0 to s1, with pct = (t - s0) / (s1 - s0):
    cos: lr = end + (start - end) · (1 + cos(π · pct)) / 2;  linear: lr = start + (end - start)·pct.
    Phase ends: pct_start·total_steps - 1, then total_steps - 1. ``three_phase``: up, down to
    the initial lr by 2·pct_start·total_steps - 2, then to the minimum.
    ``cycle_momentum``: SGD's momentum (Adam's β1) moves inversely, max_momentum →
    base_momentum → max_momentum. Groups gain ``initial_lr``, ``max_lr``, ``min_lr``,
    ``max_momentum``, ``base_momentum`` (PyTorch's keys).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = "OneCycleLR"
        _check_optimizer(name, optimizer)
        if total_steps is not None:
            _check_int(name, "total_steps", total_steps, 1)
            self.total_steps = int(total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            _check_int(name, "epochs", epochs, 1)
            _check_int(name, "steps_per_epoch", steps_per_epoch, 1)
            self.total_steps = int(epochs * steps_per_epoch)
        else:
            raise ValueError(f"{name}: pass total_steps, or both epochs and steps_per_epoch")
        _check_real(name, "pct_start", pct_start, 0.0)
        if pct_start > 1:
            raise ValueError(f"{name}: pct_start must be in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{name}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        for arg, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if not _is_real(value) or not value > 0:
                raise ValueError(f"{name}: {arg} must be a finite number > 0, got {value!r}")
        max_lrs = _per_group(name, "max_lr", max_lr, optimizer, 0.0)
        self._anneal_func_type = anneal_strategy

        n, p = self.total_steps, pct_start
        if three_phase:
            self._schedule_phases = [
                _phase(float(p * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(
                    float(2 * p * n) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"
                ),
                _phase(n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(float(p * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        start = 0.0
        for i, phase in enumerate(self._schedule_phases):
            if phase["end_step"] == start:
                raise ValueError(
                    f"{name}: pct_start={pct_start} with total_steps={n} makes phase {i + 1} "
                    "zero steps long (a division by zero); change pct_start or total_steps"
                )
            start = phase["end_step"]

        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            defaults = optimizer.defaults
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError(
                    f"{name}: cycle_momentum=True needs an optimizer with momentum or betas, "
                    f"{type(optimizer).__name__} has neither; pass cycle_momentum=False"
                )
            self.use_beta1 = "betas" in defaults
            high = 1.0 if self.use_beta1 else None  # Adam's β1 must stay below 1
            max_ms = _per_group(name, "max_momentum", max_momentum, optimizer, 0.0, high)
            base_ms = _per_group(name, "base_momentum", base_momentum, optimizer, 0.0, high)
        if last_epoch == -1:
            for i, group in enumerate(optimizer.param_groups):
                group["initial_lr"] = max_lrs[i] / div_factor
                group["max_lr"] = max_lrs[i]
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if self.cycle_momentum:
                    if self.use_beta1:
                        group["betas"] = (max_ms[i], *group["betas"][1:])
                    else:
                        group["momentum"] = max_ms[i]
                    group["max_momentum"] = max_ms[i]
                    group["base_momentum"] = base_ms[i]
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        """Cosine or linear interpolation from ``start`` (pct 0) to ``end`` (pct 1)."""
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def step(self) -> None:
        """Advance one batch; ValueError past step ``total_steps`` (nothing changes). As in
        PyTorch, ``total_steps`` calls follow the constructor's step."""
        if self.last_epoch + 1 > self.total_steps:
            raise ValueError(
                f"OneCycleLR: step() past the end of the cycle (step {self.last_epoch + 1} > "
                f"total_steps={self.total_steps})"
            )
        super().step()

    def get_lr(self) -> list[float]:
        """The phase formula above at step ``last_epoch``; sets momentum/β1 as a side effect."""
        lrs = []
        t = self.last_epoch
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if t <= end or i == last:
                    pct = (t - start) / (end - start)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct
                        )
                    break
                start = end
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_m: str, end_m: str) -> dict:
    """One phase of OneCycleLR (PyTorch's ``_schedule_phases`` entry): group keys to go
    between, up to step ``end_step``."""
    return {
        "end_step": end_step,
        "start_lr": start_lr,
        "end_lr": end_lr,
        "start_momentum": start_m,
        "end_momentum": end_m,
    }


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's lr by ``factor`` when a metric has not improved for more than
    ``patience`` epochs; call ``step(metric)`` once per epoch.

    Improvement (mode "min"): metric < best·(1 - threshold) ("rel") or < best - threshold
    ("abs"); mode "max": > best·(1 + threshold) or > best + threshold.
    On a reduction: lr = max(lr · factor, min_lr), skipped when it changes lr by <= eps; then
    ``cooldown`` epochs during which bad epochs are not counted.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: Literal["min", "max"] = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: Literal["rel", "abs"] = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        _check_optimizer(name, optimizer)
        _check_real(name, "factor", factor, 0.0, 1.0)
        _check_int(name, "patience", patience, 0)
        _check_int(name, "cooldown", cooldown, 0)
        _check_real(name, "eps", eps, 0.0)
        self.factor = factor
        self.optimizer = optimizer
        self.min_lrs = _per_group(name, "min_lr", min_lr, optimizer, 0.0)
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(name, mode, threshold, threshold_mode)
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _init_is_better(self, who: str, mode: Any, threshold: Any, threshold_mode: Any) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"{who}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{who}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        _check_real(who, "threshold", threshold, 0.0)
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    @property
    def in_cooldown(self) -> bool:
        """True while the cooldown after a reduction lasts."""
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: SupportsFloat) -> None:  # type: ignore[override]
        """One epoch with metric ``metrics`` (a number or 0-d Tensor): count a bad epoch unless
        it improves on the best, and reduce the lrs after more than ``patience`` of them."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        """lr = max(lr · factor, min_lr) in each group, unless that moves it by <= eps."""
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups, but "
                    f"min_lr has {len(self.min_lrs)} values (a group was added); set min_lrs"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old = float(group["lr"])
            new = max(old * self.factor, self.min_lrs[i])
            if old - new > self.eps:
                group["lr"] = new

    def _convert_loaded(self, who: str, saved: dict[str, Any]) -> dict[str, Any]:
        self._init_is_better(who, saved["mode"], saved["threshold"], saved["threshold_mode"])
        return saved
