"""Labels beside scattered points that keep out of each other's way.

Each label tries a few places around its point (right and above first, as one reads) and
keeps the first that covers no other label, point, legend or the plot's edge, or else the one
that covers least. Placement is greedy, in the order given, so the labels that matter most
(e.g. highlighted words) should come first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

from viz.plot_base import quiet_missing_glyphs

# (dx, dy) in points from the point, and the label's horizontal alignment there
PLACES = (
    (4, 3, "left"),
    (4, -10, "left"),
    (-4, 3, "right"),
    (-4, -10, "right"),
    (0, 7, "center"),
    (0, -15, "center"),
    (8, -3, "left"),
    (-8, -3, "right"),
    (4, 12, "left"),
    (-4, 12, "right"),
    (4, -19, "left"),
    (-4, -19, "right"),
)
MARKER = 2.5  # points: half the side of the box kept clear around every point


def _overlap(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def _outside(box: Bbox, frame: Bbox) -> float:
    return box.width * box.height - _overlap(box, frame)


def label_points(
    ax: Axes,
    xy: np.ndarray,
    texts: Sequence[str],
    styles: Sequence[Mapping[str, Any]],
) -> list[Annotation]:
    """Annotate the points `xy: (N, 2)` (data coordinates of `ax`) with `texts` (N strings),
    each drawn with its `styles[i]` (keyword arguments of `Axes.annotate`), so that labels
    overlap neither each other, nor the points, nor a legend, wherever a place is free.

    Call it last, once the axes' limits, aspect and legend are set: it lays the figure out
    to measure the labels, and the labels are kept out of the layout so it does not move."""
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        raise ValueError("label_points: the axes belong to no figure")
    canvas = fig.canvas
    if not isinstance(canvas, FigureCanvasAgg):  # a Figure made without pyplot has none
        canvas = FigureCanvasAgg(fig)
    with quiet_missing_glyphs():
        fig.draw_without_rendering()
        renderer = canvas.get_renderer()
        pad = MARKER * fig.dpi / 72
        centres = ax.transData.transform(np.asarray(xy, dtype=np.float64).reshape(-1, 2))
        taken = [Bbox.from_extents(x - pad, y - pad, x + pad, y + pad) for x, y in centres]
        legend = ax.get_legend()
        if legend is not None:
            box = legend.get_window_extent(renderer)
            taken.append(box)
            # a legend placed "best" would move away from the labels' texts at the next draw
            legend.set_loc(tuple(ax.transAxes.inverted().transform((box.x0, box.y0))))
        frame = ax.get_window_extent(renderer)
        placed = []
        for point, text, style in zip(np.asarray(xy), texts, styles):
            at = (float(point[0]), float(point[1]))
            label, box = _place(ax, renderer, at, text, style, taken, frame)
            taken.append(box)
            placed.append(label)
    return placed


def _place(
    ax: Axes,
    renderer: Any,
    point: tuple[float, float],
    text: str,
    style: Mapping[str, Any],
    taken: list[Bbox],
    frame: Bbox,
) -> tuple[Annotation, Bbox]:
    """The label of one point at the first free place of `PLACES`, else the least covered."""
    best: tuple[float, Annotation, Bbox] | None = None
    for dx, dy, align in PLACES:
        label = ax.annotate(
            text, point, xytext=(dx, dy), textcoords="offset points", ha=align, **style
        )
        label.set_in_layout(False)
        box = label.get_window_extent(renderer)
        cost = sum(_overlap(box, other) for other in taken) + 4 * _outside(box, frame)
        if best is None or cost < best[0]:
            if best is not None:
                best[1].remove()
            best = (cost, label, box)
        else:
            label.remove()
        if cost == 0:
            break
    assert best is not None
    return best[1], best[2]
