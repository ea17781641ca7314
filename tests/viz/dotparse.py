"""Read a scalar picture's DOT back into nodes, wires, output names and pass boxes (test
helper for the pictures of recorded backward passes)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

NODE = re.compile(
    r'^\s*n(\d+) \[id="n\d+", shape=box, style="([^"]*)", fillcolor="([^"]*)", '
    r'color="([^"]*)"(, peripheries=2)?, label=<(.*)>\];$'
)
WIRE = re.compile(r'^\s*w(\d+)_(\d+)_(\d+) \[id="w')
OUTPUT = re.compile(r'^\s*out(\d+)(k\d+)? \[id="([^"]+)", shape=plain, label=<<b>(.*)</b>>\];$')
PASS = re.compile(r"^  subgraph cluster_pass(\d+) \{$")


@dataclass
class Drawn:
    """One box of the picture: its lines of text, fill, whether it has a double border."""

    texts: list[str]
    fill: str
    double: bool
    box: int  # the pass box it is drawn in (0 forward, 1 backward, …)


@dataclass
class Picture:
    nodes: dict[int, Drawn] = field(default_factory=dict)
    wires: list[tuple[int, int, int]] = field(default_factory=list)  # (src, dst, slot)
    outputs: dict[str, int] = field(default_factory=dict)  # drawn name -> node index
    output_ids: dict[str, str] = field(default_factory=dict)  # drawn name -> label node id

    def title(self, i: int) -> str:
        return self.nodes[i].texts[0]

    def named(self, title: str) -> int:
        (i,) = [i for i, n in self.nodes.items() if n.texts and n.texts[0] == title]
        return i

    def parents(self, i: int) -> set[int]:
        return {s for s, d, _ in self.wires if d == i}


def _texts(label: str) -> list[str]:
    cells = re.findall(r"<td[^>]*>(.*?)</td>", label)
    out = []
    for cell in cells:
        text = html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        if text:
            out.append(text)
    return out


def parse_dot(dot: str) -> Picture:
    """Nodes, wires and output names of ``ScalarDot`` text, with the pass box of each."""
    pic = Picture()
    box, depth = 0, 0
    for line in dot.splitlines():
        if m := PASS.match(line):
            box = int(m.group(1))
        if line.strip().endswith("{"):
            depth += 1
        elif line.strip() == "}":
            depth -= 1
            if depth == 1:
                box = 0
        if m := NODE.match(line):
            i, _style, fill, _line, double, label = m.groups()
            pic.nodes[int(i)] = Drawn(_texts(label), fill, bool(double), box)
        elif m := WIRE.match(line):
            pic.wires.append(tuple(int(g) for g in m.groups()))
        elif m := OUTPUT.match(line):
            name = html.unescape(re.sub(r"<[^>]+>", "", m.group(4))).strip()
            pic.outputs[name] = int(m.group(1))
            pic.output_ids[name] = m.group(3)
    return pic
