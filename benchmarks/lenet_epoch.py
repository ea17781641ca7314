"""Workload ``lenet_epoch``: one epoch of ``nn.LeNet5()`` on MNIST (batch 64,
``nn.optim.Adam``), data loading included; PyTorch trains its twin
`benchmarks.lenet_step.torch_lenet5` with ``torch.optim.Adam``. Full MNIST (60,000 images)
when it is in the cache, else the bundled 5,000; see `benchmarks.epoch`."""

from __future__ import annotations

from benchmarks.epoch import torch_epoch, tracegrad_epoch
from benchmarks.harness import Prepared
from benchmarks.lenet_step import torch_lenet5

DESCRIPTION = (
    "LeNet-5, one epoch of MNIST (full 60k if cached, else the bundled 5k; batches of 64, "
    "Adam), loading included"
)
ENGINES = ("tracegrad", "torch")
REPEATS = dict.fromkeys(ENGINES, 1)
WARMUP = dict.fromkeys(ENGINES, 1)
#: the second epoch starts after a whole epoch of float32 Adam steps (see benchmarks.epoch)
TOLERANCE = {"second_loss": 5e-2}


def _ours():
    import nn

    return nn.LeNet5()


def setup(engine: str) -> Prepared:
    """Return one epoch for ``engine`` (tracegrad or torch)."""
    if engine == "tracegrad":
        return tracegrad_epoch("lenet_epoch", _ours, "conv1.weight")
    if engine == "torch":
        return torch_epoch("lenet_epoch", _ours, torch_lenet5, "conv1.weight")
    raise ValueError(f"lenet_epoch: unknown engine {engine!r}")
