"""The documentation site builds offline in strict mode (`make docs`), and what it must show is
there: the API from the docstrings, the executed notebooks, the pictures drawn at build time,
the README's sections, and no request to a font server or a CDN.

The build runs once for the module. Its notebooks come from the build's cache
(build/docs-notebooks, keyed by each notebook and the library's files) when one was executed
with the same code before; otherwise the build executes them. tests/test_notebooks.py runs
them through the same cache, so the suite executes each notebook once.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("material")
pytest.importorskip("mkdocstrings_handlers.python")

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

# a tag attribute that makes the browser fetch something (not <a href>, a link to follow)
FETCHING = re.compile(
    r"<(?:script|link|img|iframe|source|embed|object|video|audio)\b[^>]*?"
    r"\b(?:src|href|data|srcset)=[\"']?(?:https?:)?//",
    re.I,
)
CSS_FETCH = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"']?)(?:https?:)?//", re.I)
FONT_OR_CDN = ("fonts.googleapis.com", "fonts.gstatic.com", "cdn.jsdelivr.net", "cdnjs.")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert build.returncode == 0, build.stderr[-6000:]
    assert "WARNING" not in build.stderr, build.stderr[-6000:]
    return out


def _text(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def _visible(html_text: str) -> str:
    """The text of a page (code highlighting splits it into spans), whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", html_text)))


def _section(heading: str) -> str:
    return README.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_getting_started_has_the_two_commands(site):
    page = _visible(_text(site, "index.html"))
    assert "make demo" in page
    assert "make test" in page
    assert "make docs" in page


def test_the_api_reference_comes_from_the_docstrings(site):
    page = _text(site, "api/autograd.html")
    assert 'id="autograd.Tensor.backward"' in page
    assert 'id="autograd.Tensor.view"' in page  # a PyTorch-named method from a base class
    assert 'id="autograd.grad"' in page
    assert 'id="autograd.functional.conv2d"' in _text(site, "api/functional.html")
    assert 'id="nn.Linear"' in _text(site, "api/nn.html")
    assert 'id="nn.optim.Adam"' in _text(site, "api/optim.html")
    assert 'id="viz.draw_graph"' in _text(site, "api/viz.html")


def test_every_notebook_is_a_page_with_its_outputs(site):
    assert len(NOTEBOOKS) >= 7
    for path in NOTEBOOKS:
        page = _text(site, f"notebooks/{path.stem}.html")
        assert 'class="nb-output"' in page, path.name
    first = _text(site, "notebooks/01_backprop_by_hand.html")
    assert "z = 1.00   a = sigma(z) = 0.7311" in first  # what its first code cell prints
    assert "<math" in first  # its formulas, as MathML
    assert re.search(r'<img [^>]*src="01_backprop_by_hand/cell-\d+-\d+\.svg"', first)
    assert "nb-html" in first  # the step-through player, inline
    pngs = list((site / "notebooks" / "05_rnn_and_lstm").glob("*.png"))
    assert pngs, "no matplotlib figure on the RNN page"


def test_every_worked_solution_is_a_page_with_its_verdicts(site):
    index = _text(site, "notebooks/solutions/index.html")
    for path in NOTEBOOKS:
        page = _visible(_text(site, f"notebooks/solutions/{path.stem}.html"))
        assert f"✓ Exercise {int(path.name[:2])}.1: right." in page, path.name
        assert "✗" not in page, path.name
        assert f'href="{path.stem}.html"' in index  # the section's nav lists it
    # the README's link to the folder (included in the notebooks' index) reaches the index
    assert 'href="solutions/index.html"' in _text(site, "notebooks/index.html")


def test_the_pictures_are_drawn_by_the_build(site):
    svg = _text(site, "pictures/sigmoid_neuron.svg")
    assert "x0: [2.00] × [0.197] = 0.39" in svg.replace("&#45;", "-")
    player = _text(site, "pictures/sigmoid_neuron_steps.html")
    assert "<svg" in player
    viz_page = _text(site, "viz.html")
    assert 'src="pictures/sigmoid_neuron_steps.html"' in viz_page
    assert 'src="pictures/add_mul.svg"' in viz_page
    assert 'src="pictures/lenet5_step.svg"' in _text(site, "nn.html")
    command = _visible(_text(site, "command.html"))
    assert "tracegrad train --help" in command
    assert "x0: [2.00] × [0.197] = 0.39" in command  # what the demo prints


def test_readme_sections_are_included_not_copied(site):
    for page, heading in [
        ("guarantees.html", "What tracegrad guarantees"),
        ("pytorch.html", "From PyTorch to tracegrad"),
        ("speed.html", "Speed"),
    ]:
        # a sentence of the section as the README has it today
        words = re.sub(r"\s+", " ", _section(heading).strip().split("\n\n")[0])
        first_words = " ".join(re.sub(r"[`*]", "", words).split()[:6])
        assert first_words in _visible(_text(site, page)), (page, first_words)
    assert "<table>" in _text(site, "speed.html")
    # the README's links point at the site's pages
    assert 'href="pytorch.html"' in _text(site, "nn.html")
    assert 'href="01_backprop_by_hand.html"' in _text(site, "notebooks/index.html")


def test_a_built_page_makes_no_request_to_a_font_server_or_a_cdn(site):
    for path in site.rglob("*"):
        if path.suffix not in (".html", ".css"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        name = path.relative_to(site)
        assert not FETCHING.search(text), (name, FETCHING.search(text).group(0))
        assert not CSS_FETCH.search(text), (name, CSS_FETCH.search(text).group(0))
        for host in FONT_OR_CDN:
            assert host not in text, (name, host)
