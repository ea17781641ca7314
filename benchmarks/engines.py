"""Import and configure the engines being compared, and report their versions.

Every engine is imported through `load`, in the measuring subprocess only, so an engine that
is not installed raises ImportError there and the parent reports it as skipped.
"""

from __future__ import annotations

import hashlib
import importlib
from importlib import metadata
from pathlib import Path
from types import ModuleType

#: threads each engine's BLAS / intra-op pool may use (also sets `harness.THREAD_ENV`)
THREADS = 2

#: engine name -> (module to import, distribution whose version is reported)
_ENGINES = {
    "tracegrad": ("autograd", "tracegrad"),
    "torch": ("torch", "torch"),
    "micrograd": ("micrograd.engine", "micrograd"),
    "numpy": ("numpy", "numpy"),
    "gensim": ("gensim", "gensim"),
}


def base(engine: str) -> str:
    """The engine a variant belongs to: ``"tracegrad-unfused"`` -> ``"tracegrad"``.

    A variant is the same engine used another way (unfused ops, sparse gradients); it shares
    the engine's module, configuration and version.
    """
    name = engine.partition("-")[0]
    if name not in _ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {', '.join(_ENGINES)}")
    return name


def load(engine: str) -> ModuleType:
    """Import ``engine``'s module (raising ImportError if absent) and configure it."""
    engine = base(engine)
    module = importlib.import_module(_ENGINES[engine][0])
    if engine == "torch":
        module.set_num_threads(THREADS)
    return module


def version(engine: str) -> str:
    """The installed version of ``engine``'s distribution ("unknown" if not recorded).

    tracegrad's also carries a fingerprint of its source files (``0.1.0+src.1a2b3c4d5e``),
    since the engine is edited between and even during benchmark runs.
    """
    engine = base(engine)
    try:
        found = metadata.version(_ENGINES[engine][1])
    except metadata.PackageNotFoundError:
        found = "unknown"
    if engine == "tracegrad":
        found += f"+src.{source_fingerprint(_ENGINES[engine][0])}"
    return found


def source_fingerprint(package: str) -> str:
    """A short hash of every ``.py`` file of an imported package (as they are on disk now)."""
    root = Path(importlib.import_module(package).__file__).parent
    digest = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
