"""The CJK font is the extra ``tracegrad[cjk]``: with it, poem plots draw their glyphs; without
it they still render, and one warning says what is missing and how to install it. Graphviz's
own complaint about non-ASCII widths never reaches the user either."""

from __future__ import annotations

import importlib.util
import subprocess
import warnings
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from matplotlib import font_manager

import viz
import viz.plot_base
from autograd import Tensor
from tests.viz.test_plots import assert_png
from viz.plot_base import CJK_INSTALL, MissingFontWarning, has_cjk
from viz.plots import plot_attention, plot_curves, plot_embeddings

POEM = list("床前明月光，疑是地上霜。")


@pytest.fixture
def no_cjk_font(monkeypatch):
    """No CJK font can be found, and the once-per-process warning has not been given yet."""
    monkeypatch.setattr(viz.plot_base, "text_family", lambda: None)
    monkeypatch.setattr(viz.plot_base, "_missing_cjk_warned", False)


def test_missing_cjk_font_warns_once_and_the_plots_still_render(tmp_path, rng, no_cjk_font):
    n = len(POEM)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_attention(rng.random((n, n)), source=POEM, target=POEM, path=tmp_path / "a.png")
        fig = plot_embeddings(rng.standard_normal((n, 4)), POEM, path=tmp_path / "e.png")
        fig.savefig(BytesIO(), format="png")  # the user's own save: no glyph warnings either
        png = fig._repr_png_()  # Jupyter's
    assert_png(tmp_path / "a.png")
    assert_png(tmp_path / "e.png")
    assert png.startswith(b"\x89PNG")
    assert [w.category for w in caught] == [MissingFontWarning], [str(w.message) for w in caught]
    message = str(caught[0].message)
    assert "no CJK font is installed" in message
    assert "pip install 'tracegrad[cjk]'" in message
    assert Path(caught[0].filename) == Path(__file__)  # it points at the user's call


def test_latin_text_without_a_cjk_font_gives_no_warning(tmp_path, rng, no_cjk_font):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_attention(rng.random((3, 3)), source=list("abc"), target=["x", "y", "z"])
        plot_curves({"loss": [3.0, 2.0]}, title="σ × Σ ∂ loss", path=tmp_path / "c.png")
    assert not viz.plot_base._missing_cjk_warned  # a later poem plot still gets its warning


@pytest.mark.parametrize(
    ("where", "kwargs"),
    [
        ("source", {"source": POEM[:3]}),
        ("target", {"target": POEM[:3]}),
        ("title", {"title": "静夜思"}),
    ],
)
def test_any_cjk_label_of_an_attention_plot_warns(rng, no_cjk_font, where, kwargs):
    with pytest.warns(MissingFontWarning, match=r"tracegrad\[cjk\]"):
        plot_attention(rng.random((3, 3)), **kwargs)


def test_cjk_title_of_a_training_plot_warns(no_cjk_font):
    with pytest.warns(MissingFontWarning):
        plot_curves({"loss": [3.0, 2.0]}, title="損失")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("床前明月光", True),
        (["moon", "月"], True),
        ("，", True),  # fullwidth comma: not in DejaVu Sans
        ("ひらがな", True),
        ("한국어", True),
        ("\U00020000", True),  # CJK extension B
        ("moon × Σ ∂ σ é ß Ж", False),  # DejaVu Sans draws all of these
        ([], False),
        (None, False),
    ],
)
def test_has_cjk(text, expected):
    assert has_cjk(text) is expected


@pytest.fixture
def fresh_font_lookup():
    viz.plot_base.text_family.cache_clear()
    yield
    viz.plot_base.text_family.cache_clear()


def test_text_family_is_none_without_the_package_or_a_system_cjk_font(
    monkeypatch, fresh_font_lookup
):
    """The real lookup, not a stand-in: no font package to register, no CJK font known."""
    monkeypatch.setattr(viz.plot_base, "_CJK_PACKAGE", "no_such_cjk_font_package")
    cjk = set(viz.plot_base._CJK_FAMILIES)
    others = [f for f in font_manager.fontManager.ttflist if f.name not in cjk]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", others)
    assert viz.plot_base.text_family() is None


def test_the_cjk_extra_font_is_found_when_installed(fresh_font_lookup):
    if importlib.util.find_spec(viz.plot_base._CJK_PACKAGE) is None:
        pytest.skip(f"the CJK font is not installed ({CJK_INSTALL})")
    assert viz.plot_base.text_family() == ("DejaVu Sans", "Noto Sans CJK TC")


def test_graphviz_non_ascii_width_warnings_stay_out_of_the_users_way(capfd):
    """graphviz-pure complains on stderr about each non-ASCII glyph's width; draw_graph
    and render keep that to themselves."""
    dot = 'digraph { a [label="床前 × Σ ∂"]; }'
    raw = subprocess.run(
        [viz.render.find_renderer(), "-Tsvg"], input=dot.encode(), capture_output=True
    )
    assert b"non-ASCII" in raw.stderr  # the noise exists, so this test can fail
    capfd.readouterr()
    x = Tensor(2.0, requires_grad=True, name="床")
    y = (x * Tensor(3.0, name="月")).sigmoid()
    y.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        svg = viz.draw_graph(y).svg()
        png = viz.render.render(dot, "png")
    assert "床" in svg
    assert png.startswith(b"\x89PNG")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert np.isfinite(x.grad)
