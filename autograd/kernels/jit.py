"""`njit`: the one decorator every kernel uses, ``numba.njit(cache=True)`` with a fallback.

Numba compiles a kernel on its first call, for the argument types of that call, and with
``cache=True`` keeps the machine code on disk so the next process skips the compile. It picks
the first writable directory of: ``NUMBA_CACHE_DIR``, the ``__pycache__`` beside the kernel's
source file, the user's cache directory (``~/.cache/numba`` or ``$XDG_CACHE_HOME/numba``).
When none is writable (a read-only install run by a service user without a home, a locked
container), ``numba.njit(cache=True)`` refuses to decorate the function at all, and importing
the module fails. Here the kernel is then compiled in memory instead, on first use as always,
and one `KernelCacheWarning` per process says which directories were not writable and that
``NUMBA_CACHE_DIR`` fixes it.

Nothing is compiled at import: no kernel is given explicit signatures and none is called at
module level, so a program pays only for the kernels it calls.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable
from typing import Any

import numba


class KernelCacheWarning(UserWarning):
    """No writable directory for Numba's on-disk cache: kernels are compiled in memory."""


_warned = False


def _cache_dirs(func: Callable[..., Any]) -> list[str]:
    """The directories Numba tried for ``func``'s cache, in its order of preference."""
    dirs = []
    # numba.config sets its options at import time, from the environment: no declared names
    cache_dir = numba.config.CACHE_DIR  # type: ignore[attr-defined]
    if cache_dir:
        dirs.append(str(cache_dir))
    dirs.append(os.path.join(os.path.dirname(inspect.getfile(func)), "__pycache__"))
    try:
        from numba.misc.appdirs import AppDirs

        dirs.append(AppDirs(appname="numba", appauthor=False).user_cache_dir)
    except (ImportError, AttributeError):  # numba internals; only names a directory
        pass
    return dirs


def _warn_once(func: Callable[..., Any]) -> None:
    global _warned
    if _warned:
        return
    _warned = True
    # point the warning at the kernel's module, the first frame outside this file
    frame, stacklevel = inspect.currentframe(), 1
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(
        "tracegrad: no writable directory for Numba's kernel cache (tried "
        + ", ".join(_cache_dirs(func))
        + "); kernels are compiled in memory on first use in every process. "
        "Set NUMBA_CACHE_DIR to a writable directory to keep them between runs.",
        KernelCacheWarning,
        stacklevel=stacklevel,
    )


def njit(func: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``numba.njit(cache=True, **options)``, or without the cache when no cache directory is
    writable (warning once). Use as ``@njit`` or ``@njit(error_model="numpy")``."""
    if func is None:
        return lambda f: njit(f, **options)
    try:
        return numba.njit(cache=True, **options)(func)
    except RuntimeError as exc:
        # numba's FunctionCache: "cannot cache function ...: no locator available for file ..."
        if "no locator available" not in str(exc):
            raise
    _warn_once(func)
    return numba.njit(**options)(func)
