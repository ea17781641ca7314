"""Normalisation layers with PyTorch's semantics, parameters and state-dict keys.

The forward passes are built from differentiable Tensor ops (mean, subtraction,
multiplication, sqrt, reshape), so their gradients come from the engine. Running statistics
are plain ndarrays updated in place with numpy, outside any recorded graph.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor, get_default_dtype
from nn.module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


def _array(b: np.ndarray | Tensor) -> np.ndarray:
    """The ndarray of a buffer (a Tensor buffer's data, updated in place like an array)."""
    return b.data if isinstance(b, Tensor) else b


class _BatchNorm(Module):
    """Batch normalisation over every axis but the channel axis 1.

    y = (x - E[x]) / √(Var[x] + eps) · weight + bias, per channel. Training mode uses the
    batch's mean and biased variance and updates ``running_mean``/``running_var`` with the
    mean and the unbiased variance: r ← (1 - m)·r + m·batch, where m is ``momentum``, or
    1/num_batches_tracked (a cumulative average) when ``momentum`` is None. Evaluation mode
    uses the running statistics (the batch's when ``track_running_stats`` is False).
    """

    _ranks: tuple[int, ...] = ()
    _shapes: str = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ):
        super().__init__()
        if not isinstance(num_features, int) or num_features <= 0:
            raise ValueError(
                f"{type(self).__name__}: num_features must be a positive int, got {num_features!r}"
            )
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = get_default_dtype()
        self.weight: Parameter | None
        self.bias: Parameter | None
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype))
            self.bias = Parameter(np.zeros(num_features, dtype))
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.array(0, np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked (in place)."""
        if self.track_running_stats:
            _array(self.running_mean).fill(0)
            _array(self.running_var).fill(1)
            _array(self.num_batches_tracked).fill(0)

    def _check_input(self, x: Tensor) -> None:
        name = f"{type(self).__name__}({self.num_features})"
        if x.ndim not in self._ranks:
            raise ValueError(
                f"{name}: expected input of shape {self._shapes}, got {x.ndim}-D input of "
                f"shape {x.shape}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{name}: input of shape {x.shape} has {x.shape[1]} channels (axis 1), "
                f"expected {self.num_features}"
            )

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C, *) -> the same shape, normalised per channel."""
        self._check_input(x)
        axes = (0, *range(2, x.ndim))
        per_channel = (1, self.num_features) + (1,) * (x.ndim - 2)
        use_batch = self.training or self.running_mean is None
        if use_batch:
            n = x.size // self.num_features
            if n == 1:
                raise ValueError(
                    f"{type(self).__name__}: Expected more than 1 value per channel when "
                    f"training, got input size {x.shape}"
                )
            mean = x.mean(axis=axes, keepdims=True)
            xc = x - mean
            var = (xc * xc).mean(axis=axes, keepdims=True)  # biased: divides by n
            y = xc / (var + self.eps).sqrt()
            if self.training and self.track_running_stats:
                self._update_running_stats(mean.data.reshape(-1), var.data.reshape(-1), n)
        else:
            rm = _array(self.running_mean).reshape(per_channel).astype(x.dtype)
            rv = _array(self.running_var).reshape(per_channel).astype(x.dtype)
            y = (x - Tensor(rm)) * Tensor(1 / np.sqrt(rv + x.dtype.type(self.eps)))
        if self.weight is not None:
            y = y * self.weight.reshape(per_channel)
        if self.bias is not None:
            y = y + self.bias.reshape(per_channel)
        return y

    def _update_running_stats(self, mean: np.ndarray, var: np.ndarray, n: int) -> None:
        """r ← (1 - m)·r + m·batch, in place; the variance unbiased (n / (n - 1))."""
        count = _array(self.num_batches_tracked)
        np.add(count, 1, out=count)
        m = 1.0 / float(count) if self.momentum is None else self.momentum
        for buffer, batch in (
            (self.running_mean, mean),
            (self.running_var, var * (n / (n - 1))),
        ):
            r = _array(buffer)
            r *= 1 - m
            r += m * batch.astype(r.dtype)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs per channel C (see `_BatchNorm`)."""

    _ranks = (2, 3)
    _shapes = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images per channel C (see `_BatchNorm`)."""

    _ranks = (4,)
    _shapes = "(N, C, H, W)"


class LayerNorm(Module):
    """Normalise over the trailing ``normalized_shape`` axes of each sample.

    x: (*, *normalized_shape) -> the same shape;
    y = (x - E[x]) / √(Var[x] + eps) · weight + bias, mean and biased variance over the
    normalised axes; weight (ones) and bias (zeros) of shape ``normalized_shape``.
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...] | list[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        shape = tuple(shape)
        if not shape or any(not isinstance(d, int) or d <= 0 for d in shape):
            raise ValueError(
                f"LayerNorm: normalized_shape must be a positive int or a non-empty tuple of "
                f"them, got {normalized_shape!r}"
            )
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        dtype = get_default_dtype()
        self.weight: Parameter | None
        self.bias: Parameter | None
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype))
            self.bias = Parameter(np.zeros(shape, dtype)) if bias else None
        else:
            self.weight = self.bias = None

    def forward(self, x: Tensor) -> Tensor:
        """x: (*, *normalized_shape) -> the same shape."""
        k = len(self.normalized_shape)
        if x.ndim < k or x.shape[x.ndim - k :] != self.normalized_shape:
            raise ValueError(
                f"LayerNorm{self.normalized_shape}: expected input of shape "
                f"(*, {', '.join(map(str, self.normalized_shape))}), got {x.shape}"
            )
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        var = (xc * xc).mean(axis=axes, keepdims=True)
        y = xc / (var + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
