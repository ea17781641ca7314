"""The two schedulers that follow no epoch formula, with PyTorch's names and numbers:
OneCycleLR (stepped once per batch, cycling momentum too) and ReduceLROnPlateau (driven by a
monitored metric). Reachable as `nn.lr_scheduler.OneCycleLR` and
``nn.optim.lr_scheduler.ReduceLROnPlateau``; the base class and the epoch schedulers are in
`nn.lr_scheduler`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal, SupportsFloat

from nn.lr_scheduler import (
    LRScheduler,
    _check_int,
    _check_optimizer,
    _check_real,
    _is_real,
    _per_group,
)

if TYPE_CHECKING:
    from nn.optim import Optimizer

__all__ = ["OneCycleLR", "ReduceLROnPlateau"]


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
