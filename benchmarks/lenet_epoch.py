"""Workload ``lenet_epoch``: one epoch of LeNet-5 on full MNIST (60,000 images, batch 64,
Adam), data loading included; see `benchmarks.epoch`. Needs ``tracegrad data fetch mnist``."""

from __future__ import annotations

from benchmarks.epoch import torch_epoch, tracegrad_epoch
from benchmarks.harness import Prepared

DESCRIPTION = "LeNet-5, one epoch of full MNIST (938 batches of 64, Adam), loading included"
ENGINES = ("tracegrad", "torch")
REPEATS = dict.fromkeys(ENGINES, 1)
WARMUP = dict.fromkeys(ENGINES, 1)
#: the second epoch starts after 938 float32 Adam steps (see benchmarks.epoch)
TOLERANCE = {"second_loss": 5e-2}


def _ours():
    import nn

    return nn.LeNet5()


def _torch_lenet():
    import torch
    from torch import nn as tnn

    class LeNet5(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1, self.conv2 = tnn.Conv2d(1, 6, 5, padding=2), tnn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = (
                tnn.Linear(400, 120),
                tnn.Linear(120, 84),
                tnn.Linear(84, 10),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            f = tnn.functional
            x = f.max_pool2d(f.relu(self.conv1(x)), 2)
            x = f.max_pool2d(f.relu(self.conv2(x)), 2).flatten(1)
            return self.fc3(f.relu(self.fc2(f.relu(self.fc1(x)))))

    return LeNet5()


def setup(engine: str) -> Prepared:
    """Return one epoch for ``engine`` (tracegrad or torch)."""
    if engine == "tracegrad":
        return tracegrad_epoch(_ours, "conv1.weight")
    if engine == "torch":
        return torch_epoch(_ours, _torch_lenet, "conv1.weight")
    raise ValueError(f"lenet_epoch: unknown engine {engine!r}")
