"""Ready-made models: ``MLP``, ``LeNet5``, ``Autoencoder``."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from autograd import Tensor
from nn.containers import Sequential
from nn.layers import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sigmoid, Tanh
from nn.module import Module

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": ReLU, "tanh": Tanh}


def _activation(name: str) -> Module:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]()


def _stack(sizes: Sequence[int], activation: str, last: str | None) -> list[Module]:
    layers: list[Module] = []
    for k, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(Linear(a, b))
        is_last = k == len(sizes) - 2
        if not is_last:
            layers.append(_activation(activation))
        elif last is not None:
            layers.append(_activation(last))
    return layers


class MLP(Sequential):
    """Fully connected layers ``sizes[0] → … → sizes[-1]``; z^l = W^l a^{l-1} + b^l,
    a^l = σ(z^l) between layers, logits out. x: (N, sizes[0]) -> (N, sizes[-1])."""

    def __init__(self, sizes: Sequence[int], activation: str = "sigmoid"):
        if len(sizes) < 2:
            raise ValueError(f"MLP: need at least an input and an output size, got {list(sizes)}")
        super().__init__(*_stack(sizes, activation, None))
        self.sizes, self.activation = list(sizes), activation

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, D) or images (N, C, H, W) flattened -> logits (N, classes)."""
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        return super().forward(x)


class LeNet5(Module):
    """LeNet-5 for (N, C, 28, 28) images: conv5×5(6, pad 2) → pool → conv5×5(16) → pool →
    120 → 84 → classes, ReLU and max-pooling (the modern form); logits out."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, pool: str = "max"):
        super().__init__()
        Pool = MaxPool2d if pool == "max" else AvgPool2d
        self.conv1 = Conv2d(in_channels, 6, 5, padding=2)
        self.act1, self.pool1 = ReLU(), Pool(2)
        self.conv2 = Conv2d(6, 16, 5)
        self.act2, self.pool2 = ReLU(), Pool(2)
        self.flatten = Flatten()
        self.fc1, self.act3 = Linear(16 * 5 * 5, 120), ReLU()
        self.fc2, self.act4 = Linear(120, 84), ReLU()
        self.fc3 = Linear(84, num_classes)

    def features(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The two convolutional feature maps: (N, 6, 28, 28) and (N, 16, 10, 10)."""
        a1 = self.act1(self.conv1(x))
        a2 = self.act2(self.conv2(self.pool1(a1)))
        return a1, a2

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, C, 28, 28) -> logits (N, num_classes)."""
        if x.ndim != 4 or x.shape[2:] != (28, 28):
            raise ValueError(f"LeNet5: input must be (N, C, 28, 28), got {x.shape}")
        _, a2 = self.features(x)
        h = self.flatten(self.pool2(a2))
        return self.fc3(self.act4(self.fc2(self.act3(self.fc1(h)))))


class Autoencoder(Module):
    """An MLP encoder ``sizes[0] → … → sizes[-1]`` (the code) and the mirrored decoder;
    sigmoid output so reconstructions live in [0, 1] like the pixels."""

    def __init__(self, sizes: Sequence[int], activation: str = "relu"):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"Autoencoder: need at least two sizes, got {list(sizes)}")
        self.sizes = list(sizes)
        self.encoder = Sequential(*_stack(sizes, activation, None))
        self.decoder = Sequential(*_stack(list(reversed(sizes)), activation, "sigmoid"))

    def encode(self, x: Tensor) -> Tensor:
        """x: (N, D) (or images, flattened) -> code (N, sizes[-1])."""
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)
        return self.encoder(x)

    def decode(self, code: Tensor) -> Tensor:
        """code: (N, sizes[-1]) -> reconstruction (N, D) in [0, 1]."""
        return self.decoder(code)

    def forward(self, x: Tensor) -> Tensor:
        """x (N, D) -> reconstruction (N, D)."""
        return self.decode(self.encode(x))
