"""Static pictures of training: loss curves, conv filters, feature maps, attention, embeddings.

Numpy arrays in, a `matplotlib.figure.Figure` out. Figures are built with `Figure` directly, so
no pyplot state is touched and nothing needs a display; `path=` saves a PNG or SVG.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from viz.style import ACCENT, BACKWARD, FORWARD, INK

# The viz palette: forward values green, gradients red, neutral ink, accent blue.
_VALUE, _GRAD, _INK, _ACCENT = FORWARD, BACKWARD, INK, ACCENT  # one palette for all of viz
_PALETTE = {"value": _VALUE, "grad": _GRAD, "ink": _INK, "accent": _ACCENT}

# Line colours in order of appearance on one set of axes.
_CYCLE = (_ACCENT, _VALUE, _GRAD, _INK)

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

_DPI = 150


class PlotFigure(Figure):
    """A matplotlib Figure that shows itself in Jupyter (as PNG) without pyplot or
    ``%matplotlib inline``: viz never touches pyplot's global state."""

    def _repr_png_(self) -> bytes:
        buffer = BytesIO()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
            self.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        return buffer.getvalue()


# A pip-installed Noto Sans CJK TC (traditional characters, SIL OFL 1.1) shipped as a
# package; a dependency of tracegrad so attention plots of Tang poems show their glyphs.
_CJK_PACKAGE = "cvttf_NotoSansCJK_Regular"


def _register_packaged_cjk_font() -> None:
    spec = importlib.util.find_spec(_CJK_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return
    for folder in spec.submodule_search_locations:
        for font in sorted(Path(folder).glob("*.otf")):
            font_manager.fontManager.addfont(str(font))


@lru_cache(maxsize=1)
def _text_family() -> tuple[str, ...] | None:
    """Font family list with a CJK fallback, or None when no CJK-capable font is installed."""
    _register_packaged_cjk_font()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in _CJK_FAMILIES:
        if name in installed:
            return ("DejaVu Sans", name)
    return None


def _font_kw() -> dict[str, object]:
    family = _text_family()
    return {} if family is None else {"fontfamily": list(family)}


def _save(fig: Figure, path: str | Path | None) -> None:
    """Save `fig` as PNG or SVG (by suffix), creating the parent directory."""
    if path is None:
        return
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg"):
        raise ValueError(f"path must end in .png or .svg, got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Without a CJK font, Chinese tokens draw as boxes; say nothing rather than warn per glyph.
        warnings.filterwarnings("ignore", message=r"Glyph .* missing from")
        fig.savefig(path, format=fmt, dpi=_DPI, bbox_inches="tight")


def _grid(n: int) -> tuple[int, int]:
    """(rows, cols) of a near-square grid holding `n` panels."""
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def _panel_axes(fig: Figure, n: int) -> list[Axes]:
    """Exactly `n` tick-free axes on a near-square grid (no empty spare panels)."""
    rows, cols = _grid(n)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(_INK)
            spine.set_linewidth(0.5)
    return axes


def plot_curves(
    history: Mapping[str, Sequence[float]],
    *,
    title: str | None = None,
    path: str | Path | None = None,
    xlabel: str = "epoch",
) -> Figure:
    """Training curves: `history` maps a name to a sequence of numbers, one per epoch or step.

    Keys containing "acc" go on a second panel to the right (if any); every other key (losses)
    on the left. The x axis counts from 1. Non-finite points become gaps in the line.
    """
    if not history:
        raise ValueError("history is empty: expected e.g. {'train loss': [...]}")
    series: dict[str, np.ndarray] = {}
    for key, values in history.items():
        y = np.asarray(values, dtype=np.float64).ravel()
        if not np.isfinite(y).any():
            raise ValueError(f"history[{key!r}] has no finite values ({y.size} points)")
        series[key] = np.where(np.isfinite(y), y, np.nan)

    acc_keys = [k for k in series if "acc" in k.lower() and "loss" not in k.lower()]
    loss_keys = [k for k in series if k not in acc_keys]
    panels = [
        (keys, label) for keys, label in ((loss_keys, "loss"), (acc_keys, "accuracy")) if keys
    ]

    fig = PlotFigure(figsize=(4.6 * len(panels), 3.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (keys, ylabel) in zip(axes, panels):
        for i, key in enumerate(keys):
            y = series[key]
            held_out = any(word in key.lower() for word in ("test", "val", "dev"))
            ax.plot(
                np.arange(1, y.size + 1),
                y,
                color=_CYCLE[i % len(_CYCLE)],
                linestyle="--" if held_out else "-",
                marker="o" if y.size <= 30 else None,
                markersize=3,
                linewidth=1.6,
                label=key,
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.25, linewidth=0.6)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False, fontsize="small")
        ax.spines[["top", "right"]].set_visible(False)
    if title:
        fig.suptitle(title, color=_INK, **_font_kw())
    _save(fig, path)
    return fig


def plot_filters(
    weight: np.ndarray,
    *,
    title: str | None = None,
    path: str | Path | None = None,
    max_filters: int = 64,
    reduce: str = "first",
) -> Figure:
    """Conv weights `weight: (O, C, kh, kw)`: one image per output filter, up to `max_filters`.

    C == 3: each filter as RGB, min-max normalised per filter. Otherwise channel 0
    (`reduce="first"`) or the mean over channels (`reduce="mean"`) in `RdBu_r`, on one scale
    symmetric around 0 for all filters: red positive, blue negative, white zero.
    """
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim != 4:
        raise ValueError(f"weight must be (O, C, kh, kw), got shape {w.shape}")
    if max_filters < 1:
        raise ValueError(f"max_filters must be at least 1, got {max_filters}")
    if reduce not in ("first", "mean"):
        raise ValueError(f"reduce must be 'first' or 'mean', got {reduce!r}")
    o, c, kh, kw = w.shape
    if o == 0:
        raise ValueError(f"weight has no filters: shape {w.shape}")
    n = min(o, max_filters)
    w = w[:n]

    rows, cols = _grid(n)
    fig = PlotFigure(figsize=(0.9 * cols + 0.6, 0.9 * rows + 0.8), layout="constrained")
    axes = _panel_axes(fig, n)
    if c == 3:
        # (n, 3, kh, kw) -> (n, kh, kw, 3), each filter stretched to [0, 1] on its own.
        rgb = w.transpose(0, 2, 3, 1)
        lo = rgb.min(axis=(1, 2, 3), keepdims=True)
        span = rgb.max(axis=(1, 2, 3), keepdims=True) - lo
        rgb = np.where(span > 0, (rgb - lo) / np.where(span > 0, span, 1.0), 0.5)
        for ax, img in zip(axes, rgb):
            ax.imshow(img, interpolation="nearest")
        note = "RGB, each filter min-max scaled"
    else:
        planes = w[:, 0] if reduce == "first" else w.mean(axis=1)
        vmax = float(np.abs(planes).max()) or 1.0
        for ax, img in zip(axes, planes):
            ax.imshow(img, cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        which = "channel 0" if reduce == "first" or c == 1 else "mean over channels"
        note = f"{which} of {c}, red +, blue −, scale ±{vmax:.2g}"
    if n <= 16:
        for i, ax in enumerate(axes):
            ax.set_title(str(i), fontsize=7, color=_INK, pad=2)
    shown = f"{n} of {o} filters" if n < o else f"{o} filters"
    heading = f"{title}\n" if title else ""
    fig.suptitle(f"{heading}{shown} ({kh}×{kw}; {note})", fontsize=9, color=_INK, **_font_kw())
    _save(fig, path)
    return fig


def plot_feature_maps(
    maps: np.ndarray,
    *,
    title: str | None = None,
    path: str | Path | None = None,
    max_maps: int = 32,
    image: np.ndarray | None = None,
) -> Figure:
    """Activations `maps: (C, H, W)` (or `(1, C, H, W)`), one `viridis` panel per channel.

    Each panel has its own colour scale. An optional `image: (H0, W0)` is drawn first, in grey,
    titled "input".
    """
    m = np.asarray(maps, dtype=np.float64)
    if m.ndim == 4 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 3:
        raise ValueError(f"maps must be (C, H, W) or (1, C, H, W), got shape {np.shape(maps)}")
    if max_maps < 1:
        raise ValueError(f"max_maps must be at least 1, got {max_maps}")
    if image is not None:
        image = np.asarray(image, dtype=np.float64)
        if image.ndim != 2:
            raise ValueError(f"image must be (H, W), got shape {image.shape}")
    c = m.shape[0]
    if c == 0:
        raise ValueError(f"maps has no channels: shape {m.shape}")
    n = min(c, max_maps)
    extra = image is not None

    rows, cols = _grid(n + extra)
    fig = PlotFigure(figsize=(1.3 * cols + 0.4, 1.35 * rows + 0.6), layout="constrained")
    axes = _panel_axes(fig, n + extra)
    if image is not None:
        axes[0].imshow(image, cmap="gray", interpolation="nearest")
        axes[0].set_title("input", fontsize=8, color=_ACCENT, pad=2)
        for spine in axes[0].spines.values():
            spine.set_color(_ACCENT)
            spine.set_linewidth(1.2)
    for i, ax in enumerate(axes[extra:]):
        ax.imshow(m[i], cmap="viridis", interpolation="nearest")
        ax.set_title(f"ch {i}", fontsize=8, color=_INK, pad=2)
    shown = f"{n} of {c} channels" if n < c else f"{c} channels"
    heading = f"{title}\n" if title else ""
    fig.suptitle(
        f"{heading}{shown}, {m.shape[1]}×{m.shape[2]}, each on its own scale",
        fontsize=9,
        color=_INK,
        **_font_kw(),
    )
    _save(fig, path)
    return fig


def plot_attention(
    weights: np.ndarray,
    *,
    source: Sequence[str] | None = None,
    target: Sequence[str] | None = None,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Attention `weights: (T_out, T_in)` as a heatmap on [0, 1]; row t is output step t.

    `source` (T_in tokens) labels the columns, `target` (T_out tokens) the rows. Cells carry
    their value when the matrix is at most 12×12.
    """
    a = np.asarray(weights, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"weights must be (T_out, T_in), got shape {a.shape}")
    t_out, t_in = a.shape
    if source is not None and len(source) != t_in:
        raise ValueError(f"source has {len(source)} tokens but weights have T_in = {t_in} columns")
    if target is not None and len(target) != t_out:
        raise ValueError(f"target has {len(target)} tokens but weights have T_out = {t_out} rows")

    cell = 0.42 if max(t_in, t_out) <= 12 else max(0.12, 6.0 / max(t_in, t_out))
    fig = PlotFigure(figsize=(cell * t_in + 2.2, cell * t_out + 1.4), layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(a, cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
    cbar = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    cbar.set_label("attention weight", color=_INK)

    font = _font_kw()
    long_tokens = source is not None and max((len(s) for s in source), default=0) > 2
    if source is not None:
        ax.set_xticks(range(t_in), list(source), rotation=90 if long_tokens else 0, **font)
    if target is not None:
        ax.set_yticks(range(t_out), list(target), **font)
    if source is None:
        ax.xaxis.get_major_locator().set_params(integer=True)
    if target is None:
        ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("source (input step)", color=_INK)
    ax.set_ylabel("target (output step)", color=_INK)
    ax.tick_params(length=0)

    if t_out <= 12 and t_in <= 12:
        for (i, j), v in np.ndenumerate(a):
            ax.text(
                j,
                i,
                f"{v:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if v < 0.6 else _INK,
            )
    if title:
        ax.set_title(title, color=_INK, **font)
    _save(fig, path)
    return fig


def _pca(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred PCA to 2-D by SVD: `(N, D) -> ((N, 2), explained-variance ratio (2,))`."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"vectors must be (N, D) with N >= 1, got shape {x.shape}")
    x = x - x.mean(axis=0)
    # x = U S V^T; the rows of V^T are the principal directions, x V = U S the coordinates.
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(2, s.size)
    # Fix each direction's sign (largest |loading| positive) so the picture is reproducible.
    signs = np.sign(vt[np.arange(k), np.abs(vt[:k]).argmax(axis=1)])
    signs[signs == 0] = 1.0
    coords = np.zeros((x.shape[0], 2))
    coords[:, :k] = u[:, :k] * s[:k] * signs
    total = float((s**2).sum())
    ratio = np.zeros(2)
    if total > 0:
        ratio[:k] = s[:k] ** 2 / total
    return coords, ratio


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """Project `vectors: (N, D)` onto their top two principal components: `(N, 2)`.

    Centred PCA via numpy SVD; with D < 2 the missing coordinate is zero.
    """
    return _pca(vectors)[0]


def plot_embeddings(
    vectors: np.ndarray,
    words: Sequence[str],
    *,
    method: str = "pca",
    title: str | None = None,
    path: str | Path | None = None,
    highlight: Iterable[str] | None = None,
) -> Figure:
    """Word vectors `vectors: (N, D)` with `words` (N strings), scattered after a 2-D projection.

    `method="pca"` (the only one): see `project_2d`. Words in `highlight` are drawn in the accent
    colour and bold. Axes keep equal scale, so distances in the plane are not distorted.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"vectors must be (N, D), got shape {x.shape}")
    if len(words) != x.shape[0]:
        raise ValueError(f"got {len(words)} words but {x.shape[0]} vectors")
    if method != "pca":
        raise ValueError(f"method must be 'pca', got {method!r}")
    marked = set(highlight or ())
    unknown = marked.difference(words)
    if unknown:
        raise ValueError(f"highlight words not among words: {sorted(unknown)}")

    xy, ratio = _pca(x)
    strong = np.array([w in marked for w in words], dtype=bool)
    fig = PlotFigure(figsize=(5.6, 4.6), layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(*xy[~strong].T, s=14, color=_INK, alpha=0.55, linewidths=0)
    if strong.any():
        ax.scatter(*xy[strong].T, s=26, color=_ACCENT, linewidths=0, zorder=3)
    font = _font_kw()
    for (px, py), word, hot in zip(xy, words, strong):
        ax.annotate(
            word,
            (px, py),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=8.5 if hot else 7.5,
            fontweight="bold" if hot else "normal",
            color=_ACCENT if hot else _INK,
            **font,
        )
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(f"PC1 ({100 * ratio[0]:.0f}% of variance)", color=_INK)
    ax.set_ylabel(f"PC2 ({100 * ratio[1]:.0f}% of variance)", color=_INK)
    ax.grid(True, alpha=0.2, linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, color=_INK, **font)
    _save(fig, path)
    return fig


def plot_reconstructions(
    originals: np.ndarray,
    reconstructions: np.ndarray,
    *,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Originals (top row) above their reconstructions (bottom row), in grey.

    Both (N, H, W) or (N, 1, H, W) with the same shape; pixels are shown on [0, 1].
    """
    a, b = np.asarray(originals), np.asarray(reconstructions)
    if a.ndim == 4 and a.shape[1] == 1:
        a, b = a[:, 0], b[:, 0] if b.ndim == 4 else b
    if a.ndim != 3 or a.shape != b.shape:
        raise ValueError(
            "plot_reconstructions: expected two (N, H, W) arrays of one shape, got "
            f"{np.shape(originals)} and {np.shape(reconstructions)}"
        )
    n = a.shape[0]
    fig = PlotFigure(figsize=(1.1 * n + 1.2, 2.6))
    axes = fig.subplots(2, n, squeeze=False)
    for row, (images, label) in enumerate(((a, "original"), (b, "reconstructed"))):
        for k in range(n):
            ax = axes[row, k]
            ax.imshow(images[k], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color(_INK if row == 0 else _ACCENT)
        axes[row, 0].set_ylabel(label, fontsize=9, color=_INK if row == 0 else _ACCENT)
    if title:
        fig.suptitle(title, color=_INK, **_font_kw())
    mse = float(np.mean((a - b) ** 2))
    fig.text(0.5, 0.01, f"mean squared error {mse:.4f}", ha="center", fontsize=8, color=_INK)
    _save(fig, path)
    return fig
