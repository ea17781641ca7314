"""``tracegrad train {mlp,lenet,autoencoder}``: train on bundled (or fetched) digits with
progress bars, a checkpoint per epoch, curves as PNG and final metrics as JSON."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import nn
from nn.data import DataLoader, load_digits, load_mnist, load_mnist5k, train_test_split
from nn.optim import Adam
from nn.training import evaluate, fit
from viz.graph import write_atomically
from viz.plots import plot_curves, plot_feature_maps, plot_filters

DATASETS = ("digits", "mnist5k", "mnist")
MODELS = ("mlp", "lenet", "autoencoder")


@dataclass
class Split:
    """Train and test images (N, 1, H, W) and labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_split(name: str, seed: int = 0) -> Split:
    """The data set ``name`` split into train and held-out test parts."""
    if name == "mnist":
        x_tr, y_tr = load_mnist("train")
        x_te, y_te = load_mnist("test")
        return Split(x_tr, y_tr, x_te, y_te)
    x, y = load_digits() if name == "digits" else load_mnist5k()
    (x_tr, y_tr), (x_te, y_te) = train_test_split(x, y, test_fraction=0.2, seed=seed, stratify=y)
    return Split(x_tr, y_tr, x_te, y_te)


def build(model: str, data: Split) -> tuple[nn.Module, str]:
    """The model for ``model`` sized to ``data``, and its task."""
    side = data.x_train.shape[-1]
    pixels = int(np.prod(data.x_train.shape[1:]))
    if model == "mlp":
        sizes = [pixels, 256, 128, 10] if side == 28 else [pixels, 64, 10]
        return nn.MLP(sizes, activation="relu"), "classify"
    if model == "lenet":
        if side != 28:
            raise ValueError("lenet needs 28×28 images: use --data mnist5k or mnist")
        return nn.LeNet5(), "classify"
    return nn.Autoencoder([pixels, 128, 32] if side == 28 else [pixels, 32, 8]), "reconstruct"


def train_main(
    model: str,
    data_name: str,
    epochs: int,
    out: Path,
    *,
    lr: float,
    batch: int,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, float]:
    """Train, checkpointing each epoch into ``out``; returns the final metrics."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose from {MODELS}")
    if data_name not in DATASETS:
        raise ValueError(f"unknown data set {data_name!r}; choose from {DATASETS}")
    out.mkdir(parents=True, exist_ok=True)
    nn.manual_seed(seed)
    data = load_split(data_name, seed)
    net, task = build(model, data)
    gen = np.random.default_rng(seed)
    train = DataLoader((data.x_train, data.y_train), batch_size=batch, shuffle=True, generator=gen)
    test = DataLoader((data.x_test, data.y_test), batch_size=512)
    opt = Adam(net.parameters(), lr=lr)
    checkpoint = out / f"{model}.npz"

    def on_epoch(epoch: int, history: dict[str, list[float]]) -> None:
        net.save(checkpoint)  # atomic: an interrupted run keeps the last complete epoch
        plot_curves(history, title=f"{model} on {data_name}", path=out / "curves.png")

    start = time.perf_counter()
    try:
        fit(
            net, opt, train, test, epochs=epochs, task=task, on_epoch=on_epoch, progress=progress
        )
    except KeyboardInterrupt:
        print(f"\ninterrupted: the last complete epoch is kept in {checkpoint}")
        raise
    seconds = time.perf_counter() - start
    metrics = {f"test {k}": v for k, v in evaluate(net, test, task).items()}
    metrics.update(epochs=epochs, seconds=round(seconds, 1), data=data_name, model=model)
    write_atomically(out / "metrics.json", (json.dumps(metrics, indent=2) + "\n").encode())
    if model == "lenet":
        plot_filters(net.conv1.weight.data, title="conv1 filters", path=out / "filters.png")
        from autograd import Tensor, no_grad

        with no_grad():
            a1, _ = net.features(Tensor(data.x_test[:1]))
        plot_feature_maps(
            a1.data[0],
            image=data.x_test[0, 0],
            title="conv1 feature maps",
            path=out / "feature_maps.png",
        )
    if task == "reconstruct":
        _reconstructions(net, data, out / "reconstructions.png")
    return metrics


def _reconstructions(net: nn.Module, data: Split, path: Path) -> None:
    from autograd import Tensor, no_grad

    x = data.x_test[:10]
    with no_grad():
        rec = net(Tensor(x.reshape(len(x), -1))).data.reshape(x.shape)
    pair = np.concatenate([x[:, 0], rec[:, 0]], axis=0)[:, None]  # originals, then rebuilt
    plot_feature_maps(
        pair[:, 0], title="top: originals · bottom: reconstructions", path=path, max_maps=20
    )
