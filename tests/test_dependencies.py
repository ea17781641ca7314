"""Every runtime dependency earns its place: the library imports (or runs) it, and the
README's Dependencies table says what each declared package is for and which extra brings it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import viz.render

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ("autograd", "nn", "viz", "tracegrad")
FONT = "cvttf-notosanscjk-regular"

# Runtime dependencies the library runs as a command rather than imports.
COMMANDS = {"graphviz-pure": viz.render.DEFAULT_RENDERER}


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement string ("numpy>=1.24" -> "numpy")."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _declared() -> dict[str, str]:
    """Every declared package -> "required" or the extra that brings it, e.g. "[dev]"."""
    project = _project()
    where = {_name(r): "required" for r in project["dependencies"]}
    for extra, requirements in project["optional-dependencies"].items():
        for r in requirements:
            if _name(r) != project["name"]:  # tracegrad[cjk] inside [dev]
                where.setdefault(_name(r), f"[{extra}]")
    return where


def _imported_roots() -> set[str]:
    roots = set()
    for package in LIBRARY:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    roots.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    roots.add(node.module.split(".")[0])
    return roots


def _readme_table() -> dict[str, str]:
    """The README's Dependencies table: package -> its "needed" cell, backticks dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Dependencies\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("package", "---"):
            continue
        for package in re.findall(r"`([^`]+)`", cells[0]):
            rows[_name(package)] = cells[2].strip("`")
    return rows


def test_every_runtime_dependency_is_imported_or_run_by_the_library():
    roots = _imported_roots()
    unused = []
    for requirement in _project()["dependencies"]:
        name = _name(requirement)
        if name in COMMANDS:
            assert COMMANDS[name] == name, f"{name} is declared but viz runs {COMMANDS[name]}"
        elif name.replace("-", "_") not in roots:
            unused.append(name)
    assert not unused, f"declared but never imported by {LIBRARY}: {unused}; remove them"


def test_the_readme_table_lists_every_declared_package_and_where_it_comes_from():
    assert _readme_table() == _declared()


def test_the_cjk_font_is_an_extra_that_the_test_tools_bring():
    project = _project()
    assert FONT not in {_name(r) for r in project["dependencies"]}
    assert [_name(r) for r in project["optional-dependencies"]["cjk"]] == [FONT]
    assert "tracegrad[cjk]" in project["optional-dependencies"]["dev"]
