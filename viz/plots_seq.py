"""Pictures of sequence and word models: attention heatmaps and 2-D maps of word vectors.

Numpy arrays in, a `matplotlib.figure.Figure` out (see `viz.plot_base`); `path=` saves a
PNG or SVG.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from viz.labels import label_points
from viz.plot_base import ACCENT, INK, MAX_INCHES, PlotFigure, font_kw, plot_text, save

MAX_TOKEN_LABELS = 150  # tokens labelled along one axis of an attention heatmap
MAX_WORDS = 1000  # words one embedding map labels
# one colour per group of words in plot_embeddings (matplotlib's tab10 without its grey,
# which would read as the ungrouped words' ink)
GROUP_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
)


def plot_attention(
    weights: np.ndarray,
    *,
    source: Sequence[str] | None = None,
    target: Sequence[str] | None = None,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Attention `weights: (T_out, T_in)` as a heatmap on [0, 1]; row t is output step t.

    `source` (T_in tokens) labels the columns, `target` (T_out tokens) the rows, up to
    `MAX_TOKEN_LABELS` per axis (beyond, the title says they are not labelled). Cells carry
    their value when the matrix is at most 12×12. The figure's sides stay within
    `viz.plot_base.MAX_INCHES` however long the sequences.
    """
    a = np.asarray(weights, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        raise ValueError(f"weights must be a non-empty (T_out, T_in), got shape {a.shape}")
    t_out, t_in = a.shape
    if source is not None and len(source) != t_in:
        raise ValueError(f"source has {len(source)} tokens but weights have T_in = {t_in} columns")
    if target is not None and len(target) != t_out:
        raise ValueError(f"target has {len(target)} tokens but weights have T_out = {t_out} rows")

    longest = max(t_in, t_out)
    cell = 0.42 if longest <= 12 else max(0.12, 6.0 / longest)
    cell = min(cell, MAX_INCHES / longest)  # a bounded figure, however long the sequences
    unlabelled = [
        f"{len(tokens):,} {which} tokens"
        for tokens, which in ((source, "source"), (target, "target"))
        if tokens is not None and len(tokens) > MAX_TOKEN_LABELS
    ]
    if unlabelled:
        source = None if source is not None and len(source) > MAX_TOKEN_LABELS else source
        target = None if target is not None and len(target) > MAX_TOKEN_LABELS else target
    fig = PlotFigure(figsize=(cell * t_in + 2.2, cell * t_out + 1.4), layout="constrained")
    ax = fig.add_subplot()
    im = ax.imshow(a, cmap="viridis", vmin=0.0, vmax=1.0, interpolation="nearest")
    cbar = fig.colorbar(im, ax=ax, fraction=0.05, pad=0.03)
    cbar.set_label("attention weight", color=INK)

    font = font_kw(source, target, title)
    long_tokens = source is not None and max((len(s) for s in source), default=0) > 2
    if source is not None:
        labels = [plot_text(s) for s in source]
        ax.set_xticks(range(t_in), labels, rotation=90 if long_tokens else 0, **font)
    if target is not None:
        ax.set_yticks(range(t_out), [plot_text(s) for s in target], **font)
    for axis, labelled in ((ax.xaxis, source is not None), (ax.yaxis, target is not None)):
        locator = axis.get_major_locator()
        if not labelled and isinstance(locator, MaxNLocator):  # the default AutoLocator is one
            locator.set_params(integer=True)
    ax.set_xlabel("source (input step)", color=INK)
    ax.set_ylabel("target (output step)", color=INK)
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
                color="white" if v < 0.6 else INK,
            )
    title = plot_text(title) if title else ""
    if unlabelled:
        note = f"({' and '.join(unlabelled)} not labelled: more than {MAX_TOKEN_LABELS})"
        title = f"{title}\n{note}" if title else note
    if title:
        ax.set_title(title, color=INK, **font)
    save(fig, path)
    return fig


def _pca(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centred PCA to 2-D by SVD: `(N, D) -> ((N, 2), explained-variance ratio (2,))`."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"vectors must be (N, D) with N >= 1, got shape {x.shape}")
    bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
    if bad.size:
        raise ValueError(
            f"vectors: {bad.size} of {x.shape[0]} rows hold NaN or inf (first: row {bad[0]}); "
            "drop them or fix the training that produced them"
        )
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


def _group_colours(
    groups: Mapping[str, Iterable[str]] | None, words: Sequence[str]
) -> dict[str, str]:
    """word -> its group's colour, refusing too many groups, a group with none of ``words``
    and a word in two groups."""
    if not groups:
        return {}
    if len(groups) > len(GROUP_COLORS):
        raise ValueError(
            f"plot_embeddings: {len(groups)} groups are more than its {len(GROUP_COLORS)} "
            "colours tell apart; merge some, or draw them on two maps"
        )
    known = set(words)
    colour_of: dict[str, str] = {}
    for (name, members), colour in zip(groups.items(), GROUP_COLORS):
        members = list(members)
        if not known.intersection(members):
            raise ValueError(f"plot_embeddings: group {name!r} has none of the words")
        for word in members:
            if word in colour_of and colour_of[word] != colour:
                raise ValueError(f"plot_embeddings: {word!r} is in two groups")
            if word in known:
                colour_of[word] = colour
    return colour_of


def plot_embeddings(
    vectors: np.ndarray,
    words: Sequence[str],
    *,
    method: str = "pca",
    title: str | None = None,
    path: str | Path | None = None,
    highlight: Iterable[str] | None = None,
    groups: Mapping[str, Iterable[str]] | None = None,
) -> Figure:
    """Word vectors `vectors: (N, D)` with `words` (N strings), scattered after a 2-D projection.

    `method="pca"` (the only one): see `project_2d`. Words in `highlight` are drawn bold (in the
    accent colour unless a group colours them). `groups` maps a name (e.g. a theme) to its
    words: each group's points and labels get a colour of their own (`GROUP_COLORS`, at most
    that many groups) and the legend names it, in the given order; other words stay grey.
    Axes keep equal scale, so distances in the plane are not distorted.
    Every word is labelled, so at most `MAX_WORDS` words are accepted.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"vectors must be (N, D), got shape {x.shape}")
    if len(words) != x.shape[0]:
        raise ValueError(f"got {len(words)} words but {x.shape[0]} vectors")
    if len(words) > MAX_WORDS:
        raise ValueError(
            f"plot_embeddings: {len(words):,} words are more than one map can label (at most "
            f"{MAX_WORDS:,}); pass a subset, e.g. the few hundred most frequent words or the "
            "neighbours of the words you study"
        )
    if method != "pca":
        raise ValueError(f"method must be 'pca', got {method!r}")
    marked = set(highlight or ())
    unknown = marked.difference(words)
    if unknown:
        raise ValueError(f"highlight words not among words: {sorted(unknown)}")

    colour_of = _group_colours(groups, words)

    xy, ratio = _pca(x)
    strong = np.array([w in marked for w in words], dtype=bool)
    grouped = np.array([w in colour_of for w in words], dtype=bool)
    fig = PlotFigure(figsize=(5.6, 4.6), layout="constrained")
    ax = fig.add_subplot()
    plain = ~strong & ~grouped
    ax.scatter(xy[plain, 0], xy[plain, 1], s=14, color=INK, alpha=0.55, linewidths=0)
    if (strong & ~grouped).any():
        hot = strong & ~grouped
        ax.scatter(xy[hot, 0], xy[hot, 1], s=26, color=ACCENT, linewidths=0, zorder=3)
    for name, colour in zip(groups or (), GROUP_COLORS):
        members = np.array([colour_of.get(w) == colour for w in words], dtype=bool)
        sizes = np.where(strong[members], 26, 18)
        ax.scatter(
            xy[members, 0],
            xy[members, 1],
            s=sizes,
            color=colour,
            linewidths=0,
            zorder=3,
            label=plot_text(name),
        )
    font = font_kw(words, title, list(groups or ()))
    if groups:
        family = font.get("fontfamily")
        ax.legend(frameon=False, loc="best", prop={"size": "small", "family": family or None})
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel(f"PC1 ({100 * ratio[0]:.0f}% of variance)", color=INK)
    ax.set_ylabel(f"PC2 ({100 * ratio[1]:.0f}% of variance)", color=INK)
    ax.grid(True, alpha=0.2, linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(plot_text(title), color=INK, **font)
    # highlighted words first: they get the free places
    order = sorted(range(len(words)), key=lambda i: not strong[i])
    styles = [
        dict(
            fontsize=8.5 if strong[i] else 7.5,
            fontweight="bold" if strong[i] else "normal",
            color=colour_of.get(words[i], ACCENT if strong[i] else INK),
            **font,
        )
        for i in order
    ]
    label_points(ax, xy[order], [plot_text(words[i]) for i in order], styles)
    save(fig, path)
    return fig
