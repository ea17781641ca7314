"""``draw_graph``: the picture of a recorded graph, as DOT, SVG or PNG."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from autograd import Tensor
from viz.explode import explode_op
from viz.render import render
from viz.scalar_dot import SHOWS, ScalarDot
from viz.snapshot import Snapshot, graph_order, snapshot, sweep_gradients
from viz.tensor_dot import TensorDot

MODES = ("auto", "scalar", "tensor")


class Graph:
    """A drawn graph. ``dot`` is the Graphviz source; ``svg()`` and ``save()`` render it.

    In Jupyter the graph shows itself inline (``_repr_svg_``).
    """

    def __init__(self, dot: str, snap: Snapshot, *, renderer: str | None = None):
        self.dot = dot
        self.snapshot = snap
        self.renderer = renderer
        self._svg: str | None = None

    def svg(self) -> str:
        """The picture as SVG text (rendered once, then cached)."""
        if self._svg is None:
            self._svg = render(self.dot, "svg", renderer=self.renderer).decode("utf-8")
        return self._svg

    def png(self) -> bytes:
        """The picture as PNG bytes."""
        return render(self.dot, "png", renderer=self.renderer)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the picture; the suffix picks the format: ``.svg``, ``.png`` or ``.dot``."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            data = self.svg().encode("utf-8")
        elif suffix == ".png":
            data = self.png()
        elif suffix in (".dot", ".gv"):
            data = self.dot.encode("utf-8")
        else:
            raise ValueError(f"Graph.save: unknown suffix {path.suffix!r}; use .svg, .png or .dot")
        write_atomically(path, data)
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        kind = "scalar" if self.snapshot.scalar else "tensor"
        return f"<viz.Graph: {kind} graph of {len(self.snapshot.nodes)} nodes>"


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes 0600; a written picture is for everyone
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _roots(root: Tensor | Sequence[Tensor]) -> list[Tensor]:
    roots = [root] if isinstance(root, Tensor) else list(root)
    if not roots:
        raise ValueError("viz.draw_graph: nothing to draw (no root tensors)")
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"viz.draw_graph: expected Tensors, got {type(r).__name__}")
    return roots


def draw_graph(
    root: Tensor | Sequence[Tensor],
    *,
    rankdir: str = "LR",
    fmt: str = ".4g",
    show: str = "both",
    depth: int | None = None,
    fold: bool = True,
    explode: Tensor | bool | None = None,
    mode: str = "auto",
    renderer: str | None = None,
    grad_range: tuple[float, float] | None = None,
) -> Graph:
    """Draw the graph that produced ``root`` (a Tensor, or several), inputs on the left.

    - scalar graphs (every tensor one element) are drawn like the slides: values in green
      above each wire, ``[local] × [upstream] = sent`` in red below it;
    - tensor graphs show op, shape, dtype and a gradient summary per node, wires coloured
      and thickened by gradient norm on a log scale, module scopes as boxes; ``depth``
      collapses every scope deeper than ``depth`` levels into one node per call, ``fold``
      draws repeated calls of one module (an unrolled loop) once, marked ×T;
    - ``explode=t`` (or ``True`` for the root) draws the single op producing ``t`` element
      by element as a scalar graph, to show e.g. why ``dW = xᵀ·dY``.

    ``grad_range=(low, high)`` fixes the colour scale of gradient norms (rounded out to
    decades) so two pictures, e.g. an RNN's and an LSTM's, can be compared by colour.
    ``fmt`` is the number format, ``show`` one of "both", "forward", "backward",
    ``mode`` forces "scalar" or "tensor" drawing. Draw before ``backward()`` and the
    picture says that no gradients exist yet.
    """
    if show not in SHOWS:
        raise ValueError(f"viz.draw_graph: show must be one of {SHOWS}, got {show!r}")
    if mode not in MODES:
        raise ValueError(f"viz.draw_graph: mode must be one of {MODES}, got {mode!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"viz.draw_graph: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    roots = _roots(root)
    if explode is not None and explode is not False:
        target = roots[0] if explode is True else explode
        roots = explode_op(target)
        mode = "scalar"
    snap = snapshot(roots)
    scalar = snap.scalar if mode == "auto" else mode == "scalar"
    if scalar:
        if not snap.scalar:
            raise ValueError(
                "viz.draw_graph: mode='scalar' needs one-element tensors; use explode= to draw "
                "one tensor op element by element"
            )
        dot = ScalarDot(snap, fmt=fmt, show=show, rankdir=rankdir).dot()
    else:
        if grad_range is not None and not (0 < grad_range[0] < grad_range[1]):
            raise ValueError(
                f"viz.draw_graph: grad_range must be (low, high) with 0 < low < high, got "
                f"{grad_range!r}"
            )
        dot = TensorDot(
            snap,
            fmt=fmt,
            show=show,
            rankdir=rankdir,
            depth=depth,
            fold=fold,
            grad_range=grad_range,
        ).dot()
    return Graph(dot, snap, renderer=renderer)


__all__ = ["Graph", "draw_graph", "graph_order", "sweep_gradients"]
