"""MkDocs hook: the course's notebooks (notebooks/*.ipynb, stored without outputs) as pages,
executed at build time.

Each notebook runs top to bottom in a fresh kernel (nbclient, as tests/test_notebooks.py runs
it, in a temporary working folder, one after the other) and becomes the page
``notebooks/NAME.md``: its Markdown cells as they are (math by docs/hooks/mathml.py), its code
in Python blocks, and below each code cell what it printed and displayed. Images
(matplotlib's PNGs, viz's SVGs) are files beside the page (``notebooks/NAME/cell-N-K.png``);
HTML outputs (the step-through player) are kept as they are; a cell that raises fails the
build, naming the notebook.

An executed notebook is kept in ``TRACEGRAD_DOCS_CACHE`` (default ``build/docs-notebooks``),
keyed by the notebook, every file of the packages (autograd, nn, viz, tracegrad) and the versions
of Python, numpy, numba and matplotlib, so a rebuild with nothing changed (``mkdocs serve``, a
second ``make docs``) does not run it again. Each notebook page is added to the nav's
"Notebooks" section, in file order.
"""

from __future__ import annotations

import base64
import hashlib
import html
import logging
import os
import re
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
PACKAGES = ("autograd", "nn", "viz", "tracegrad")  # what the notebooks import (the exercises)
SECTION = "Notebooks"
SOLUTIONS = "solutions"  # notebooks/solutions/: pages under "Worked solutions", after its index
TIMEOUT = 300  # seconds per cell, as tests/test_notebooks.py
# richest first, as Jupyter shows them
MIME_ORDER = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/plain")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PLACEHOLDER = re.compile(r'<div class="nb-output" data-output="(\d+)"></div>')

log = logging.getLogger(f"mkdocs.hooks.{__name__}")

# filled by on_files: page src_uri -> the HTML of each output placeholder on it
_outputs: dict[str, list[str]] = {}


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def solutions() -> list[Path]:
    """The worked solutions of the notebooks' exercises (notebooks/solutions/)."""
    return sorted((NOTEBOOKS / SOLUTIONS).glob("*.ipynb"))


def cache_dir() -> Path:
    return Path(os.environ.get("TRACEGRAD_DOCS_CACHE") or ROOT / "build" / "docs-notebooks")


def _library_digest() -> bytes:
    """What a notebook's outputs depend on besides its own text."""
    h = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    h.update(sys.version.encode())
    for dist in ("numpy", "numba", "matplotlib"):
        h.update(f"{dist}=={metadata.version(dist)}".encode())
    return h.digest()


def _cache_path(path: Path, library: bytes) -> Path:
    key = hashlib.sha256(library + path.read_bytes()).hexdigest()[:16]
    # a solution shares its notebook's name: it is kept under its folder's name too
    name = path.stem if path.parent == NOTEBOOKS else f"{path.parent.name}-{path.stem}"
    return cache_dir() / f"{name}-{key}.ipynb"


def _execute(path: Path):
    """``path`` run top to bottom in a fresh kernel, in a temporary working folder."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        client = nbclient.NotebookClient(
            nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": tmp}}
        )
        # the kernel's own log (a warning about its transport at start) stays out of the
        # build's; it is shown if the notebook fails
        kernel_log = Path(tmp) / "kernel.log"
        try:
            with kernel_log.open("w") as stderr:
                client.execute(stderr=stderr)
        except Exception as e:
            log_text = kernel_log.read_text(errors="replace")[-2000:]
            raise PluginError(
                f"notebook {path.name} failed:\n{e}\nkernel log:\n{log_text}"
            ) from None
    return nb


def _read_cached(path: Path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError):  # absent, or half written by a build that was killed
        return None


def _write_cached(nb, path: Path) -> None:
    """Written whole or not at all: another build may read the cache at the same time."""
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f"{path.stem.rsplit('-', 1)[0]}-*.ipynb"):
        old.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, path)


def executed(paths: list[Path]) -> dict[str, object]:
    """Each notebook executed, one after the other (from the cache when nothing it depends on
    changed). One at a time: two kernels training at once on two cores are several times
    slower than one after the other (their BLAS and Numba threads fight for the cores)."""
    library = _library_digest()
    result, ran, start = {}, 0, time.perf_counter()
    for path in paths:
        cached = _cache_path(path, library)
        nb = _read_cached(cached)
        if nb is None:
            nb = _execute(path)
            _write_cached(nb, cached)
            ran += 1
        result[path.stem] = nb
    log.info(
        f"notebooks: executed {ran} in {time.perf_counter() - start:.0f} s, "
        f"{len(paths) - ran} from the cache ({cache_dir()})"
    )
    return result


def _stream_text(text: str) -> str:
    """A stream as a terminal would leave it: colours dropped, ``\\r`` overwriting its line."""
    text = ANSI.sub("", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def _fence(source: str) -> str:
    fence = "~~~~" if "```" in source else "```"
    return f"{fence}python\n{source.rstrip()}\n{fence}"


def to_page(nb, stem: str, source: str | None = None) -> tuple[str, list[str], dict[str, bytes]]:
    """The Markdown of a notebook's page, the HTML of its output placeholders, and the files
    its images become (names relative to the page's folder). ``source`` is the notebook's
    path in the repository (default ``notebooks/STEM.ipynb``)."""
    parts = [
        f"<!-- generated by docs/hooks/notebooks.py from {source or f'notebooks/{stem}.ipynb'}, "
        "executed at build time -->"
    ]
    outputs: list[str] = []
    images: dict[str, bytes] = {}

    def placeholder(markup: str) -> str:
        outputs.append(markup)
        return f'<div class="nb-output" data-output="{len(outputs) - 1}"></div>'

    for n, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        if cell.cell_type != "code":
            continue
        parts.append(_fence(cell.source))
        for k, out in enumerate(cell.get("outputs", [])):
            kind = out.get("output_type")
            if kind == "stream":
                css = "nb-stderr" if out.get("name") == "stderr" else "nb-stdout"
                text = html.escape(_stream_text(out.get("text", "")).rstrip("\n"))
                parts.append(placeholder(f'<pre class="{css}">{text}</pre>'))
            elif kind == "error":
                raise PluginError(f"notebook {stem}: cell {n} has an error output")
            elif kind in ("execute_result", "display_data"):
                data = out.get("data", {})
                mime = next((m for m in MIME_ORDER if m in data), None)
                if mime is None:
                    raise PluginError(f"notebook {stem}: cell {n} shows only {sorted(data)}")
                value = data[mime]
                if mime == "text/html":
                    parts.append(placeholder(f'<div class="nb-html">{value}</div>'))
                elif mime == "text/plain":
                    parts.append(placeholder(f'<pre class="nb-result">{html.escape(value)}</pre>'))
                else:
                    ext = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}[mime]
                    name = f"cell-{n}-{k}.{ext}"
                    raw = value.encode("utf-8") if ext == "svg" else base64.b64decode(value)
                    images[name] = raw
                    src = f"{stem}/{name}"  # a link to itself: wide graphs open full size
                    parts.append(f"[![output of cell {n}]({src}){{ .nb-image }}]({src})")
    return "\n\n".join(parts) + "\n", outputs, images


def title(path: Path) -> str:
    """A notebook's title: the text of its first heading, math as written."""
    import nbformat

    for cell in nbformat.read(path, as_version=4).cells:
        for line in cell.source.splitlines() if cell.cell_type == "markdown" else []:
            if line.startswith("#"):
                return line.lstrip("#").strip().replace("$", "")
    return path.stem


def on_config(config):
    """Every notebook gets a page in the nav's "Notebooks" section, after its index."""
    for item in config.nav or []:
        if isinstance(item, dict) and SECTION in item:
            entries = item[SECTION]
            for path in notebooks():
                entries.append({title(path): f"notebooks/{path.stem}.md"})
            worked: list[object] = [f"notebooks/{SOLUTIONS}/index.md"]
            for path in solutions():
                worked.append({title(path): f"notebooks/{SOLUTIONS}/{path.stem}.md"})
            entries.append({"Worked solutions": worked})
            return config
    raise PluginError(f"notebooks: mkdocs.yml's nav has no {SECTION!r} section")


def on_files(files, config):
    _outputs.clear()
    paths = notebooks()
    if not paths:
        raise PluginError(f"notebooks: none in {NOTEBOOKS}")
    pages = [(f"notebooks/{stem}", nb) for stem, nb in executed(paths).items()]
    for path in solutions():  # one at a time: a solution has its notebook's name
        pages.append((f"notebooks/{SOLUTIONS}/{path.stem}", executed([path])[path.stem]))
    for where, nb in pages:
        stem = where.rsplit("/", 1)[-1]
        markdown, outputs, images = to_page(nb, stem, source=f"{where}.ipynb")
        uri = f"{where}.md"
        files.append(File.generated(config, uri, content=markdown))
        _outputs[uri] = outputs
        for name, raw in images.items():
            files.append(File.generated(config, f"{where}/{name}", content=raw))
    return files


def on_page_content(html_text, page, config, files):
    outputs = _outputs.get(page.file.src_uri)
    if not outputs:
        return html_text
    return PLACEHOLDER.sub(
        lambda m: f'<div class="nb-output">{outputs[int(m.group(1))]}</div>', html_text
    )
