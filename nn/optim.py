"""Optimizers with PyTorch's semantics, defaults and state-dict layout: SGD, Adam, AdamW
(here), RMSprop and Adagrad (`nn.optim_adaptive`, re-exported).

An optimizer holds ``param_groups`` (lists of leaf Tensors with per-group options such as
``lr``) and per-parameter ``state`` (numpy arrays in the parameter's dtype). ``step()`` reads
each ``p.grad`` and updates ``p.data`` in place under ``no_grad()``, so references to the
array stay valid and a graph that saved the old values refuses to backward.

The learning-rate schedulers live in `nn.lr_scheduler`, reachable as ``nn.optim.lr_scheduler``
(PyTorch's path); ``StepLR`` is re-exported here.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from autograd import Tensor, enable_grad, no_grad
from nn import lr_scheduler
from nn.lr_scheduler import StepLR
from nn.module import zero_grads
from nn.optim_state import check_optimizer_state

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "StepLR", "lr_scheduler"]

# keys the schedulers (nn.optim.lr_scheduler) add to parameter groups, as PyTorch's do; an
# optimizer state dict carries them and loads them back beside the optimizer's own options
SCHEDULER_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad``, state dicts.

    ``params`` is an iterable of Tensors, or of dicts ``{"params": [...], **options}`` whose
    options override ``defaults`` for that group (``SGD([{"params": a}, {"params": b,
    "lr": 0.1}], lr=0.01)``). Subclasses implement ``_update(p, grad, state, group)``.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, (Tensor, dict)):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts, but got a "
                f"{type(params).__name__}; wrap it in a list: {name}([p], ...)"
            )
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        # Tensors or group dicts (add_param_group refuses a mix, naming the odd one)
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(
                f"{name} got an empty parameter list; pass model.parameters() of a model "
                "that has parameters"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join([*lines, ")"])

    # --- parameter groups -----------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group ``{"params": ..., **options}``; missing options come from defaults."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a parameter group must be a dict with a 'params' key, got "
                f"{type(param_group).__name__} (do not mix Tensors and dicts in params)"
            )
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' key")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        index = len(self.param_groups)
        for i, p in enumerate(params):
            where = f"parameter {i} of group {index}"
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name} can only optimize Tensors, but {where} is a {type(p).__name__}"
                )
            if not p.requires_grad:
                raise ValueError(
                    f"{name}: {where} (shape {p.shape}) does not require grad; create it with "
                    "requires_grad=True or leave it out of the optimizer"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name} can't optimize a non-leaf Tensor: {where} was produced by "
                    f"{p.op!r}; optimize the leaf tensors it was computed from"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: parameter group {index} lists a parameter twice")
        if seen.intersection(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group = {**self.defaults, **param_group, "params": params}
        unknown = sorted(set(group) - set(self.defaults) - {"params"})
        if unknown:
            raise ValueError(
                f"{name}: parameter group {index} has unknown option(s) {unknown}; "
                f"known: {sorted(self.defaults)}"
            )
        self._check_options(group)
        self.param_groups.append(group)

    def _check_options(self, group: dict[str, Any]) -> None:
        """Raise ValueError on invalid hyperparameters (subclasses extend)."""
        if group["lr"] < 0.0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate: {group['lr']}")

    # --- stepping -------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: to None (default) or to zeros in place."""
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a ``.grad``; returns ``closure()`` if given.

        ``closure`` recomputes the loss (and its gradients) before the update.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # this loop is the optimizer's own cost on every step: look the attributes up once
        # per step, and make a parameter's state dict at its first update only
        states, update = self.state, self._update
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    if p.grad.shape != p.data.shape:
                        raise RuntimeError(
                            f"{type(self).__name__}: a parameter of shape {p.shape} has a "
                            f"gradient of shape {grad.shape}"
                        )
                    state = states.get(p)
                    if state is None:
                        state = states[p] = {}
                    update(p, grad, state, group)
        return loss

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict) -> None:
        raise NotImplementedError

    # --- state dicts ----------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """A copy of the state, PyTorch's layout: parameters are numbered across groups.

        ``{"state": {index: {name: value}}, "param_groups": [{**options, "params": [index]}]}``
        """
        index: dict[Tensor, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[p] = len(index)
                ids.append(index[p])
            groups.append(
                {**copy.deepcopy({k: v for k, v in group.items() if k != "params"}), "params": ids}
            )
        state = {index[p]: copy.deepcopy(s) for p, s in self.state.items() if p in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Load a ``state_dict()``: options per group and state per parameter (copied).

        All or nothing (`nn.optim_state.check_optimizer_state`): groups match by position
        and size; options must be known, of the right kind and valid; each parameter's state
        must hold the entries this optimizer keeps, arrays of its shape, real and finite,
        cast to its dtype. Errors name the group, parameter index and entry.
        """
        state_dict, scheduled = _split_scheduler_keys(self, state_dict)
        options, state = check_optimizer_state(self, state_dict)
        for group, saved, extra in zip(self.param_groups, options, scheduled, strict=True):
            group.update(saved)
            group.update(extra)
        self.state = state


def _split_scheduler_keys(opt: Optimizer, state_dict: Any) -> tuple[Any, list[dict[str, float]]]:
    """``state_dict`` without the `SCHEDULER_KEYS` of its groups, and those keys per group
    (finite numbers >= 0). Anything malformed is passed on for `check_optimizer_state` to name."""
    groups = state_dict.get("param_groups") if isinstance(state_dict, Mapping) else None
    if not isinstance(groups, (list, tuple)) or len(groups) != len(opt.param_groups):
        return state_dict, [{} for _ in opt.param_groups]
    stripped, scheduled = [], []
    for i, g in enumerate(groups):
        extra = {k: g[k] for k in SCHEDULER_KEYS if isinstance(g, Mapping) and k in g}
        for k, v in extra.items():
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)):
                v = None
            if v is None or not math.isfinite(v) or v < 0:
                raise ValueError(
                    f"{type(opt).__name__}.load_state_dict: parameter group {i}: scheduler "
                    f"entry {k!r} is {g[k]!r}; expected a finite number >= 0"
                )
            extra[k] = float(v)
        stripped.append({k: v for k, v in g.items() if k not in extra} if extra else g)
        scheduled.append(extra)
    return {**state_dict, "param_groups": stripped}, scheduled


def _effective_grad(p: Tensor, grad: np.ndarray, weight_decay: float, maximize: bool) -> np.ndarray:
    """``(-grad if maximize else grad) + weight_decay * p``; never changes ``p.grad``."""
    if weight_decay != 0:
        g = np.multiply(p.data, weight_decay, out=np.empty_like(p.data))  # an array even for 0-d p
        return np.subtract(g, grad, out=g) if maximize else np.add(g, grad, out=g)
    return np.negative(grad) if maximize else grad


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (PyTorch's formulation).

    g = ∇ + λ·p;  b = μ·b + (1 - τ)·g (b = g at the first step);
    g = g + μ·b (Nesterov) or g = b;  p = p - lr·g.  ``maximize`` ascends (∇ → -∇).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        if group["momentum"] < 0.0:
            raise ValueError(f"SGD: invalid momentum value: {group['momentum']}")
        if group["weight_decay"] < 0.0:
            raise ValueError(f"SGD: invalid weight_decay value: {group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict) -> None:
        g = _effective_grad(p, grad, group["weight_decay"], group["maximize"])
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, dtype=p.dtype, copy=True)
            else:
                buf *= momentum
                dampening = group["dampening"]
                buf += g if dampening == 0 else (1 - dampening) * g
            g = g + momentum * buf if group["nesterov"] else buf
        p.add_(g, alpha=-group["lr"])


class Adam(Optimizer):
    """Adam (Kingma & Ba), optionally AMSGrad; ``weight_decay`` is added to the gradient.

    m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  v̂max = max(v̂max, v) (AMSGrad);
    p = p - lr/(1-β1ᵗ) · m / (√v / √(1-β2ᵗ) + eps).
    """

    _decoupled = False

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, group: dict[str, Any]) -> None:
        super()._check_options(group)
        name = type(self).__name__
        if group["eps"] < 0.0:
            raise ValueError(f"{name}: invalid epsilon value: {group['eps']}")
        for i, beta in enumerate(group["betas"]):
            if not 0.0 <= beta < 1.0:
                raise ValueError(
                    f"{name}: invalid beta parameter at index {i}: {beta} (need 0 <= beta < 1)"
                )
        if group["weight_decay"] < 0.0:
            raise ValueError(f"{name}: invalid weight_decay value: {group['weight_decay']}")

    def _update(self, p: Tensor, grad: np.ndarray, state: dict[str, Any], group: dict) -> None:
        lr, eps, (beta1, beta2) = group["lr"], group["eps"], group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]

        weight_decay = group["weight_decay"]
        if self._decoupled:
            # AdamW: shrink the weights directly, outside the adaptive scaling
            if weight_decay != 0:
                p *= 1 - lr * weight_decay
            g = _effective_grad(p, grad, 0.0, group["maximize"])
        else:
            g = _effective_grad(p, grad, weight_decay, group["maximize"])

        # one scratch array for all intermediates of this parameter
        buf = np.empty_like(p.data)
        m *= beta1
        m += np.multiply(g, 1 - beta1, out=buf)
        v *= beta2
        np.multiply(g, g, out=buf)
        buf *= 1 - beta2
        v += buf
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

        step_size = lr / (1 - beta1**t)
        np.sqrt(v, out=buf)
        buf /= (1 - beta2**t) ** 0.5
        buf += eps
        np.divide(m, buf, out=buf)  # m / denom
        buf *= step_size
        p -= buf


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p = p·(1 - lr·λ) first,
    then the Adam step without λ in the gradient."""

    _decoupled = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


# below the base class they subclass
from nn.optim_adaptive import Adagrad, RMSprop  # noqa: E402
