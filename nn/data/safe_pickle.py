"""Un-pickle numpy arrays without letting the pickle run arbitrary code.

`pickle.load` calls whatever global a pickle names (`os.system`, `subprocess.Popen`,
any class's constructor). `load` here admits only the few numpy callables an array
pickle needs and refuses everything else with `pickle.UnpicklingError`.

Globals admitted (module, name):

- `numpy.core.multiarray._reconstruct` / `numpy._core.multiarray._reconstruct`:
  rebuilds an ndarray (protocols 0-4; numpy 1.x writes `numpy.core`, 2.x `numpy._core`);
- `numpy.core.numeric._frombuffer` / `numpy._core.numeric._frombuffer`: protocol 5;
- `numpy.ndarray`, `numpy.dtype`;
- `_codecs.encode`: protocol <= 2 pickles written by Python 3 store bytes this way.

Python 2 pickles (such as the classic `mnist.pkl.gz`) store raw bytes as `str`;
`encoding="latin1"` (the default here) turns them back into the same bytes.
Object arrays inside such a pickle are rebuilt through the same restricted
unpickler, so they cannot smuggle a global in either.
"""

from __future__ import annotations

import importlib
import io
import pickle
from typing import Any, Protocol

import numpy as np

# numpy 2 renamed numpy.core to numpy._core (the old name warns); numpy 1.x has only numpy.core.
_CORE = "numpy._core" if int(np.__version__.split(".")[0]) >= 2 else "numpy.core"

_ALLOWED: dict[tuple[str, str], tuple[str, str]] = {
    ("numpy.core.multiarray", "_reconstruct"): (f"{_CORE}.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): (f"{_CORE}.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"): (f"{_CORE}.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"): (f"{_CORE}.numeric", "_frombuffer"),
    ("numpy", "ndarray"): ("numpy", "ndarray"),
    ("numpy", "dtype"): ("numpy", "dtype"),
    ("_codecs", "encode"): ("_codecs", "encode"),
}


class _ArrayUnpickler(pickle.Unpickler):
    """An Unpickler whose `find_class` resolves only the globals in `_ALLOWED`."""

    def find_class(self, module: str, name: str) -> Any:
        target = _ALLOWED.get((module, name))
        if target is None:
            raise pickle.UnpicklingError(
                f"refusing to un-pickle global {module}.{name}: only numpy arrays "
                f"(and tuples/lists/dicts of them) are allowed"
            )
        return getattr(importlib.import_module(target[0]), target[1])


class Readable(Protocol):
    """What `pickle.Unpickler` reads from: a binary file, a `gzip.GzipFile`, `io.BytesIO`."""

    def read(self, size: int, /) -> bytes: ...

    def readline(self) -> bytes: ...


def load(fileobj: Readable, *, encoding: str = "latin1") -> Any:
    """Un-pickle numpy arrays (and plain containers of them) from a binary file object.

    Raises `pickle.UnpicklingError` naming the module and class of the first global
    the pickle asks for that is not on the numpy-array allow list.
    """
    return _ArrayUnpickler(fileobj, encoding=encoding).load()


def loads(data: bytes, *, encoding: str = "latin1") -> Any:
    """`load` on a bytes object."""
    return load(io.BytesIO(data), encoding=encoding)
