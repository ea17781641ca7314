"""Cached downloads: one mechanism to trust them (`tracegrad data fetch mnist|bible|kjv-web`).

Every file `fetch` writes into the cache dir gets a sidecar `<file>.sha256` (`sha256sum`
format: `<hex digest>  <file name>`), written atomically after the data file. Before a
cached file is used (loaded, or reported "already present" by fetch) it is verified:

1. if the sidecar exists, the file's sha256 must match it (else the file was changed or
   cut short after the download);
2. the content must have the expected form (`CACHED[name].read`): MNIST's four arrays
   with their shapes, dtypes, label range and counts; the Bible files' tab-separated
   columns and verse references.

A file with no sidecar (fetched by an older tracegrad) whose content passes 2 is adopted:
its sidecar is written then. Anything else raises `CacheError`, which names the file and
the command that downloads it again (fetch replaces a file that fails verification).

The cache dir is `$TRACEGRAD_DATA` if set, else `~/.cache/tracegrad/`.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any

import numpy as np

from nn.checkpoint import atomic_write

MNIST_FILE = "mnist.npz"
BIBLE_FILE = "bible_web.tsv.gz"
KJV_WEB_FILE = "kjv_web.tsv.gz"
# images per split of full MNIST (tests with a tiny fake download patch this)
MNIST_COUNTS = {"train": 60_000, "test": 10_000}
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
_REF = re.compile(r"\S.* \d+:\d+")


class CacheError(ValueError):
    """A cached download cannot be trusted: it does not match its recorded sha256, or its
    content is not what the fetch writes. `path` is the file, `reason` says what is wrong."""

    def __init__(self, reason: str, path: Path | None = None, command: str | None = None):
        self.reason, self.path, self.command = reason, path, command
        if path is None:
            super().__init__(reason)
        else:
            again = f"; download it again with `{command}`" if command else ""
            super().__init__(f"{path} cannot be trusted: {reason}{again}")


def data_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache directory: `cache_dir`, else `$TRACEGRAD_DATA`, else `~/.cache/tracegrad`."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("TRACEGRAD_DATA")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "tracegrad"


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 digest of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sidecar(path: str | os.PathLike) -> Path:
    """The checksum file kept beside a cached file: `<file>.sha256`."""
    path = Path(path)
    return path.with_name(path.name + ".sha256")


def record_sha256(path: str | os.PathLike) -> str:
    """Write `<file>.sha256` for `path` atomically (temporary file, then rename); the digest."""
    path = Path(path)
    digest = sha256_of(path)
    atomic_write(sidecar(path), lambda f: f.write(f"{digest}  {path.name}\n".encode("ascii")))
    return digest


def write_text_gz_atomic(path: Path, lines: Sequence[str]) -> None:
    """gzip'd UTF-8 lines (a fixed mtime, so equal lines give equal bytes) to `path`,
    atomically."""

    def write(raw: IO[bytes]) -> None:
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
            gz.write(("\n".join(lines) + "\n").encode("utf-8"))

    atomic_write(path, write)


def _recorded_sha256(path: Path) -> str | None:
    """The digest in `path`'s sidecar; None if there is none; '' if it is unreadable."""
    side = sidecar(path)
    if not side.exists():
        return None
    try:
        fields = side.read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return ""
    ok = len(fields) == 2 and fields[1] == path.name and re.fullmatch(r"[0-9a-f]{64}", fields[0])
    return fields[0] if ok else ""


def _one_line(err: BaseException) -> str:
    return f"{type(err).__name__}: {' '.join(str(err).split())}"


# -- content checks -----------------------------------------------------------------------


def check_mnist_arrays(arrays: dict[str, np.ndarray]) -> None:
    """Raise `CacheError` unless `arrays` are full MNIST as `mnist.npz` stores it: uint8
    pixels `x_{split} (N, 28, 28)`, integer labels `y_{split} (N,)` in 0..9, N as in
    `MNIST_COUNTS` (train 60,000, test 10,000)."""
    missing = [k for k in MNIST_KEYS if k not in arrays]
    if missing or len(arrays) != len(MNIST_KEYS):
        raise CacheError(f"holds arrays {sorted(arrays)}, expected {list(MNIST_KEYS)}")
    for split, count in MNIST_COUNTS.items():
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8:
            raise CacheError(f"x_{split} has dtype {x.dtype}; expected uint8 pixels 0..255")
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise CacheError(f"x_{split} has shape {x.shape}; expected (N, 28, 28)")
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise CacheError(f"y_{split} is {y.dtype} {y.shape}; expected integer labels (N,)")
        if len(x) != len(y):
            raise CacheError(f"x_{split} has {len(x)} images but y_{split} {len(y)} labels")
        if len(x) != count:
            raise CacheError(f"x_{split} has {len(x)} images; full MNIST has {count}")
        if y.size and (y.min() < 0 or y.max() > 9):
            raise CacheError(f"y_{split} holds labels {y.min()}..{y.max()}; expected 0..9")


def read_mnist_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of a cached `mnist.npz`, checked by `check_mnist_arrays` (never unpickles)."""
    try:
        z = np.load(path, allow_pickle=False)
        if not isinstance(z, np.lib.npyio.NpzFile):
            raise CacheError("is a single .npy array, not an .npz archive")
        with z:
            arrays = {k: z[k] for k in z.files}
    except CacheError:
        raise
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as e:
        raise CacheError(f"not a readable .npz archive ({_one_line(e)})") from None
    check_mnist_arrays(arrays)
    return arrays


def check_verse_lines(lines: list[str], columns: int) -> None:
    """Raise `CacheError` unless every line is `Book C:V` and `columns - 1` texts, TAB-separated."""
    if not lines:
        raise CacheError("holds no verses")
    for number, line in enumerate(lines, 1):
        fields = line.split("\t")
        if len(fields) != columns or not _REF.fullmatch(fields[0]):
            want = "reference<TAB>text" + "<TAB>text" * (columns - 2)
            raise CacheError(f"line {number} ({line[:40]!r}) is not {want}")


def read_verse_file(path: str | os.PathLike, columns: int) -> list[str]:
    """The lines of a cached gzip'd verse file, checked by `check_verse_lines`."""
    try:
        text = gzip.decompress(Path(path).read_bytes()).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as e:
        raise CacheError(f"not readable gzip'd UTF-8 text ({_one_line(e)})") from None
    lines = [line for line in text.split("\n") if line]
    check_verse_lines(lines, columns)
    return lines


@dataclass(frozen=True)
class CachedFile:
    """A download kept in the cache dir: the fetch name, its file, and its checked reader."""

    name: str
    filename: str
    read: Callable[[Path], Any]

    @property
    def command(self) -> str:
        """The command that (re-)downloads it."""
        return f"tracegrad data fetch {self.name}"


CACHED: dict[str, CachedFile] = {
    "mnist": CachedFile("mnist", MNIST_FILE, read_mnist_npz),
    "bible": CachedFile("bible", BIBLE_FILE, partial(read_verse_file, columns=2)),
    "kjv-web": CachedFile("kjv-web", KJV_WEB_FILE, partial(read_verse_file, columns=3)),
}


def load_cached(
    name: str,
    cache_dir: str | os.PathLike | None = None,
    *,
    log: Callable[[str], None] | None = None,
) -> Any:
    """The verified content of cached download `name` ("mnist": its arrays; "bible",
    "kjv-web": their lines). FileNotFoundError if it was never fetched; `CacheError` if it
    fails its sha256 or its content check (see the module docstring)."""
    if name not in CACHED:
        raise ValueError(f"unknown cached data set {name!r}; known: {', '.join(CACHED)}")
    entry = CACHED[name]
    path = data_dir(cache_dir) / entry.filename
    if not path.exists():
        raise FileNotFoundError(
            f"{entry.filename} is not in the cache ({path} does not exist); download it once "
            f"with `{entry.command}`. Set TRACEGRAD_DATA to use another cache directory."
        )
    if not path.is_file():
        raise CacheError("is not a file; remove it", path, entry.command)
    recorded = _recorded_sha256(path)
    if recorded is not None:
        got = sha256_of(path)
        if got != recorded:
            why = "unreadable" if not recorded else f"recorded {recorded[:12]}…, file {got[:12]}…"
            raise CacheError(
                f"its sha256 does not match {sidecar(path).name} ({why}): changed or cut short "
                "since it was fetched",
                path,
                entry.command,
            )
    try:
        content = entry.read(path)
    except CacheError as e:
        raise CacheError(e.reason, path, entry.command) from None
    if recorded is None:  # fetched before checksums were kept: adopt it, now that it passed
        with contextlib.suppress(OSError):  # a read-only cache still loads
            record_sha256(path)
            (log or (lambda msg: None))(f"recorded the sha256 of {path} in {sidecar(path).name}")
    return content
