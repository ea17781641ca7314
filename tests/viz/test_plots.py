"""Static training plots: files written, figure contents equal to the data, clear errors."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

import viz.plot_base
import viz.plots
from viz.plots import (
    plot_attention,
    plot_curves,
    plot_embeddings,
    plot_feature_maps,
    plot_filters,
    project_2d,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    assert path.is_file()
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 2_000


def image_axes(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.images]


def test_plots_module_imports_only_numpy_matplotlib_and_stdlib():
    tree = ast.parse(Path(viz.plots.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert "nn" not in roots
    assert roots <= {
        "__future__",
        "math",
        "warnings",
        "collections",
        "functools",
        "pathlib",
        "importlib",
        "io",
    } | {
        "numpy",
        "matplotlib",
        "viz",  # the shared palette, viz.style
    }
    assert "matplotlib.pyplot" not in Path(viz.plots.__file__).read_text(encoding="utf-8")


def test_plot_curves_lines_equal_history(tmp_path):
    history = {
        "train loss": [2.0, 1.2, 0.8, 0.5],
        "test loss": [2.1, 1.4, 1.0, 0.9],
        "train acc": [0.3, 0.6, 0.8, 0.9],
        "test acc": [0.25, 0.5, 0.7, 0.75],
    }
    path = tmp_path / "nested" / "curves.png"
    fig = plot_curves(history, title="run 1", path=path)
    assert_png(path)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train loss", "test loss"]
    assert [line.get_label() for line in acc_ax.lines] == ["train acc", "test acc"]
    for line in [*loss_ax.lines, *acc_ax.lines]:
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_array_equal(line.get_ydata(), history[line.get_label()])
    assert loss_ax.get_legend() is not None
    assert acc_ax.get_legend() is not None


def test_plot_curves_without_accuracy_has_one_panel_and_gaps_for_nan():
    fig = plot_curves({"loss": [1.0, float("nan"), 0.5]})
    (ax,) = fig.axes
    y = ax.lines[0].get_ydata()
    assert np.isnan(y[1])
    np.testing.assert_array_equal(y[[0, 2]], [1.0, 0.5])


def test_plot_curves_writes_svg(tmp_path):
    path = tmp_path / "curves.svg"
    plot_curves({"loss": [1.0, 0.5]}, path=path)
    assert b"<svg" in path.read_bytes()[:1_000]


@pytest.mark.parametrize(
    ("history", "match"),
    [
        ({}, "history is empty"),
        ({"train loss": [1.0], "test loss": [float("nan"), float("inf")]}, "'test loss'"),
        ({"train acc": []}, "'train acc'"),
    ],
)
def test_plot_curves_rejects_empty_or_non_finite(history, match):
    with pytest.raises(ValueError, match=match):
        plot_curves(history)


def test_plot_curves_rejects_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        plot_curves({"loss": [1.0]}, path=tmp_path / "curves.jpg")


def test_plot_filters_one_axes_per_filter_symmetric_scale(tmp_path, rng):
    w = rng.standard_normal((10, 4, 3, 3))
    path = tmp_path / "filters.png"
    fig = plot_filters(w, path=path)
    assert_png(path)
    assert len(fig.axes) == 10
    assert len(image_axes(fig)) == 10
    for ax, filt in zip(fig.axes, w):
        (im,) = ax.images
        np.testing.assert_array_equal(im.get_array(), filt[0])
        vmin, vmax = im.get_clim()
        assert vmin == -vmax == -np.abs(w[:, 0]).max()
        assert im.get_cmap().name == "RdBu_r"
        assert ax.get_xticks().size == ax.get_yticks().size == 0
    assert "channel 0 of 4" in fig.get_suptitle()


def test_plot_filters_mean_over_channels_says_so(rng):
    w = rng.standard_normal((3, 2, 5, 5))
    fig = plot_filters(w, reduce="mean")
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), w[1].mean(axis=0))
    assert "mean over channels" in fig.get_suptitle()


def test_plot_filters_rgb_normalised_and_capped(rng):
    w = rng.standard_normal((70, 3, 5, 5))
    fig = plot_filters(w, max_filters=64)
    assert len(fig.axes) == 64
    img = np.asarray(fig.axes[5].images[0].get_array())
    assert img.shape == (5, 5, 3)
    assert img.min() == 0.0
    assert img.max() == 1.0
    assert "64 of 70 filters" in fig.get_suptitle()


@pytest.mark.parametrize("shape", [(3, 3), (2, 1, 3), (1, 2, 1, 3, 3)])
def test_plot_filters_rejects_bad_ndim(shape):
    with pytest.raises(ValueError, match=rf"got shape \({shape[0]}, "):
        plot_filters(np.zeros(shape))


def test_plot_feature_maps_input_first_then_channels(tmp_path, rng):
    maps = rng.standard_normal((1, 5, 6, 6))
    image = rng.random((8, 8))
    path = tmp_path / "maps.png"
    fig = plot_feature_maps(maps, image=image, path=path)
    assert_png(path)
    panels = image_axes(fig)
    assert len(panels) == 6
    assert panels[0].get_title() == "input"
    np.testing.assert_array_equal(panels[0].images[0].get_array(), image)
    for i, ax in enumerate(panels[1:]):
        assert ax.get_title() == f"ch {i}"
        assert ax.images[0].get_cmap().name == "viridis"
        np.testing.assert_array_equal(ax.images[0].get_array(), maps[0, i])


def test_plot_feature_maps_caps_channels(rng):
    fig = plot_feature_maps(rng.standard_normal((40, 4, 4)), max_maps=32)
    assert len(image_axes(fig)) == 32


def colorbars(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def test_plot_feature_maps_each_channel_has_a_colour_bar_of_its_scale(rng):
    maps = rng.standard_normal((3, 5, 5)) * np.array([1.0, 10.0, 0.1])[:, None, None]
    fig = plot_feature_maps(maps, image=rng.random((6, 6)))
    bars = colorbars(fig)
    assert len(bars) == 3  # one per channel, none for the grey input
    for bar, channel in zip(bars, maps):
        np.testing.assert_allclose(bar.get_yticks(), [channel.min(), channel.max()])
    # a constant channel still gets its bar, with its one value
    (bar,) = colorbars(plot_feature_maps(np.ones((1, 3, 3))))
    np.testing.assert_allclose(bar.get_yticks(), [1.0])


def test_plot_curves_draws_every_batch_behind_the_epoch_points():
    class History(dict):  # what nn.training.fit returns: per-epoch keys, batch_losses
        batch_losses = (2.0, 1.6, 1.3, 1.1, 0.9, 0.8)

    history = History({"train loss": [1.5, 0.9], "test loss": [1.4, 1.0], "test acc": [0.5, 0.7]})
    loss_ax, acc_ax = plot_curves(history).axes
    batches, train, _ = loss_ax.lines
    assert batches.get_label() == "train loss (per batch)"
    np.testing.assert_allclose(batches.get_xdata(), [1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2])
    np.testing.assert_array_equal(batches.get_ydata(), History.batch_losses)
    assert batches.get_linewidth() < train.get_linewidth()
    assert batches.get_alpha() < 1
    assert batches.get_zorder() < train.get_zorder()
    np.testing.assert_array_equal(train.get_xdata(), [1, 2])
    assert [line.get_label() for line in acc_ax.lines] == ["test acc"]
    # explicit batch_losses win over the attribute; a plain dict draws none
    batches = plot_curves(history, batch_losses=[3.0, 2.0]).axes[0].lines[0]
    np.testing.assert_array_equal(batches.get_xdata(), [1, 2])
    np.testing.assert_array_equal(batches.get_ydata(), [3.0, 2.0])
    assert len(plot_curves({"train loss": [1.0, 0.5]}).axes[0].lines) == 1


def test_plot_curves_of_one_epoch_is_more_than_a_dot():
    class History(dict):
        batch_losses = (2.3, 1.9, 1.4, 1.2)

    (ax,) = plot_curves(History({"train loss": [1.7]})).axes
    points = sum(len(line.get_xdata()) for line in ax.lines)
    assert points == 5
    assert ax.get_xlim()[0] == 0
    assert ax.get_xlim()[1] >= 1


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 4, 4)])
def test_plot_feature_maps_rejects_bad_shape(shape):
    with pytest.raises(ValueError, match=r"\(C, H, W\).*got shape"):
        plot_feature_maps(np.zeros(shape))


def test_plot_attention_image_is_weights_with_labels(tmp_path, rng):
    w = rng.random((3, 4))
    w /= w.sum(axis=1, keepdims=True)
    source, target = ["le", "chat", "noir", "<eos>"], ["the", "black", "cat"]
    path = tmp_path / "attention.png"
    fig = plot_attention(w, source=source, target=target, title="fr→en", path=path)
    assert_png(path)
    ax = fig.axes[0]
    (im,) = ax.images
    np.testing.assert_array_equal(im.get_array(), w)
    assert im.get_clim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == source
    assert [t.get_text() for t in ax.get_yticklabels()] == target
    assert len(fig.axes) == 2  # heatmap and colourbar
    assert len(ax.texts) == w.size
    assert ax.texts[1].get_text() == f"{w[0, 1]:.2f}"


def test_plot_attention_large_matrix_has_no_annotations(rng):
    fig = plot_attention(rng.random((13, 20)))
    assert len(fig.axes[0].texts) == 0


def test_plot_attention_chinese_tokens_do_not_warn(tmp_path, rng):
    if viz.plot_base.text_family() is None:  # without it: tests/viz/test_cjk_font.py
        pytest.skip(f"no CJK font installed ({viz.plot_base.CJK_INSTALL})")
    poem = list("床前明月光")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_attention(rng.random((5, 5)), source=poem, target=poem, path=tmp_path / "poem.png")
    assert_png(tmp_path / "poem.png")


def test_plot_attention_uses_cjk_fallback_family_when_installed(monkeypatch):
    family = ("DejaVu Sans", "DejaVu Serif")  # stand-in: no CJK font is needed to check wiring
    monkeypatch.setattr(viz.plot_base, "text_family", lambda: family)
    fig = plot_attention(np.eye(2), source=["床", "前"], target=["a", "b"])
    labels = fig.axes[0].get_xticklabels() + fig.axes[0].get_yticklabels()
    assert all(t.get_fontfamily() == list(family) for t in labels)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"source": ["a", "b"]}, "source has 2 tokens .* T_in = 3"),
        ({"target": ["a", "b", "c"]}, "target has 3 tokens .* T_out = 2"),
    ],
)
def test_plot_attention_rejects_length_mismatch(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_attention(np.full((2, 3), 1 / 3), **kwargs)


def test_project_2d_is_isometric_on_a_plane_in_5d(rng):
    coeffs = rng.standard_normal((12, 2)) * [3.0, 1.0]
    basis, _ = np.linalg.qr(rng.standard_normal((5, 2)))  # orthonormal columns
    points = coeffs @ basis.T + rng.standard_normal(5)
    xy = project_2d(points)
    assert xy.shape == (12, 2)

    def pairwise(a):
        return np.linalg.norm(a[:, None] - a[None], axis=-1)

    np.testing.assert_allclose(pairwise(xy), pairwise(points), atol=1e-10)
    np.testing.assert_allclose(xy.mean(axis=0), 0.0, atol=1e-10)


@pytest.mark.parametrize("shape", [(1, 4), (3, 1)])
def test_project_2d_degenerate_shapes(shape, rng):
    xy = project_2d(rng.standard_normal(shape))
    assert xy.shape == (shape[0], 2)
    assert np.isfinite(xy).all()


def test_plot_embeddings_points_are_projection(tmp_path, rng):
    vectors = rng.standard_normal((6, 8))
    words = ["king", "queen", "man", "woman", "cat", "dog"]
    path = tmp_path / "emb.png"
    fig = plot_embeddings(vectors, words, highlight=["queen", "dog"], path=path)
    assert_png(path)
    ax = fig.axes[0]
    plain, strong = ax.collections
    xy = project_2d(vectors)
    np.testing.assert_allclose(plain.get_offsets(), xy[[0, 2, 3, 4]])
    np.testing.assert_allclose(strong.get_offsets(), xy[[1, 5]])
    labels = {t.get_text(): t for t in ax.texts}
    assert sorted(labels) == sorted(words)
    assert [t.get_text() for t in ax.texts[:2]] == ["queen", "dog"]  # placed first
    assert labels["queen"].get_fontweight() == "bold"
    assert labels["king"].get_fontweight() == "normal"
    for text, point in ((t, xy[words.index(t.get_text())]) for t in ax.texts):
        np.testing.assert_allclose(text.xy, point)  # each label points at its own word


def test_plot_embeddings_labels_do_not_overlap(tmp_path):
    """Six words in a cluster, where labels right of their points would cover each other,
    and two far ones: every label finds a free place."""
    cluster = [[0.0, 0.0], [0.05, 0.03], [0.1, -0.02], [0.02, -0.06], [0.12, 0.05], [-0.06, 0.04]]
    vectors = np.concatenate([cluster, [[3.0, 3.0], [-3.0, 2.0]]])
    vectors = np.concatenate([vectors, np.zeros((8, 2))], axis=1)
    words = [f"word{i}" for i in range(8)]
    path = tmp_path / "emb.png"
    fig = plot_embeddings(vectors, words, path=path)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    overlapping = [
        (ax.texts[i].get_text(), ax.texts[j].get_text())
        for i in range(len(boxes))
        for j in range(i)
        if boxes[i].overlaps(boxes[j])
    ]
    assert not overlapping
    naive = [(4, 3)] * len(boxes)  # what every label used to be: right of and above its point
    assert [tuple(t.xyann) for t in ax.texts] != naive


def test_plot_embeddings_colours_each_group_and_names_it(rng):
    vectors = rng.standard_normal((7, 8))
    words = ["king", "queen", "man", "woman", "cat", "dog", "the"]
    groups = {"royals": ["king", "queen", "prince"], "people": ["man", "woman"], "pets": ["cat"]}
    fig = plot_embeddings(vectors, words, groups=groups)  # "prince" is not among the words
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == list(groups)
    colours = {c.get_label(): tuple(c.get_facecolor()[0]) for c in ax.collections[1:]}
    assert len(set(colours.values())) == 3
    xy = project_2d(vectors)
    for c in ax.collections[1:]:
        members = [i for i, w in enumerate(words) if w in groups[c.get_label()]]
        np.testing.assert_allclose(c.get_offsets(), xy[members])
    by_word = {t.get_text(): t.get_color() for t in ax.texts}
    assert by_word["king"] == by_word["queen"] != by_word["man"]
    assert by_word["the"] == viz.plot_base.INK


@pytest.mark.parametrize(
    ("groups", "match"),
    [
        ({"a": ["z"]}, "group 'a' has none of the words"),
        ({"a": ["a"], "b": ["a"]}, "'a' is in two groups"),
        ({str(i): ["a"] for i in range(10)}, "10 groups are more than its 9 colours"),
    ],
)
def test_plot_embeddings_rejects_bad_groups(groups, match):
    with pytest.raises(ValueError, match=match):
        plot_embeddings(np.eye(3), ["a", "b", "c"], groups=groups)


@pytest.mark.parametrize(
    ("words", "kwargs", "match"),
    [
        (["a", "b"], {}, "got 2 words but 3 vectors"),
        (["a", "b", "c"], {"method": "tsne"}, "method must be 'pca'"),
        (["a", "b", "c"], {"highlight": ["z"]}, r"highlight words not among words: \['z'\]"),
    ],
)
def test_plot_embeddings_rejects_bad_input(words, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_embeddings(np.zeros((3, 4)), words, **kwargs)


def test_plot_reconstructions_shows_pairs_and_their_error(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.random((4, 1, 8, 8))
    b = np.clip(a + 0.1, 0, 1)
    fig = viz.plot_reconstructions(a, b, title="t", path=tmp_path / "r.png")
    assert len(fig.axes) == 8
    np.testing.assert_array_equal(fig.axes[4].images[0].get_array(), b[0, 0])
    assert f"{np.mean((a - b) ** 2):.4f}" in " ".join(t.get_text() for t in fig.texts)
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="one shape"):
        viz.plot_reconstructions(a, b[:2])
