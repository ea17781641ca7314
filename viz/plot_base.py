"""What every matplotlib picture of viz shares: the figure class, fonts (with a CJK
fallback), the palette, panel grids, saving, and the size limits that keep a figure bounded.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import re
import warnings
from collections.abc import Iterable, Iterator
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, TypedDict

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from viz.style import ACCENT, BACKWARD, FORWARD, INK, printable

# The viz palette: forward values green, gradients red, neutral ink, accent blue.
VALUE, GRAD = FORWARD, BACKWARD  # one palette for all of viz

# Line colours in order of appearance on one set of axes.
CYCLE = (ACCENT, VALUE, GRAD, INK)

# Families that cover Chinese; the first one installed becomes a fallback after DejaVu Sans.
_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)

DPI = 150

# Size limits: beyond them a figure takes minutes and gigabytes, and shows nothing readable.
MAX_PANELS = 256  # small images (filters, feature maps) on one figure
MAX_INCHES = 24.0  # longest side of a figure that grows with its data


class PlotFigure(Figure):
    """A matplotlib Figure that shows itself in Jupyter (as PNG) without pyplot or
    ``%matplotlib inline``: viz never touches pyplot's global state."""

    def _repr_png_(self) -> bytes:
        buffer = BytesIO()
        self.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return buffer.getvalue()

    def savefig(self, *args: Any, **kwargs: Any) -> None:
        """`Figure.savefig`, without matplotlib's warning per glyph no font has."""
        with quiet_missing_glyphs():
            super().savefig(*args, **kwargs)


@contextlib.contextmanager
def quiet_missing_glyphs() -> Iterator[None]:
    """Drawing without matplotlib's warning per glyph no font has: CJK text without a CJK
    font draws as boxes, and `font_kw` has said once how to install one."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        yield


# A pip-installed Noto Sans CJK TC (traditional characters, SIL OFL 1.1, 16 MB) shipped as a
# package: the extra tracegrad[cjk], so attention plots of Tang poems show their glyphs.
_CJK_PACKAGE = "cvttf_NotoSansCJK_Regular"
CJK_INSTALL = "pip install 'tracegrad[cjk]'"

# Han ideographs (and their extensions and compatibility forms), CJK punctuation, kana,
# bopomofo, hangul, and the fullwidth forms (，！) of Chinese punctuation: none is in DejaVu Sans.
_CJK_TEXT = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


class MissingFontWarning(UserWarning):
    """A plot has Chinese, Japanese or Korean text and no installed font can draw it."""


_missing_cjk_warned = False  # the warning is given once per process


def register_packaged_cjk_font() -> None:
    """Make matplotlib know the packaged Noto Sans CJK font, when it is installed."""
    spec = importlib.util.find_spec(_CJK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return
    for folder in spec.submodule_search_locations:
        for font in sorted(Path(folder).glob("*.otf")):
            font_manager.fontManager.addfont(str(font))


@lru_cache(maxsize=1)
def text_family() -> tuple[str, ...] | None:
    """Font family list with a CJK fallback, or None when no CJK-capable font is installed."""
    register_packaged_cjk_font()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in _CJK_FAMILIES:
        if name in installed:
            return ("DejaVu Sans", name)
    return None


#: what a plot draws as text: a string, None (no text), or an iterable of such
Text = str | Iterable["Text"] | None


def has_cjk(text: Text) -> bool:
    """Whether `text` (a string, or an iterable of strings; None is no text) has a
    Chinese, Japanese or Korean character."""
    if text is None:
        return False
    if isinstance(text, str):
        return _CJK_TEXT.search(text) is not None
    return any(has_cjk(t) for t in text)


class FontKw(TypedDict, total=False):
    """The keywords `font_kw` gives matplotlib's text functions."""

    fontfamily: list[str]


def font_kw(*texts: Text) -> FontKw:
    """Keyword arguments that give text the CJK-capable font family (if any).

    `texts` are what those keywords will draw (strings, iterables of strings, or None). If
    they hold CJK characters and no CJK font is installed, a `MissingFontWarning` says so
    once per process, with the command that installs one; the plot still renders, those
    characters as boxes.
    """
    global _missing_cjk_warned
    family = text_family()
    if family is None and not _missing_cjk_warned and has_cjk(texts):
        _missing_cjk_warned = True
        warnings.warn(
            "viz: this plot has Chinese, Japanese or Korean text but no CJK font is installed, "
            f"so those characters are drawn as boxes; install the font with {CJK_INSTALL} "
            "(or a system CJK font such as Noto Sans CJK)",
            MissingFontWarning,
            stacklevel=3,
        )
    return {} if family is None else {"fontfamily": list(family)}


def save(fig: Figure, path: str | Path | None) -> None:
    """Save `fig` as PNG or SVG (by suffix), creating the parent directory."""
    if path is None:
        return
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"path must end in .png or .svg, got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Without a CJK font, Chinese tokens draw as boxes; font_kw has said so once, rather
        # than matplotlib once per glyph (PlotFigure.savefig does the same for its figures).
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        fig.savefig(path, format=fmt, dpi=DPI, bbox_inches="tight")


def grid(n: int) -> tuple[int, int]:
    """(rows, cols) of a near-square grid holding `n` panels."""
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def panel_axes(fig: Figure, n: int) -> list[Axes]:
    """Exactly `n` tick-free axes on a near-square grid (no empty spare panels)."""
    rows, cols = grid(n)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(INK)
            spine.set_linewidth(0.5)
    return axes


def check_panels(n: int, where: str, knob: str) -> None:
    """Refuse a figure of more than ``MAX_PANELS`` panels, naming the argument ``knob``."""
    if n > MAX_PANELS:
        raise ValueError(
            f"{where}: {knob}={n} asks for {n:,} panels, more than one figure can show "
            f"(at most {MAX_PANELS}); pass a smaller {knob}, or slice the array"
        )


def plot_text(text: object) -> str:
    """User text (a title, a legend key, a token, a word) as matplotlib should draw it:
    literally, with control characters escaped and "$" never starting mathtext."""
    return printable(text).replace("$", r"\$")
