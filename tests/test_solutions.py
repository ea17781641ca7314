"""Exercises that check themselves: every notebook's exercises have a checker sheet
(tracegrad.exercises), and the worked solutions in notebooks/solutions/ run top to bottom with
every checker saying ✓ — so each checker is proven to accept a right answer. (That each one
rejects typical wrong answers, with a hint, is tested in tests/tracegrad/exercises/.)"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tracegrad.exercises import NOTEBOOKS as SHEETS
from tracegrad.exercises import sheet
from tracegrad.exercises.checking import NOT_YET, RIGHT

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = ROOT / "notebooks" / "solutions"
VERDICT = re.compile(rf"^([{RIGHT}{NOT_YET}]) Exercise (\d+)\.(\d+): ", re.MULTILINE)

nbformat = pytest.importorskip("nbformat")


def _number(path: Path) -> str:
    return path.name[:2]


def _exercise_cell(nb) -> tuple[int, str]:
    found = [(i, c.source) for i, c in enumerate(nb.cells) if c.source.startswith("## Exercises")]
    assert len(found) == 1, "one '## Exercises' cell per notebook"
    return found[0]


def test_every_notebook_has_a_sheet():
    assert [_number(p) for p in NOTEBOOKS] == list(SHEETS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_and_checkers_match(path):
    """The numbered exercises are the sheet's; the cell after them brings in the checkers."""
    nb = nbformat.read(path, as_version=4)
    index, text = _exercise_cell(nb)
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", text, re.MULTILINE)]
    checkers = sheet(_number(path))
    assert numbers == list(checkers.exercises), text
    for n in numbers:
        assert f"check.exercise{n}(" in text, f"exercise {n} does not say how to check it"
    assert f"solutions/{path.name}" in text
    after = nb.cells[index + 1]
    assert after.cell_type == "code"
    assert f"from tracegrad.exercises import notebook{_number(path)} as check" in after.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_are_stored_without_outputs(path):
    solution = SOLUTIONS / path.name
    assert solution.is_file(), f"no worked solutions for {path.name}"
    strip = _module("scripts/strip_notebooks.py", "strip_notebooks")
    assert not strip.has_outputs(nbformat.read(solution, as_version=4))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_checker_accepts_the_worked_solution(path):
    pytest.importorskip("mkdocs")  # the docs build's hook runs notebooks (and caches them)
    solution = SOLUTIONS / path.name
    nb = _module("docs/hooks/notebooks.py", "docs_notebooks").executed([solution])[path.stem]
    shown = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            assert out.get("output_type") != "error", out
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            shown += VERDICT.findall(text)
    assert shown, "the solutions call no checker"
    assert all(mark == RIGHT for mark, _, _ in shown), [s for s in shown if s[0] != RIGHT]
    assert {int(nb_) for _, nb_, _ in shown} == {int(_number(path))}
    assert sorted({int(n) for _, _, n in shown}) == list(sheet(_number(path)).exercises)


def _module(relative: str, name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
