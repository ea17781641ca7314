"""Read the text a rendered SVG shows, per element id and colour (test helper)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    """Parse SVG text (with or without the xmlns declaration)."""
    if "xmlns=" not in svg[:400]:
        svg = svg.replace("<svg ", f'<svg xmlns="{NS[1:-1]}" ', 1)
    return ET.fromstring(svg)


def texts(svg: str, colour: str | None = None) -> list[str]:
    """Every text element's content (stripped), optionally only those filled ``colour``."""
    root = parse(svg)
    return [
        (t.text or "").strip()
        for t in root.iter(f"{NS}text")
        if colour is None or t.get("fill") == colour
    ]


def texts_by_group(svg: str) -> dict[str, list[tuple[str, str | None]]]:
    """Text contents and fills of each ``<g id=...>`` (nodes, edges, wire labels)."""
    root = parse(svg)
    out: dict[str, list[tuple[str, str | None]]] = {}
    for g in root.iter(f"{NS}g"):
        gid = g.get("id")
        if gid:
            out[gid] = [((t.text or "").strip(), t.get("fill")) for t in g.iter(f"{NS}text")]
    return out
