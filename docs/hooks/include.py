"""MkDocs hook: pages include sections of the repository's Markdown files, so the site and the
README cannot drift apart.

A line ``<!-- include: README.md § What tracegrad guarantees -->`` on a page is replaced by the
body of that section of README.md (the lines under its heading, up to the next heading of the
same or a higher level; under the title, ``# tracegrad``, up to the first heading: the
introduction); ``<!-- include: ARCHITECTURE.md -->`` by the whole file. A heading
that no longer exists fails the build, naming the page and the heading.

Links in the included text are relative to the file it comes from (README.md's are relative to
the repository) and are rewritten to what stands for them on the site: a notebook to its page,
``docs/NAME.svg`` (the README's pictures, which the demo draws) to ``pictures/NAME.svg`` (drawn
by docs/hooks/pictures.py), an included file or a README section (``#anchor``) to the page
that includes it. Any other repository link fails the build: add it to the map below.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
DIRECTIVE = re.compile(r"^<!-- include: (?P<path>[^ §]+)(?: § (?P<heading>.+?))? -->$", re.M)
HEADING = re.compile(r"^(#{1,6}) (.+?)\s*$")
# a Markdown link or image: [text](target) — not inside code, which the fences below skip
LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")

PICTURES = "docs/"  # the README's pictures, drawn again at build time under pictures/

# filled by on_files: "README.md#slug" or "ARCHITECTURE.md" -> the page (src_uri) including it
_WHERE: dict[str, str] = {}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _lines_outside_code(text: str) -> list[tuple[str, bool]]:
    """Each line with whether it is inside a fenced code block."""
    out, fenced = [], False
    for line in text.split("\n"):
        if FENCE.match(line.lstrip()):
            out.append((line, True))
            fenced = not fenced
        else:
            out.append((line, fenced))
    return out


def section(path: str, heading: str | None) -> str:
    """The whole file, or the body of the section under ``heading`` (any level; a title's
    body ends at its first subheading)."""
    file = ROOT / path
    if not file.is_file():
        raise PluginError(f"include: no file {path}")
    text = file.read_text(encoding="utf-8")
    if heading is None:
        return text
    lines = _lines_outside_code(text)
    start = level = None
    for i, (line, fenced) in enumerate(lines):
        match = None if fenced else HEADING.match(line)
        if match is None:
            continue
        if start is None and match.group(2) == heading:
            start, level = i + 1, len(match.group(1))
        elif start is not None and (len(match.group(1)) <= level or level == 1):
            return "\n".join(line for line, _ in lines[start:i]).strip("\n") + "\n"
    if start is None:
        raise PluginError(f"include: {path} has no heading {heading!r}")
    return "\n".join(line for line, _ in lines[start:]).strip("\n") + "\n"


def _site_target(source: str, target: str) -> str:
    """The docs path (relative to docs/) that stands for ``target``, a link in ``source``."""
    path, _, anchor = target.partition("#")
    repo_path = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if path else ""
    if not path:
        key = f"{source}#{anchor}"
        if key in _WHERE:
            return _WHERE[key]
    elif repo_path == "notebooks/solutions":  # the folder: its index page
        return "notebooks/solutions/index.md"
    elif repo_path.startswith("notebooks/") and repo_path.endswith(".ipynb"):
        return repo_path[: -len(".ipynb")] + ".md"
    elif repo_path.startswith(PICTURES) and repo_path.endswith(".svg"):
        return "pictures/" + repo_path[len(PICTURES) :]
    elif repo_path in _WHERE:
        return _WHERE[repo_path] + (f"#{anchor}" if anchor else "")
    raise PluginError(
        f"include: {source} links to {target!r}, which has no page on the site: "
        "include it in a page or map it in docs/hooks/include.py"
    )


def rewrite_links(text: str, source: str, page: str) -> str:
    """Links of ``text`` (from the repository file ``source``) made relative to ``page``."""

    def one(match: re.Match[str]) -> str:
        label, target = match.groups()
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            return match.group(0)
        site_path = _site_target(source, target)
        relative = posixpath.relpath(site_path, posixpath.dirname(page) or ".")
        return f"{label}({relative})"

    # runs of lines outside code blocks, so that a link may wrap across lines
    out: list[str] = []
    run: list[str] = []
    for line, fenced in [*_lines_outside_code(text), ("", True)]:
        if fenced:
            out.extend(LINK.sub(one, "\n".join(run)).split("\n") if run else [])
            run = []
            out.append(line)
        else:
            run.append(line)
    return "\n".join(out[:-1])


def on_files(files, config):
    """Note which page includes which file or section, for links and anchors between them."""
    _WHERE.clear()
    for file in files.documentation_pages():
        if file.generated_by or not file.abs_src_path:
            continue
        for match in DIRECTIVE.finditer(Path(file.abs_src_path).read_text(encoding="utf-8")):
            path, heading = match.group("path"), match.group("heading")
            key = f"{path}#{slug(heading)}" if heading else path
            _WHERE.setdefault(key, file.src_uri)
    return files


def on_page_markdown(markdown, page, config, files):
    def include(match: re.Match[str]) -> str:
        path, heading = match.group("path"), match.group("heading")
        try:
            body = section(path, heading)
        except PluginError as e:
            raise PluginError(f"{page.file.src_uri}: {e}") from None
        return rewrite_links(body, path, page.file.src_uri)

    return DIRECTIVE.sub(include, markdown)
