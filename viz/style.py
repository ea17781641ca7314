"""One palette and one set of fonts for every picture viz draws (graphs, players, plots)."""

from __future__ import annotations

import html
import math

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


def number(value: object, fmt: str) -> str:
    """Format one number; ``fmt`` is a format spec (".4g") or a callable."""
    v = float(value)  # type: ignore[arg-type]
    if math.isnan(v) or math.isinf(v):
        return str(v)
    text = fmt(v) if callable(fmt) else format(v, fmt)
    return text.lstrip("-") if v == 0 else text  # no "-0" on a picture


def esc(text: str) -> str:
    """Escape text for a Graphviz HTML-like label.

    graphviz-pure measures non-ASCII glyphs (×, ‖, σ) as a space, about half their real
    width; one extra space per such glyph, split over both ends, keeps them inside boxes.
    """
    text = str(text)
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
