"""Import and configure the engines being compared, and report their versions.

Every engine is imported through `load`, in the measuring subprocess only, so an engine that
is not installed raises ImportError there and the parent reports it as skipped.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from types import ModuleType

#: threads each engine's BLAS / intra-op pool may use (see also `harness.THREAD_ENV`)
THREADS = 2

#: engine name -> (module to import, distribution whose version is reported)
_ENGINES = {
    "tracegrad": ("autograd", "tracegrad"),
    "torch": ("torch", "torch"),
    "micrograd": ("micrograd.engine", "micrograd"),
    "numpy": ("numpy", "numpy"),
}


def load(engine: str) -> ModuleType:
    """Import ``engine``'s module (raising ImportError if absent) and configure it."""
    if engine not in _ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(_ENGINES)}")
    module = importlib.import_module(_ENGINES[engine][0])
    if engine == "torch":
        module.set_num_threads(THREADS)
    return module


def version(engine: str) -> str:
    """The installed version of ``engine``'s distribution ("unknown" if not recorded)."""
    try:
        return metadata.version(_ENGINES[engine][1])
    except metadata.PackageNotFoundError:
        return "unknown"
