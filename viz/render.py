"""Turn DOT source into SVG or PNG with Graphviz.

The default renderer is ``graphviz-pure``, a statically linked Graphviz that pip installs
as a console script, so a plain ``pip install`` is enough. Set ``TRACEGRAD_RENDERER=dot``
(or pass ``renderer="dot"``) to use a system Graphviz instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_RENDERER = "graphviz-pure"
FORMATS = ("svg", "png")

# graphviz-pure has no width table for non-ASCII glyphs (×, Σ, ∂, CJK); it warns once per
# character on stderr. The picture is fine, so those lines are dropped.
_NOISE = ("no value for width of non-ASCII character",)


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


def render(dot: str, fmt: str = "svg", *, renderer: str | None = None) -> bytes:
    """Lay out ``dot`` and return the picture as bytes in ``fmt`` ("svg" or "png")."""
    if fmt not in FORMATS:
        raise ValueError(f"viz.render: format must be one of {FORMATS}, got {fmt!r}")
    exe = find_renderer(renderer)
    proc = subprocess.run(
        [exe, "-Kdot", f"-T{fmt}"],
        input=dot.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=300,
    )
    errors = [
        line
        for line in proc.stderr.decode("utf-8", "replace").splitlines()
        if line.strip() and not any(noise in line for noise in _NOISE)
    ]
    if proc.returncode != 0 or not proc.stdout:
        detail = "; ".join(errors[:5]) or f"exit code {proc.returncode}"
        raise RuntimeError(f"viz: Graphviz ({Path(exe).name}) failed: {detail}")
    return proc.stdout
