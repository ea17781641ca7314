"""MkDocs hook: the math of the pages as MathML, written at build time.

``pymdownx.arithmatex`` (generic mode) leaves ``$…$`` as ``<span class="arithmatex">\\(…\\)
</span>`` and ``$$…$$`` as ``<div class="arithmatex">\\[…\\]</div>``; this hook converts each
with latex2mathml into MathML, which browsers draw themselves: no MathJax, no script, no
request. A formula latex2mathml cannot read fails the build, naming the page.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

INLINE = re.compile(r'<span class="arithmatex">\\\((.+?)\\\)</span>', re.S)
BLOCK = re.compile(r'<div class="arithmatex">\\\[(.+?)\\\]</div>', re.S)
TOC_MATH = re.compile(r"\\\((.+?)\\\)")


def _mathml(latex: str, display: str, where: str) -> str:
    try:
        return convert(html.unescape(latex), display=display)
    except Exception as e:  # latex2mathml raises its own errors and a few built-in ones
        raise PluginError(f"{where}: cannot convert the formula {latex!r} to MathML: {e}") from e


def _plain(title: str) -> str:
    """A heading's math as text for the table of contents: ``\\(x_j\\)`` -> ``x_j``."""
    return TOC_MATH.sub(lambda m: re.sub(r"\\[,;: ]", " ", m.group(1)), title)


def _retitle(items) -> None:
    for item in items:
        item.title = _plain(item.title)
        _retitle(item.children)


def on_page_content(html_text, page, config, files):
    where = page.file.src_uri
    html_text = BLOCK.sub(lambda m: _mathml(m.group(1), "block", where), html_text)
    html_text = INLINE.sub(lambda m: _mathml(m.group(1), "inline", where), html_text)
    _retitle(page.toc)
    return html_text
