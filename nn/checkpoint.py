"""Checkpoint files: one atomic writer, and ``.npz`` reads that look before they allocate.

Writing (`atomic_write`, `write_npz`): the bytes go to a temporary file beside the target,
named ``.{name}.{pid}-{random}.tmp``, which is fsynced and renamed over the target, so a crash
leaves the old file. A killed writer leaves its temporary file behind; the next save to the
same path removes the stale ones (`remove_stale_temp_files`).

Reading (`NpzReader`, `read_npz`): the archive is opened with `zipfile` and every member's
``.npy`` header is parsed (never unpickling) before any array data is read, so a caller can
refuse unknown keys, wrong shapes and wrong dtypes first. A declared size must agree with the
member's size in the archive, and a generic read refuses more than `MAX_READ_BYTES` in total:
a small file cannot make the reader allocate a huge array.
"""

from __future__ import annotations

import math
import os
import re
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any, NamedTuple

import numpy as np

#: Largest total of declared array bytes a generic read (`read_npz`, `NpzReader.read` without
#: ``max_bytes``) accepts: 2 GiB. Loading into a module checks the declared shapes against the
#: module's instead, so a model's own checkpoint is never refused by this bound. Raise it (set
#: ``nn.checkpoint.MAX_READ_BYTES``) to read bigger generic files.
MAX_READ_BYTES = 2 * 2**30

#: A temporary file untouched for this long (seconds) is stale whoever wrote it: a live writer
#: changes its file's mtime with every write.
STALE_TMP_AGE = 3600.0

#: A temporary file whose name carries the PID of a process that no longer runs on this machine
#: is stale once untouched for this long (seconds). The delay protects a writer on another host
#: sharing the directory (its PID means nothing here) while it is still writing.
DEAD_WRITER_AGE = 60.0

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a member first, or an empty archive
_REFUSED_KINDS = {"O": "object (pickled Python objects)", "V": "structured or raw bytes"}
_REFUSED_KINDS |= {"M": "datetime", "m": "timedelta"}


# -- writing -----------------------------------------------------------------------------------
def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], Any]) -> Path:
    """Create ``path`` from ``write(f)`` (f: a binary file) atomically: temporary file beside
    it, fsync, rename; on any error the temporary file is removed and the old file stays."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path)
    prefix = f"{_temp_prefix(path)}{os.getpid()}-"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; checkpoints are ordinary files
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) is not a probe on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


# the middle of a temporary name: "{pid}-{mkstemp letters}", or the 8 mkstemp letters that
# checkpoints written before the PID was added carry
_TMP_MIDDLE = re.compile(r"(?:(\d+)-)?([a-z0-9_]+)")


def remove_stale_temp_files(path: str | os.PathLike[str], now: float | None = None) -> list[Path]:
    """Delete temporary files that an interrupted save to ``path`` left behind; return them.

    Only files of `atomic_write`'s own pattern ``.{name}.*.tmp`` in ``path``'s directory are
    considered, and of those only regular files that are stale: untouched for
    `STALE_TMP_AGE` seconds, or named with the PID of a dead process of this machine and
    untouched for `DEAD_WRITER_AGE` seconds. A concurrent live writer's file is never stale.
    """
    path = Path(path)
    now = time.time() if now is None else now
    prefix = _temp_prefix(path)
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        match = _TMP_MIDDLE.fullmatch(name[len(prefix) : -len(".tmp")])
        if match is None or (match.group(1) is None and len(match.group(2)) != 8):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        age = now - st.st_mtime
        pid = None if match.group(1) is None else int(match.group(1))
        dead = pid is not None and pid != os.getpid() and not _pid_alive(pid)
        if age > STALE_TMP_AGE or (dead and age > DEAD_WRITER_AGE):
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            removed.append(Path(entry.path))
    return removed


def write_npz(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray]) -> Path:
    """Write ``arrays`` (key → array of any shape) to ``path`` as .npz, atomically.

    Object arrays are refused (ValueError naming the key): they would be pickled, and
    `read_npz` never unpickles."""
    arrays = {k: np.asarray(v) for k, v in arrays.items()}
    for k, a in arrays.items():
        if a.dtype.hasobject:
            raise ValueError(
                f"write_npz: {k!r} is an object array ({a.dtype}), which would be pickled; "
                f"convert it to a numeric or string array before saving to {path}"
            )
    return atomic_write(path, lambda f: _write_members(f, arrays))


def _write_members(f: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """The archive ``np.savez`` writes (one stored ``KEY.npy`` member per array), without
    its keyword interface: ``np.savez(f, **arrays)`` would take a key named ``allow_pickle``
    as its own option (the array silently left out) and refuse one named ``file``."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, a in arrays.items():
            with zf.open(f"{key}.npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, a, allow_pickle=False)


# -- reading -----------------------------------------------------------------------------------
class ArrayHeader(NamedTuple):
    """What an .npz member declares about its array, read from its .npy header."""

    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int
    member: str


def _open_error(path: Path, who: str, head: bytes, err: BaseException | None) -> ValueError:
    if head.startswith(_NPY_MAGIC):
        what = "a single-array .npy file (np.save)"
    elif not head:
        what = "an empty file"
    else:
        what = "not a readable .npz archive (truncated or foreign file)"
    detail = f": {type(err).__name__}: {err}" if err is not None else ""
    return ValueError(
        f"{who}: {path} is {what}; expected an .npz archive of named arrays as written by "
        f"Module.save or np.savez{detail}"
    )


class NpzReader:
    """An .npz archive opened for checked reading: ``with NpzReader(path, who) as z``.

    ``z.headers`` maps each key to its `ArrayHeader`, parsed when the archive is opened;
    ``z.read(keys)`` reads those arrays. Every problem is a ValueError naming ``who`` (the
    caller, e.g. ``"LeNet5.load"``), the file and the key; a missing file is FileNotFoundError.
    """

    def __init__(self, path: str | os.PathLike[str], who: str) -> None:
        self.path, self.who = Path(path), who
        self._file = open(self.path, "rb")  # noqa: SIM115 (closed by close())
        try:
            head = self._file.read(len(_NPY_MAGIC))
            if not head.startswith(_ZIP_MAGICS):
                raise _open_error(self.path, who, head, None)
            self._file.seek(0)
            try:
                self._zip = zipfile.ZipFile(self._file)
            except Exception as err:  # BadZipFile, struct/zlib/OSError on a mangled directory
                raise _open_error(self.path, who, head, err) from err
            self.headers = self._read_headers()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the archive and the file."""
        if getattr(self, "_zip", None) is not None:
            self._zip.close()
        self._file.close()

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _error(self, key: str, what: str) -> ValueError:
        return ValueError(f"{self.who}: {self.path}: {key!r} {what}")

    def _read_headers(self) -> dict[str, ArrayHeader]:
        headers: dict[str, ArrayHeader] = {}
        for info in self._zip.infolist():
            name = info.filename
            if not name.endswith(".npy"):
                raise self._error(name, "is not an .npy member; the file is not a checkpoint")
            key = name[: -len(".npy")]
            if key in headers:
                raise self._error(key, "appears twice in the archive (corrupt file)")
            try:
                with self._zip.open(info) as fp:
                    version = np.lib.format.read_magic(fp)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
                    elif version == (2, 0):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
                    else:
                        raise ValueError(f"unsupported .npy format version {version}")
                    header_len = fp.tell()
            except Exception as err:  # a mangled header, member or compressed stream
                raise self._error(key, f"has no readable .npy header: {err}") from err
            if dtype.kind in _REFUSED_KINDS or dtype.hasobject:
                kind = _REFUSED_KINDS.get(dtype.kind, _REFUSED_KINDS["O"])
                raise self._error(
                    key, f"holds {kind} data ({dtype}), which a checkpoint never holds; refused"
                )
            nbytes = math.prod(shape) * dtype.itemsize
            if header_len + nbytes != info.file_size:
                raise self._error(
                    key,
                    f"declares shape {shape} of {dtype} ({nbytes} bytes of data) but its member "
                    f"holds {info.file_size - header_len} bytes (truncated or corrupt file)",
                )
            headers[key] = ArrayHeader(tuple(shape), dtype, nbytes, name)
        return headers

    def check_size(self, keys: Iterable[str], max_bytes: float) -> None:
        """Raise ValueError if the declared arrays of ``keys`` exceed ``max_bytes`` in total,
        naming the largest key, its declared shape and dtype, and the file."""
        sizes = {k: self.headers[k].nbytes for k in keys}
        total = sum(sizes.values())
        if total <= max_bytes:
            return
        key = max(sizes, key=sizes.__getitem__)
        h = self.headers[key]
        raise self._error(
            key,
            f"declares shape {h.shape} of {h.dtype} ({h.nbytes} bytes; {total} bytes for the "
            f"{len(sizes)} arrays read), more than the {max_bytes}-byte bound of a generic read "
            "(nn.checkpoint.MAX_READ_BYTES); raise the bound if the file is trusted",
        )

    def read(
        self, keys: Iterable[str] | None = None, max_bytes: float | None = None
    ) -> dict[str, np.ndarray]:
        """The arrays of ``keys`` (default: all), key → ndarray, read after `check_size`
        against ``max_bytes`` (default `MAX_READ_BYTES`; pass ``math.inf`` when the shapes
        were checked against a model)."""
        keys = list(self.headers if keys is None else keys)
        for k in keys:
            if k not in self.headers:
                raise KeyError(f"{self.who}: {self.path} has no array {k!r}")
        self.check_size(keys, MAX_READ_BYTES if max_bytes is None else max_bytes)
        out = {}
        for k in keys:
            h = self.headers[k]
            try:
                with self._zip.open(h.member) as fp:
                    a = np.lib.format.read_array(fp, allow_pickle=False)
            except Exception as err:  # truncated data, bad CRC, a corrupt compressed stream
                raise self._error(k, f"could not be read: {type(err).__name__}: {err}") from err
            if a.shape != h.shape or a.dtype != h.dtype:
                raise self._error(k, f"read as {a.shape} {a.dtype}, declared {h.shape} {h.dtype}")
            out[k] = a
        return out


def read_npz(
    path: str | os.PathLike[str], who: str, max_bytes: int | None = None
) -> dict[str, np.ndarray]:
    """Every array of an .npz file (key → ndarray), never unpickling, at most ``max_bytes``
    (default `MAX_READ_BYTES`) in total; any problem is a ValueError naming ``who``, the file
    and the key."""
    with NpzReader(path, who) as z:
        return z.read(max_bytes=max_bytes)
