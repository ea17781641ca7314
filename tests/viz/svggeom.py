"""Where Graphviz put things in a rendered SVG: node boxes, edge curves, and which edges
cross (test helper)."""

from __future__ import annotations

import itertools
import re

from tests.viz.svgtext import NS, parse

Point = tuple[float, float]
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?")


def _points(text: str) -> list[Point]:
    values = [float(v) for v in _NUMBER.findall(text)]
    return list(zip(values[::2], values[1::2]))


def _title(g) -> str:  # type: ignore[no-untyped-def]
    t = g.find(f"{NS}title")
    return "" if t is None or t.text is None else t.text


def node_boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """Node name -> (x0, y0, x1, y1), the bounding box of its outline."""
    boxes = {}
    for g in parse(svg).iter(f"{NS}g"):
        if g.get("class") != "node":
            continue
        pts: list[Point] = []
        for shape in g:
            if shape.tag in (f"{NS}path", f"{NS}polygon"):
                pts += _points(shape.get("d") or shape.get("points") or "")
            elif shape.tag == f"{NS}text":
                pts.append((float(shape.get("x", 0)), float(shape.get("y", 0))))
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        boxes[_title(g)] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def centre(box: tuple[float, float, float, float]) -> Point:
    """The middle of a box."""
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _bezier(p: list[Point], steps: int = 12) -> list[Point]:
    """A Graphviz path (a start point, then cubic segments of three points) as a polyline."""
    out = [p[0]]
    for k in range(1, len(p) - 2, 3):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = p[k - 1], p[k], p[k + 1], p[k + 2]
        for s in range(1, steps + 1):
            t = s / steps
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
            out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def edges(svg: str) -> list[tuple[str, str, list[Point]]]:
    """Every drawn edge: (tail node, head node, its curve as a polyline); ports dropped."""
    out = []
    for g in parse(svg).iter(f"{NS}g"):
        if g.get("class") != "edge":
            continue
        tail, head = _title(g).split("->")
        path = g.find(f"{NS}path")
        if path is None:
            continue
        curve = _bezier(_points(path.get("d", "")))
        arrow = g.find(f"{NS}polygon")
        if arrow is not None:  # the arrowhead: its tip, the point farthest from the curve's end
            end = curve[-1]
            tips = _points(arrow.get("points", ""))
            curve.append(max(tips, key=lambda p: (p[0] - end[0]) ** 2 + (p[1] - end[1]) ** 2))
        out.append((tail.split(":")[0], head.split(":")[0], curve))
    return out


def _cross(p: Point, q: Point, r: Point, s: Point) -> bool:
    """Whether segments pq and rs properly cross."""

    def orient(a: Point, b: Point, c: Point) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(r, s, p), orient(r, s, q)
    d3, d4 = orient(p, q, r), orient(p, q, s)
    return d1 * d2 < 0 and d3 * d4 < 0


def crossings(svg: str) -> list[tuple[str, str]]:
    """Pairs of edges ("a->b") whose curves cross; edges sharing a node are not compared
    (they meet there)."""
    drawn = edges(svg)
    found = []
    for (t1, h1, c1), (t2, h2, c2) in itertools.combinations(drawn, 2):
        if {t1, h1} & {t2, h2}:
            continue
        boxes = [
            (min(x for x, _ in c), min(y for _, y in c), max(x for x, _ in c), max(y for _, y in c))
            for c in (c1, c2)
        ]
        a, b = boxes
        if a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]:
            continue
        segments = itertools.product(itertools.pairwise(c1), itertools.pairwise(c2))
        if any(_cross(p, q, r, s) for (p, q), (r, s) in segments):
            found.append((f"{t1}->{h1}", f"{t2}->{h2}"))
    return found
