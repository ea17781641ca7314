"""Static pictures of training: loss curves, conv filters, feature maps, reconstructions;
attention heatmaps and word-vector maps live in `viz.plots_seq` and are exported here too.

Numpy arrays in, a `matplotlib.figure.Figure` out. Figures are built with `Figure` directly, so
no pyplot state is touched and nothing needs a display; `path=` saves a PNG or SVG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from viz.plot_base import (
    ACCENT,
    CYCLE,
    INK,
    PlotFigure,
    check_panels,
    font_kw,
    grid,
    panel_axes,
    plot_text,
    save,
)
from viz.plots_seq import plot_attention, plot_embeddings, project_2d

MAX_ROW = 20  # image pairs in one row of plot_reconstructions (about 23 inches wide)

__all__ = [
    "plot_attention",
    "plot_curves",
    "plot_embeddings",
    "plot_feature_maps",
    "plot_filters",
    "plot_reconstructions",
    "project_2d",
]


def plot_curves(
    history: Mapping[str, Sequence[float]],
    *,
    title: str | None = None,
    path: str | Path | None = None,
    xlabel: str = "epoch",
    batch_losses: Sequence[float] | None = None,
) -> Figure:
    """Training curves: `history` maps a name to a sequence of numbers, one per epoch or step.

    Keys containing "acc" go on a second panel to the right (if any); every other key (losses)
    on the left. The x axis counts from 1. Non-finite points become gaps in the line.

    `batch_losses` (default: ``history.batch_losses`` when `history` has it, as the History
    of `nn.training.fit` does) is the loss of every step: drawn thin and light behind the
    per-epoch points, labelled "train loss (per batch)", at x = epochs done (step k of n
    steps over E epochs at ``k * E / n``), so even a one-epoch run shows a curve.
    """
    if not history:
        raise ValueError("history is empty: expected e.g. {'train loss': [...]}")
    if not isinstance(history, Mapping):
        raise TypeError(
            f"history must map names to numbers, e.g. {{'train loss': [...]}}; got "
            f"{type(history).__name__}"
        )
    series: dict[str, np.ndarray] = {}
    for key, values in history.items():
        try:
            y = np.asarray(values, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ValueError(f"history[{key!r}] must be a sequence of numbers") from None
        if not np.isfinite(y).any():
            raise ValueError(f"history[{key!r}] has no finite values ({y.size} points)")
        series[key] = np.where(np.isfinite(y), y, np.nan)

    if batch_losses is None:
        batch_losses = getattr(history, "batch_losses", None)
    steps = _batch_series(batch_losses, series)

    acc_keys = [k for k in series if "acc" in str(k).lower() and "loss" not in str(k).lower()]
    loss_keys = [k for k in series if k not in acc_keys]
    panels = [
        (keys, label) for keys, label in ((loss_keys, "loss"), (acc_keys, "accuracy")) if keys
    ]

    fig = PlotFigure(figsize=(4.6 * len(panels), 3.4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (keys, ylabel) in zip(axes, panels):
        if steps is not None and ylabel == "loss":
            ax.plot(
                *steps,
                color=CYCLE[0],
                alpha=0.35,
                linewidth=0.7,
                zorder=1,
                label="train loss (per batch)",
            )
        for i, key in enumerate(keys):
            y = series[key]
            held_out = any(word in key.lower() for word in ("test", "val", "dev"))
            ax.plot(
                np.arange(1, y.size + 1),
                y,
                color=CYCLE[i % len(CYCLE)],
                linestyle="--" if held_out else "-",
                marker="o" if y.size <= 30 else None,
                markersize=3,
                linewidth=1.6,
                label=plot_text(key),
                zorder=2,
            )
        ax.set_xlabel(plot_text(xlabel))
        ax.set_ylabel(ylabel)
        ax.grid(True, alpha=0.25, linewidth=0.6)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(frameon=False, fontsize="small")
        ax.spines[["top", "right"]].set_visible(False)
        if steps is not None:  # both panels from 0 (the start) to the last epoch
            ax.set_xlim(0, steps[0][-1] * 1.04)
    if title:
        fig.suptitle(plot_text(title), color=INK, **font_kw(title))
    save(fig, path)
    return fig


def _batch_series(
    batch_losses: Sequence[float] | None, series: Mapping[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray] | None:
    """(x in epochs, y) of the per-step losses, or None when there are none to draw. The
    epochs are those of "train loss" (else the longest series): step k (from 1) of n at
    ``k * epochs / n``, so the last step of each epoch lands on its per-epoch point."""
    if batch_losses is None:
        return None
    try:
        y = np.asarray(batch_losses, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ValueError("batch_losses must be a sequence of numbers") from None
    if not np.isfinite(y).any():
        return None
    epochs = series["train loss"].size if "train loss" in series else 0
    epochs = epochs or max(v.size for v in series.values())
    x = np.arange(1, y.size + 1, dtype=np.float64) * (epochs / y.size)
    return x, np.where(np.isfinite(y), y, np.nan)


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
    if o == 0 or w.size == 0:
        raise ValueError(f"weight has no filters or empty kernels: shape {w.shape}")
    n = min(o, max_filters)
    check_panels(n, "plot_filters", "max_filters")
    w = w[:n]

    rows, cols = grid(n)
    fig = PlotFigure(figsize=(0.9 * cols + 0.6, 0.9 * rows + 0.8), layout="constrained")
    axes = panel_axes(fig, n)
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
            ax.set_title(str(i), fontsize=7, color=INK, pad=2)
    shown = f"{n} of {o} filters" if n < o else f"{o} filters"
    heading = f"{plot_text(title)}\n" if title else ""
    fig.suptitle(f"{heading}{shown} ({kh}×{kw}; {note})", fontsize=9, color=INK, **font_kw(title))
    save(fig, path)
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

    Each panel has its own colour scale, shown by a colour bar beside it (its minimum and
    maximum marked). An optional `image: (H0, W0)` is drawn first, in grey,
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
    check_panels(n + extra, "plot_feature_maps", "max_maps")

    rows, cols = grid(n + extra)
    fig = PlotFigure(figsize=(1.7 * cols + 0.4, 1.35 * rows + 0.6), layout="constrained")
    axes = panel_axes(fig, n + extra)
    if image is not None:
        axes[0].imshow(image, cmap="gray", interpolation="nearest")
        axes[0].set_title("input", fontsize=8, color=ACCENT, pad=2)
        for spine in axes[0].spines.values():
            spine.set_color(ACCENT)
            spine.set_linewidth(1.2)
    for i, ax in enumerate(axes[extra:]):
        im = ax.imshow(m[i], cmap="viridis", interpolation="nearest")
        ax.set_title(f"ch {i}", fontsize=8, color=INK, pad=2)
        # each panel on its own scale, so each has its own bar: its low and high end
        lo, hi = float(np.nanmin(m[i])), float(np.nanmax(m[i]))
        bar = fig.colorbar(im, ax=ax, fraction=0.07, pad=0.03, aspect=12)
        bar.set_ticks([lo, hi] if hi > lo else [lo] if np.isfinite(lo) else [])
        bar.ax.tick_params(labelsize=5, length=1.5, pad=1, colors=INK)
        bar.ax.set_yticklabels([f"{v:.2g}" for v in bar.get_ticks()])
        bar.outline.set_linewidth(0.4)
    shown = f"{n} of {c} channels" if n < c else f"{c} channels"
    heading = f"{plot_text(title)}\n" if title else ""
    fig.suptitle(
        f"{heading}{shown}, {m.shape[1]}×{m.shape[2]}, each on its own scale",
        fontsize=9,
        color=INK,
        **font_kw(title),
    )
    save(fig, path)
    return fig


def plot_reconstructions(
    originals: np.ndarray,
    reconstructions: np.ndarray,
    *,
    title: str | None = None,
    path: str | Path | None = None,
    max_images: int = 16,
) -> Figure:
    """Originals (top row) above their reconstructions (bottom row), in grey.

    Both (N, H, W) or (N, 1, H, W) with the same shape; pixels are shown on [0, 1]. The
    first ``max_images`` pairs are drawn (at most ``MAX_ROW``, one row's worth); the caption
    gives the mean squared error over all N and says how many are shown.
    """
    a, b = np.asarray(originals), np.asarray(reconstructions)
    if a.ndim == 4 and a.shape[1] == 1:
        a, b = a[:, 0], b[:, 0] if b.ndim == 4 else b
    if a.ndim != 3 or a.shape != b.shape or a.shape[0] == 0:
        raise ValueError(
            "plot_reconstructions: expected two (N, H, W) arrays of one shape with N >= 1, got "
            f"{np.shape(originals)} and {np.shape(reconstructions)}"
        )
    if isinstance(max_images, bool) or not isinstance(max_images, int) or max_images < 1:
        raise ValueError(f"plot_reconstructions: max_images must be at least 1, got {max_images}")
    if max_images > MAX_ROW:
        raise ValueError(
            f"plot_reconstructions: max_images={max_images} pairs do not fit one row (at most "
            f"{MAX_ROW}); pass a smaller max_images, or call it once per slice of the images"
        )
    total = a.shape[0]
    n = min(total, max_images)
    fig = PlotFigure(figsize=(1.1 * n + 1.2, 2.6))
    axes = fig.subplots(2, n, squeeze=False)
    for row, (images, label) in enumerate(((a, "original"), (b, "reconstructed"))):
        for k in range(n):
            ax = axes[row, k]
            ax.imshow(images[k], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_color(INK if row == 0 else ACCENT)
        axes[row, 0].set_ylabel(label, fontsize=9, color=INK if row == 0 else ACCENT)
    if title:
        fig.suptitle(plot_text(title), color=INK, **font_kw(title))
    mse = float(np.mean((a - b) ** 2))
    caption = f"mean squared error {mse:.4f}"
    if n < total:
        caption += f" over all {total}; the first {n} of {total} shown"
    fig.text(0.5, 0.01, caption, ha="center", fontsize=8, color=INK)
    save(fig, path)
    return fig
