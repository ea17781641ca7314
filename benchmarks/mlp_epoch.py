"""Workload ``mlp_epoch``: one epoch of ``nn.MLP([784, 256, 128, 10], activation="relu")``
on MNIST (batch 64, ``nn.optim.Adam``), data loading included; PyTorch trains its twin
`benchmarks.mlp.torch_mlp` with ``torch.optim.Adam``. Full MNIST (60,000 images) when it is
in the cache, else the bundled 5,000; see `benchmarks.epoch`."""

from __future__ import annotations

from benchmarks.epoch import torch_epoch, tracegrad_epoch
from benchmarks.harness import Prepared
from benchmarks.mlp import torch_mlp

DESCRIPTION = (
    "MLP 784-256-128-10, one epoch of MNIST (full 60k if cached, else the bundled 5k; "
    "batches of 64, Adam), loading included"
)
ENGINES = ("tracegrad", "torch")
REPEATS = dict.fromkeys(ENGINES, 1)
WARMUP = dict.fromkeys(ENGINES, 1)
#: the second epoch starts after a whole epoch of float32 Adam steps (see benchmarks.epoch)
TOLERANCE = {"second_loss": 5e-2}
SIZES = [784, 256, 128, 10]
PIXEL = 14 * 28 + 14  # probe a centre pixel's weight: border pixels are always 0


def _ours():
    import nn

    return nn.MLP(SIZES, activation="relu")


def _torch_mlp_like_ours():
    """torch's Sequential numbered like ours (Linear at 0, 2, 4), flattening first."""
    return torch_mlp(SIZES, "relu")


def setup(engine: str) -> Prepared:
    """Return one epoch for ``engine`` (tracegrad or torch)."""
    if engine == "tracegrad":
        return tracegrad_epoch("mlp_epoch", _ours, "0.weight", PIXEL)
    if engine == "torch":
        return torch_epoch("mlp_epoch", _ours, _torch_mlp_like_ours, "0.weight", PIXEL)
    raise ValueError(f"mlp_epoch: unknown engine {engine!r}")
