"""``draw_graph``: the picture of a recorded graph, as DOT, SVG or PNG."""

from __future__ import annotations

import math
import os
import secrets
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from autograd import Tensor
from viz.explode import explode_op
from viz.explode_grid import grid_layout
from viz.fold import plan
from viz.orient import (
    AUTO_CANDIDATES,
    RENDER_BOTH_UP_TO,
    WRAP_ABOVE,
    WRAPS,
    check_rankdir,
    smallest,
    svg_size,
)
from viz.player import prefix_ids
from viz.render import DEFAULT_TIMEOUT, check_timeout, render
from viz.scalar_dot import SHOWS, ScalarDot
from viz.snapshot import Snapshot, graph_order, outline, snapshot, sweep_gradients
from viz.style import check_fmt
from viz.tensor_dot import TensorDot

MODES = ("auto", "scalar", "tensor")
# Boxes a picture may hold by default. Graphviz lays out a 2,000-node graph of a
# scalar MLP in seconds; far beyond, layouts take minutes and the picture is unreadable.
MAX_NODES = 2000


class Graph:
    """A drawn graph. ``dot`` is the Graphviz source; ``svg()`` and ``save()`` render it.

    In Jupyter the graph shows itself inline (``_repr_svg_``: the SVG with its element ids
    made unique, as several graphs may share the page).

    ``alternatives`` are the same picture in other orientations: the first time the DOT or
    the picture is needed, each is laid out and the one whose longer side is shortest kept;
    if that is still longer than ``WRAP_ABOVE`` px, ``wrap(k)`` (the picture with its
    longest chain in k columns, or None) is laid out for each k in ``WRAPS`` too.
    """

    def __init__(
        self,
        dot: str,
        snap: Snapshot,
        *,
        renderer: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        alternatives: Sequence[str] = (),
        wrap: Callable[[int], str | None] | None = None,
    ):
        self._dots = [dot, *alternatives]
        self._wrap = wrap
        self.snapshot = snap
        self.renderer = renderer
        self.timeout = timeout
        self._svg: str | None = None

    @property
    def dot(self) -> str:
        """The Graphviz source (of the orientation kept, when there was a choice)."""
        if len(self._dots) > 1 or self._wrap is not None:
            svgs = [self._render("svg", dot).decode("utf-8") for dot in self._dots]
            best = smallest(svgs)
            if self._wrap is not None and max(svg_size(svgs[best])) > WRAP_ABOVE:
                for k in WRAPS:
                    wrapped = self._wrap(k)
                    if wrapped is None:
                        break
                    self._dots.append(wrapped)
                    svgs.append(self._render("svg", wrapped).decode("utf-8"))
                best = smallest(svgs)
            self._dots, self._svg, self._wrap = [self._dots[best]], svgs[best], None
        return self._dots[0]

    @dot.setter
    def dot(self, dot: str) -> None:
        self._dots, self._svg, self._wrap = [dot], None, None

    def _render(self, fmt: str, dot: str | None = None) -> bytes:
        kind = "scalar" if self.snapshot.scalar else "tensor"
        subject = f"a {kind} graph of {len(self.snapshot.nodes):,} nodes"
        source = self.dot if dot is None else dot
        return render(source, fmt, renderer=self.renderer, timeout=self.timeout, subject=subject)

    def svg(self) -> str:
        """The picture as SVG text (rendered once, then cached)."""
        dot = self.dot  # lays out the orientations still to choose from (and keeps an SVG)
        if self._svg is None:
            self._svg = self._render("svg", dot).decode("utf-8")
        return self._svg

    def png(self) -> bytes:
        """The picture as PNG bytes."""
        return self._render("png")

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
        return prefix_ids(self.svg(), f"tg-graph-{secrets.token_hex(6)}-")

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
    if isinstance(root, Tensor):
        return [root]
    try:
        roots = list(root)
    except TypeError:
        raise TypeError(
            f"viz: expected a Tensor or a sequence of Tensors to draw, got {type(root).__name__}"
        ) from None
    if not roots:
        raise ValueError("viz.draw_graph: nothing to draw (no root tensors)")
    for r in roots:
        if not isinstance(r, Tensor):
            raise TypeError(f"viz.draw_graph: expected Tensors, got {type(r).__name__}")
    return roots


def _check_grad_range(grad_range: tuple[float, float] | None) -> tuple[float, float] | None:
    """The user's ``grad_range`` checked at run time (anything may arrive here)."""
    if grad_range is None:
        return None
    try:
        low, high = (float(v) for v in grad_range)
        ok = 0 < low < high < math.inf
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            "viz.draw_graph: grad_range must be two finite numbers (low, high) with "
            f"0 < low < high, e.g. (1e-8, 10); got {grad_range!r}"
        )
    return low, high


def check_max_nodes(max_nodes: int, where: str) -> int:
    """``max_nodes`` if it is a positive int, else a ValueError naming ``where``."""
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"{where}: max_nodes must be a positive int, got {max_nodes!r}")
    return max_nodes


def _check_size(
    order: Sequence[Tensor], *, scalar: bool, depth: int | None, fold: bool, max_nodes: int
) -> None:
    """Refuse a graph whose picture would hold more than ``max_nodes`` boxes.

    Counted on the structure alone (ops and scopes, after ``depth``/``fold`` for tensor
    graphs), so a 100,000-node graph is refused in a fraction of a second.
    """
    if len(order) <= max_nodes:
        return
    scoped = not scalar and any(t.scope for t in order)
    count = len(order)
    if scoped and (depth is not None or fold):
        count = len(plan(outline(order), depth=depth, fold=fold).members)
        if count <= max_nodes:
            return
    if scoped:
        advice = (
            "collapse it: depth=1 draws each top-level module call as one box (depth=2 one "
            "level deeper), fold=True draws repeated calls of a module (a loop) once; or draw "
            "an intermediate tensor: draw_graph(t) draws only the graph below t"
        )
    else:
        advice = (
            "draw an intermediate tensor instead: draw_graph(t) draws only the graph below t; "
            "or group its ops with autograd.name_scope(...) (or nn modules) and collapse them "
            "with mode='tensor', depth=1"
        )
    raise ValueError(
        f"viz.draw_graph: this graph has {count:,} nodes to draw, more than "
        f"max_nodes={max_nodes:,}: Graphviz would take minutes and the picture would be "
        f"unreadable. To see it, {advice}. Or pass max_nodes={count} (and a larger "
        "timeout=) to draw it anyway"
    )


def draw_graph(
    root: Tensor | Sequence[Tensor],
    *,
    rankdir: str = "auto",
    fmt: str = ".4g",
    show: str = "both",
    depth: int | None = None,
    fold: bool = True,
    explode: Tensor | bool | None = None,
    mode: str = "auto",
    renderer: str | None = None,
    grad_range: tuple[float, float] | None = None,
    max_nodes: int = MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Graph:
    """Draw the graph that produced ``root`` (a Tensor, or several), inputs first.

    - scalar graphs (every tensor one element) are drawn like the slides: values in green
      above each wire, ``[local] × [upstream] = sent`` in red below it;
    - tensor graphs show op, shape, dtype and a gradient summary per node, wires coloured
      and thickened by gradient norm on a log scale, module scopes as boxes; ``depth``
      collapses every scope deeper than ``depth`` levels into one node per call, ``fold``
      draws repeated calls of one module (an unrolled loop) once, marked ×T;
    - ``explode=t`` (or ``True`` for the root) draws the single op producing ``t`` element
      by element as a scalar graph, to show e.g. why ``dW = xᵀ·dY``, on a grid
      (``viz.explode_grid``): a matmul as one block of leaves and products per inner index,
      outputs in one column row by row; no wire crosses where the shape allows it.

    ``rankdir`` is where the wires run: "LR" (left to right), "TB" (top to bottom), "RL",
    "BT", or "auto" (the default): scalar graphs left to right as the slides draw them,
    tensor graphs laid out both ways and the one whose longer side is shorter kept, so a
    chain of layers (LeNet-5 at ``depth=2``) runs down the page and fits a slide at its own
    size, never scaled down; a long chain of calls of one module (an RNN unrolled over 50
    steps, ``fold=False``) is also tried wrapped into columns (``viz.wrap``). A tensor
    graph of more than ``RENDER_BOTH_UP_TO`` (300) boxes is laid out once, left to right.

    ``grad_range=(low, high)`` fixes the colour scale of gradient norms (rounded out to
    decades) so two pictures, e.g. an RNN's and an LSTM's, can be compared by colour.
    ``show`` is one of "both", "forward", "backward";
    ``mode`` forces "scalar" or "tensor" drawing. Draw before ``backward()`` and the
    picture says that no gradients exist yet.

    A gradient computed with ``create_graph=True`` is drawn with its recorded backward:
    the forward pass and the backward pass in two boxes, backward nodes in their own
    colours and labelled "∂ of mul (f)" / "Σ grads into x", the backward running right to
    left (bottom to top when a tensor graph's picture runs top to bottom), the mirror of the
    forward (``viz.draw_backward(f)`` draws f with its gradients).

    ``fmt`` is a float format spec (".4g", ".3f"; see ``viz.check_fmt``). Size limits:
    a graph whose picture would hold more than ``max_nodes`` boxes (default ``MAX_NODES``,
    2,000; counted after ``depth``/``fold``) is refused up front with a ValueError saying
    how to draw less of it — it is never collapsed behind your back. ``timeout`` is the
    number of seconds Graphviz may take to render (``svg()``, ``png()``, ``save()``;
    default ``DEFAULT_TIMEOUT``, 60; None: no limit); past it Graphviz is stopped and a
    RuntimeError says what to try. Graphviz never outlives the Python process.
    """
    return build_graph(
        _roots(root),
        rankdir=rankdir,
        fmt=fmt,
        show=show,
        depth=depth,
        fold=fold,
        explode=explode,
        mode=mode,
        renderer=renderer,
        grad_range=grad_range,
        max_nodes=max_nodes,
        timeout=timeout,
    )


def build_graph(
    roots: list[Tensor],
    *,
    rankdir: str = "auto",
    fmt: str = ".4g",
    show: str = "both",
    depth: int | None = None,
    fold: bool = True,
    explode: Tensor | bool | None = None,
    mode: str = "auto",
    renderer: str | None = None,
    grad_range: tuple[float, float] | None = None,
    max_nodes: int = MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
    outputs: Sequence[tuple[Tensor, str]] | None = None,
) -> Graph:
    """`draw_graph` on a checked list of roots; ``outputs`` (a root, the name drawn at the
    end of its wire), several per root if need be, replaces the roots' own names."""
    check_fmt(fmt)
    check_max_nodes(max_nodes, "viz.draw_graph")
    check_timeout(timeout, "viz.draw_graph")
    if show not in SHOWS:
        raise ValueError(f"viz.draw_graph: show must be one of {SHOWS}, got {show!r}")
    if mode not in MODES:
        raise ValueError(f"viz.draw_graph: mode must be one of {MODES}, got {mode!r}")
    check_rankdir(rankdir, "viz.draw_graph")
    grid: tuple[str, tuple[int, ...], list[tuple[int, ...]]] | None = None
    if explode is not None and explode is not False:
        target = roots[0] if explode is True else explode
        roots = explode_op(target)
        mode = "scalar"
        grid = (target.op, tuple(target.shape), [tuple(p.shape) for p in target.parents])
    order = graph_order(roots)
    scalar = all(t.size == 1 for t in order) if mode == "auto" else mode == "scalar"
    _check_size(order, scalar=scalar, depth=depth, fold=fold, max_nodes=max_nodes)
    snap = snapshot(roots)
    index = {id(t): i for i, t in enumerate(order)}
    named = None
    if outputs is not None and (explode is None or explode is False):
        named = [(index[id(r)], name) for r, name in outputs]
    if scalar:
        if not snap.scalar:
            raise ValueError(
                "viz.draw_graph: mode='scalar' needs one-element tensors; use explode= to draw "
                "one tensor op element by element"
            )
        flow = "LR" if rankdir == "auto" else rankdir  # as the slides draw them
        layout = grid_layout(snap, *grid) if grid is not None else []
        dot = ScalarDot(snap, fmt=fmt, show=show, rankdir=flow, outputs=named, layout=layout).dot()
        alternatives: list[str] = []
    else:
        grad_range = _check_grad_range(grad_range)
        builder = TensorDot(
            snap,
            fmt=fmt,
            show=show,
            rankdir=AUTO_CANDIDATES[0] if rankdir == "auto" else rankdir,
            depth=depth,
            fold=fold,
            grad_range=grad_range,
            outputs=named,
        )
        if rankdir == "auto" and len(builder.layout.members) > RENDER_BOTH_UP_TO:
            rankdir = builder.rankdir = AUTO_CANDIDATES[0]
        dot = builder.dot()
        alternatives = []
        for other in AUTO_CANDIDATES[1:] if rankdir == "auto" else ():
            builder.rankdir = other
            alternatives.append(builder.dot())
        if rankdir == "auto":
            builder.rankdir = "TB"  # a chain wrapped into columns, read top to bottom
            return Graph(
                dot,
                snap,
                renderer=renderer,
                timeout=timeout,
                alternatives=alternatives,
                wrap=builder.wrapped,
            )
    return Graph(dot, snap, renderer=renderer, timeout=timeout, alternatives=alternatives)


__all__ = ["MAX_NODES", "Graph", "build_graph", "draw_graph", "graph_order", "sweep_gradients"]
