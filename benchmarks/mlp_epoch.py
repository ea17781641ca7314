"""Workload ``mlp_epoch``: one epoch of the MLP 784-256-128-10 (ReLU) on full MNIST (60,000
images, batch 64, Adam), data loading included; see `benchmarks.epoch`. Needs
``tracegrad data fetch mnist``."""

from __future__ import annotations

from benchmarks.epoch import torch_epoch, tracegrad_epoch
from benchmarks.harness import Prepared

DESCRIPTION = (
    "MLP 784-256-128-10, one epoch of full MNIST (938 batches of 64, Adam), loading included"
)
ENGINES = ("tracegrad", "torch")
REPEATS = dict.fromkeys(ENGINES, 1)
WARMUP = dict.fromkeys(ENGINES, 1)
#: the second epoch starts after 938 float32 Adam steps (see benchmarks.epoch)
TOLERANCE = {"second_loss": 5e-2}
SIZES = [784, 256, 128, 10]
PIXEL = 14 * 28 + 14  # probe a centre pixel's weight: border pixels are always 0


def _ours():
    import nn

    return nn.MLP(SIZES, activation="relu")


def _torch_mlp_like_ours():
    """torch's Sequential numbered like ours (Linear at 0, 2, 4), flattening first."""
    import torch
    from torch import nn as tnn

    class MLP(tnn.Sequential):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return super().forward(x.flatten(1))

    return MLP(
        tnn.Linear(784, 256), tnn.ReLU(), tnn.Linear(256, 128), tnn.ReLU(), tnn.Linear(128, 10)
    )


def setup(engine: str) -> Prepared:
    """Return one epoch for ``engine`` (tracegrad or torch)."""
    if engine == "tracegrad":
        return tracegrad_epoch(_ours, "0.weight", PIXEL)
    if engine == "torch":
        return torch_epoch(_ours, _torch_mlp_like_ours, "0.weight", PIXEL)
    raise ValueError(f"mlp_epoch: unknown engine {engine!r}")
