"""Turn DOT source into SVG or PNG with Graphviz.

The default renderer is ``graphviz-pure``, a statically linked Graphviz that pip installs
as a console script, so a plain ``pip install`` is enough. Set ``TRACEGRAD_RENDERER=dot``
(or pass ``renderer="dot"``) to use a system Graphviz instead.

Graphviz runs as a child process that never outlives its caller: a render that takes
longer than ``timeout`` seconds is killed and reported, Ctrl-C kills it before the
KeyboardInterrupt goes on, and on Linux the child is also killed by the kernel when the
Python process dies (a test runner's timeout, a restarted Jupyter kernel).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

DEFAULT_RENDERER = "graphviz-pure"
FORMATS = ("svg", "png")
DEFAULT_TIMEOUT = 60.0  # seconds a render may take before it is stopped

# graphviz-pure has no width table for non-ASCII glyphs (×, Σ, ∂, CJK); it warns once per
# character on stderr. The picture is fine, so those lines are dropped.
_NOISE = ("no value for width of non-ASCII character",)
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def find_renderer(renderer: str | None = None) -> str:
    """Path of the Graphviz executable to run (``graphviz-pure`` unless asked otherwise)."""
    name = renderer or os.environ.get("TRACEGRAD_RENDERER") or DEFAULT_RENDERER
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found is None:
        hint = (
            "it is installed with tracegrad (pip install graphviz-pure)"
            if name == DEFAULT_RENDERER
            else "install Graphviz or unset TRACEGRAD_RENDERER"
        )
        raise RuntimeError(f"viz: cannot find the Graphviz renderer {name!r}; {hint}")
    return found


@lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` on Linux, or None where there is none (macOS, Windows, musl oddities)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child receive SIGKILL when this process dies."""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def arm() -> None:  # runs in the child between fork and exec: keep it tiny
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return arm


def _stop(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and reap it, so no Graphviz keeps running (or lingers as a zombie)."""
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def check_timeout(timeout: float | None, where: str = "viz") -> float | None:
    """``timeout`` if it is a positive number of seconds or None, else a ValueError."""
    if timeout is None:
        return None
    number = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    if not number or not timeout > 0:
        raise ValueError(
            f"{where}: timeout must be a positive number of seconds or None (no limit), got "
            f"{timeout!r}"
        )
    return timeout


def render(
    dot: str,
    fmt: str = "svg",
    *,
    renderer: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    subject: str = "the graph",
) -> bytes:
    """Lay out ``dot`` and return the picture as bytes in ``fmt`` ("svg" or "png").

    ``timeout`` is how many seconds Graphviz may take (None: no limit); past it Graphviz is
    killed and a RuntimeError names ``subject`` (e.g. "a tensor graph of 900 nodes"), the
    DOT size and what to try.
    """
    if fmt not in FORMATS:
        raise ValueError(f"viz.render: format must be one of {FORMATS}, got {fmt!r}")
    check_timeout(timeout, "viz.render")
    exe = find_renderer(renderer)
    data = dot.encode("utf-8", "replace")
    proc = subprocess.Popen(
        [exe, "-Kdot", f"-T{fmt}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent(),  # only prctl and getppid run in the forked child
    )
    try:
        out, err = proc.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        raise RuntimeError(
            f"viz: Graphviz ({Path(exe).name}) did not finish laying out {subject} (DOT "
            f"{_size(len(data))}) within timeout={timeout:g} s and was stopped. Draw less of "
            "it: draw_graph(t) of an intermediate tensor t draws only the graph below it; in "
            "a tensor graph depth= collapses module calls into boxes and fold=True draws a "
            "repeated loop once. Or pass a larger timeout= (None waits as long as it takes)"
        ) from None
    except BaseException:  # KeyboardInterrupt, or anything else: no orphaned Graphviz
        _stop(proc)
        raise
    errors = [
        line
        for line in err.decode("utf-8", "replace").splitlines()
        if line.strip() and not any(noise in line for noise in _NOISE)
    ]
    if proc.returncode != 0 or not out:
        detail = "; ".join(errors[:5]) or f"exit code {proc.returncode}"
        raise RuntimeError(f"viz: Graphviz ({Path(exe).name}) failed: {detail}")
    return out
