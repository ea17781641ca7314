"""One palette and one set of fonts for every picture viz draws (graphs, players, plots)."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from functools import lru_cache

FORWARD = "#2e7d32"  # values: green, above the wire (as on the slides)
BACKWARD = "#c62828"  # gradients: red, below the wire
INK = "#263238"  # text and outlines
MUTED = "#90a4ae"  # things not computed yet, constants
ACCENT = "#1565c0"  # the node being processed in a step-through
HIGHLIGHT_FILL = "#fff3c4"  # its fill
ALARM = "#d50000"  # NaN / inf
ALARM_FILL = "#ffebee"
NODE_FILL = "#ffffff"
LEAF_FILL = "#eef3f7"
CLUSTER_FILL = "#f6f8fa"
CLUSTER_LINE = "#b0bec5"
FONT = "Helvetica"

# Gradient magnitude on a log scale: pale (vanishing) → dark red (exploding).
MAGNITUDE_RAMP = (
    "#cfd8dc",
    "#b3c7e6",
    "#7fa7d9",
    "#4f7fc4",
    "#7b5ea7",
    "#b0467f",
    "#d8344f",
    "#b71c1c",
)

OP_SYMBOLS = {
    "add": "+",
    "sub": "−",
    "mul": "×",
    "div": "÷",
    "neg": "−x",
    "pow": "xⁿ",
    "exp": "exp",
    "log": "log",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "ReLU",
    "sqrt": "√",
    "abs": "|x|",
    "matmul": "@",
    "sum": "Σ",
    "mean": "mean",
    "max": "max",
}


# A float format spec of Python's mini-language, without fill/align: [sign][#][0][width]
# [grouping][.precision][type]. Width and precision are bounded so one number stays short.
_FMT = re.compile(r"[-+ ]?#?0?(?P<width>[0-9]*)[,_]?(?:\.(?P<precision>[0-9]+))?[eEfFgG%]?")
MAX_FMT_DIGITS = 40  # largest width and precision a number format may ask for
MAX_TEXT = 500  # longest piece of user text (a name, a scope) drawn on a picture


@lru_cache(maxsize=64)
def _valid_fmt(fmt: str) -> bool:
    m = _FMT.fullmatch(fmt)
    if m is None:
        return False
    width, precision = m.group("width"), m.group("precision")
    return all(int(d) <= MAX_FMT_DIGITS for d in (width, precision) if d)


def check_fmt(fmt: str) -> str:
    """Return ``fmt`` unchanged if it is a float format spec viz can print numbers with.

    Accepted: Python's format-spec mini-language for floats without fill/align —
    ``[sign][#][0][width][,|_][.precision][e|E|f|F|g|G|%]`` with width and precision at most
    40, e.g. ".4g", ".3f", "+.2e". Anything else raises ValueError naming ``fmt``.
    """
    if isinstance(fmt, str) and _valid_fmt(fmt):
        return fmt
    raise ValueError(
        f"viz: {fmt!r} is not a number format viz can use; give a float format spec such as "
        f"'.4g' (4 significant digits, the default), '.3f' (3 decimals) or '.2e' "
        f"(scientific): [sign][#][0][width][,][.precision][type e E f F g G %], width and "
        f"precision at most {MAX_FMT_DIGITS}"
    )


def number(value: object, fmt: str) -> str:
    """Format one number with ``fmt``, a float format spec (see :func:`check_fmt`)."""
    v = float(value)  # type: ignore[arg-type]
    if math.isnan(v) or math.isinf(v):
        return str(v)
    text = format(v, check_fmt(fmt))
    return text.lstrip("-") if v == 0 else text  # no "-0" on a picture


def _shown_as_escape(ch: str) -> bool:
    """True for characters no label can hold: controls (C0, DEL, C1), lone surrogates and
    Unicode non-characters."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Cc", "Cs")
        or (code & 0xFFFE) == 0xFFFE
        or 0xFDD0 <= code <= 0xFDEF
    )


def printable(text: object, limit: int | None = MAX_TEXT) -> str:
    """``text`` made safe to show anywhere (a DOT label, SVG, HTML, a terminal).

    Control characters (NUL, ESC, newline, tab, DEL, C1), lone surrogates and non-characters
    become their Python escapes, so "a\\x00b" is shown as ``a\\x00b``; text longer than
    ``limit`` characters (None: no limit) is shortened in the middle with "…".
    """
    text = str(text)
    if not text.isprintable():
        text = "".join(
            ch.encode("unicode_escape").decode("ascii") if _shown_as_escape(ch) else ch
            for ch in text
        )
    if limit is not None and len(text) > limit:
        head = (limit - 1) // 2
        text = text[:head] + "…" + text[len(text) - (limit - 1 - head) :]
    return text


def esc(text: str) -> str:
    """Escape text for a Graphviz HTML-like label (after :func:`printable`).

    graphviz-pure measures non-ASCII glyphs (×, ‖, σ) as a space, about half their real
    width; one extra space per such glyph, split over both ends, keeps them inside boxes.
    """
    text = printable(text)
    wide = sum(1 for ch in text if ord(ch) > 127 and ch != "\u00a0")
    if wide:
        text = " " * (wide // 2) + text + " " * (wide - wide // 2)
    return html.escape(text, quote=True)


def magnitude_colour(level: float) -> str:
    """Colour for a position ``level`` in [0, 1] on the magnitude ramp."""
    i = round(min(max(level, 0.0), 1.0) * (len(MAGNITUDE_RAMP) - 1))
    return MAGNITUDE_RAMP[i]


def magnitude_width(level: float) -> float:
    """Pen width for a position ``level`` in [0, 1] on the magnitude ramp."""
    return round(0.6 + 4.4 * min(max(level, 0.0), 1.0), 2)
