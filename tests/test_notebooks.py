"""Every notebook runs top to bottom (nbclient, a fresh kernel each) and is kept in git
without outputs.

The run is the docs build's (docs/hooks/notebooks.py): each executed notebook is cached there,
keyed by the notebook, every file of autograd, nn, viz and tracegrad and the library versions,
so the suite runs each notebook once whether tests/test_docs.py or this file comes first (a
fresh checkout has no cache: CI always executes them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def _module(relative: str, name: str):
    path = Path(__file__).resolve().parent.parent / relative
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _strip_module():
    return _module("scripts/strip_notebooks.py", "strip_notebooks")


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 7, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert not _strip_module().has_outputs(nb), (
        f"run: python scripts/strip_notebooks.py ({path.name})"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path):
    pytest.importorskip("mkdocs")  # the docs build's hook runs them
    nb = _module("docs/hooks/notebooks.py", "docs_notebooks").executed([path])[path.stem]
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors
    assert any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
