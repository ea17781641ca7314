"""``tracegrad train {mlp,lenet,autoencoder}``: train on bundled (or fetched) digits with
progress bars, a checkpoint (and ``resume.npz``) per epoch, curves as PNG and final metrics as
JSON; ``resume=True`` continues a run from its last complete epoch.

The settings of each (model, data set) pair are in `tracegrad.recipes.IMAGE_RECIPES`; the
loop is `nn.training.fit`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import nn
from autograd import Tensor, no_grad
from nn.data import DataLoader, load_digits, load_mnist, load_mnist5k, train_test_split
from nn.optim import Adam, StepLR
from nn.training import evaluate, fit
from tracegrad.architectures import build, spec
from tracegrad.args import check_settings
from tracegrad.recipes import IMAGE_DATA, IMAGE_MODELS, IMAGE_RECIPES, ImageRecipe
from tracegrad.run_files import write_json, write_run_info
from tracegrad.run_state import RunState
from viz.plots import plot_feature_maps, plot_filters, plot_reconstructions


@dataclass
class Split:
    """Train and test images (N, 1, H, W) and labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_split(name: str, seed: int = 0) -> Split:
    """The data set ``name`` split into train and held-out test parts (digits and the 5k
    subset: 80/20, stratified; full MNIST: its own 10k test set)."""
    if name == "mnist":
        x_tr, y_tr = load_mnist("train")
        x_te, y_te = load_mnist("test")
        return Split(x_tr, y_tr, x_te, y_te)
    x, y = load_digits() if name == "digits" else load_mnist5k()
    (x_tr, y_tr), (x_te, y_te) = train_test_split(x, y, test_fraction=0.2, seed=seed, stratify=y)
    return Split(x_tr, y_tr, x_te, y_te)


def architecture(model: str, side: int) -> tuple[dict, str]:
    """The description (`tracegrad.architectures.spec`) of ``model`` for ``side``×``side``
    images, and its task ("classify" or "reconstruct")."""
    pixels = side * side
    if model == "mlp":
        sizes = [pixels, 256, 128, 10] if side == 28 else [pixels, 64, 10]
        return spec("MLP", sizes=sizes, activation="relu"), "classify"
    if model == "lenet":
        if side != 28:
            raise ValueError("lenet needs 28×28 images: use --data mnist5k or mnist")
        return spec("LeNet5"), "classify"
    sizes = [pixels, 128, 32] if side == 28 else [pixels, 32, 8]
    return spec("Autoencoder", sizes=sizes), "reconstruct"


def recipe(model: str, data_name: str) -> ImageRecipe:
    """The default settings for ``model`` on ``data_name``."""
    if (model, data_name) not in IMAGE_RECIPES:
        raise ValueError(f"{model} cannot train on {data_name}: lenet needs 28×28 images")
    return IMAGE_RECIPES[(model, data_name)]


def _standardised(data: Split) -> tuple[Split, float, float]:
    """``data`` with pixels (x - mean) / std of the training set, and that mean and std."""
    mean, std = float(data.x_train.mean()), float(data.x_train.std())
    scaled = Split(
        (data.x_train - mean) / std, data.y_train, (data.x_test - mean) / std, data.y_test
    )
    return scaled, mean, std


def train_main(
    model: str,
    data_name: str,
    out: Path,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    batch: int | None = None,
    seed: int = 0,
    progress: bool = True,
    resume: bool = False,
) -> dict[str, float]:
    """Train, checkpointing each epoch into ``out``; returns the final metrics.

    ``epochs``, ``lr`` and ``batch`` left as None take the recipe's values (`IMAGE_RECIPES`);
    given, they must be >= 1, finite > 0 and >= 1 (ValueError naming the setting).

    Classifiers see standardised pixels ((x - mean) / std of the training set; both are
    written to metrics.json and run.json); the autoencoder reconstructs raw pixels in [0, 1].

    ``resume``: continue the run saved in ``out`` from its last complete epoch up to
    ``epochs`` (`tracegrad.run_state`); the other arguments must be the ones it started with.
    """
    if model not in IMAGE_MODELS:
        raise ValueError(f"unknown model {model!r}; choose from {IMAGE_MODELS}")
    if data_name not in IMAGE_DATA:
        raise ValueError(f"unknown data set {data_name!r}; choose from {IMAGE_DATA}")
    check_settings(epochs=epochs, lr=lr, batch_size=batch, seed=seed)
    r = recipe(model, data_name)
    # None means the recipe's value; anything else is used as given (0 is refused, not replaced)
    epochs = r.epochs if epochs is None else epochs
    args = dict(model=model, data=data_name, epochs=epochs, lr=lr, batch=batch, seed=seed)
    lr = r.lr if lr is None else lr
    batch = r.batch if batch is None else batch
    out.mkdir(parents=True, exist_ok=True)
    nn.manual_seed(seed)
    data = load_split(data_name, seed)
    side = data.x_train.shape[-1]
    description, task = architecture(model, side)
    net = build(description)
    mean, std = 0.0, 1.0
    if task == "classify":
        data, mean, std = _standardised(data)
    info: dict = dict(model=model, checkpoint=f"{model}.npz", architecture=description, task=task)
    info.update(data=data_name, side=side, pixel_mean=mean, pixel_std=std)
    start = time.perf_counter()
    settings = dict(epochs=epochs, lr=lr, gamma=r.gamma, batch=batch, seed=seed)
    title = f"{model} on {data_name}"
    test = _train(net, data, out, title, progress, info, args, resume, **settings)
    seconds = time.perf_counter() - start
    metrics = {f"test {k}": v for k, v in evaluate(net, test, task).items()}
    metrics.update(
        epochs=epochs,
        seconds=round(seconds, 1),
        data=data_name,
        model=model,
        lr=lr,
        gamma=r.gamma,
        batch=batch,
        pixel_mean=mean,
        pixel_std=std,
    )
    write_json(out / "metrics.json", metrics, ensure_ascii=True)
    _pictures(net, model, task, data, out)
    return metrics


def _train(
    net: nn.Module,
    data: Split,
    out: Path,
    title: str,
    progress: bool,
    info: dict,
    args: dict,
    resume: bool,
    *,
    epochs: int,
    lr: float,
    gamma: float,
    batch: int,
    seed: int,
) -> DataLoader:
    """`nn.training.fit` with Adam, lr × ``gamma`` per epoch, the checkpoint ``out/MODEL.npz``,
    ``out/resume.npz`` and ``out/curves.png`` per epoch (after restoring the last complete
    epoch when resuming, then writing ``run.json``); returns the held-out loader. Ctrl-C says
    where the last complete epoch is kept."""
    checkpoint = out / info["checkpoint"]
    gen = np.random.default_rng(seed)
    train = DataLoader((data.x_train, data.y_train), batch_size=batch, shuffle=True, generator=gen)
    test = DataLoader((data.x_test, data.y_test), batch_size=512)
    opt = Adam(net.parameters(), lr=lr)
    scheduler = StepLR(opt, step_size=1, gamma=gamma)
    state = RunState(out, args, net, opt, scheduler, {"shuffle": gen})
    resumed = state.begin(resume)
    write_run_info(out, **info)
    try:
        fit(
            net,
            opt,
            train,
            test,
            epochs=epochs,
            task=info["task"],
            on_epoch=state.on_epoch(checkpoint, title),
            progress=progress,
            scheduler=scheduler,
            **resumed,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: the last complete epoch is kept in {checkpoint}; "
            f"tracegrad train {args['model']} --resume {out} continues the run"
        )
        raise
    return test


def _pictures(net: nn.Module, model: str, task: str, data: Split, out: Path) -> None:
    """LeNet's conv1 filters and feature maps; the autoencoder's reconstructions."""
    if model == "lenet":
        plot_filters(net.conv1.weight.data, title="conv1 filters", path=out / "filters.png")
        with no_grad():
            a1, _ = net.features(Tensor(data.x_test[:1]))
        plot_feature_maps(
            a1.data[0],
            image=data.x_test[0, 0],
            title="conv1 feature maps",
            path=out / "feature_maps.png",
        )
    if task == "reconstruct":
        x = data.x_test[:10]
        with no_grad():
            rec = net(Tensor(x.reshape(len(x), -1))).data.reshape(x.shape)
        plot_reconstructions(
            x, rec, title="autoencoder on held-out digits", path=out / "reconstructions.png"
        )
