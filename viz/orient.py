"""The orientation of a tensor graph's picture. A chain of layers drawn left to right is
thousands of pixels wide and a few hundred high; ``rankdir="auto"`` lays the picture out
both ways and keeps the one whose longer side is shorter, so it fits a slide at its own
size (the text is never scaled down)."""

from __future__ import annotations

import re
from collections.abc import Sequence

RANKDIRS = ("auto", "LR", "TB", "RL", "BT")
AUTO_CANDIDATES = ("LR", "TB")  # tried in this order; on a tie the first is kept
WRAP_ABOVE = 1600  # px: a picture longer than this has its longest chain wrapped, if any
WRAPS = (2, 3, 4, 5)  # the numbers of columns tried
# boxes: a larger graph is laid out once, left to right (it fits no slide either way, and
# laying out thousands of boxes twice would double a wait of seconds to minutes)
RENDER_BOTH_UP_TO = 300
PX_PER_PT = 96 / 72  # Graphviz writes SVG sizes in points; a browser shows 96 px per inch

_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([0-9.]+)pt"[^>]*?\bheight="([0-9.]+)pt"')


def check_rankdir(rankdir: object, where: str) -> str:
    """``rankdir`` if it is one of `RANKDIRS`, else a ValueError naming ``where``."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"{where}: rankdir must be auto, LR, TB, RL or BT, got {rankdir!r}")
    return str(rankdir)


def svg_size(svg: str) -> tuple[float, float]:
    """(width, height) of a Graphviz SVG in CSS pixels, as a browser shows it unscaled."""
    m = _SIZE.search(svg)
    if m is None:
        raise ValueError("viz: no width and height in points on the SVG's <svg> element")
    return float(m.group(1)) * PX_PER_PT, float(m.group(2)) * PX_PER_PT


def smallest(svgs: Sequence[str]) -> int:
    """Index of the picture whose longer side is shortest (then: smallest area; then the
    first)."""

    def key(k: int) -> tuple[float, float, int]:
        w, h = svg_size(svgs[k])
        return round(max(w, h)), round(w * h), k

    return min(range(len(svgs)), key=key)
