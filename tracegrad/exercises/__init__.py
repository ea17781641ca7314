"""Exercises that check themselves: one sheet of checkers per notebook.

In a notebook::

    from tracegrad.exercises import notebook01 as check
    check                        # lists the checkers and how to call them
    check.exercise1(-8, -2, -2, 4)   # ✓ Exercise 1.1: right. … or ✗ … with a hint

A checker answers with a `Verdict` (true when right) and, when the answer is wrong, a hint
that points at the mistake without giving the answer away. Worked solutions that every
checker accepts are in ``notebooks/solutions/``; the test suite runs them.
"""

from __future__ import annotations

import importlib
from typing import Any

from tracegrad.exercises.checking import Exercise, Sheet, Verdict

NOTEBOOKS = ("01", "02", "03", "04", "05", "06", "07", "08", "09")

__all__ = ["Exercise", "Sheet", "Verdict", "sheet", *(f"notebook{n}" for n in NOTEBOOKS)]


def sheet(notebook: str | int) -> Sheet:
    """The checkers of one notebook ("01" … "09", or its number)."""
    key = f"{int(notebook):02d}"
    if key not in NOTEBOOKS:
        raise KeyError(f"no exercise sheet for notebook {notebook!r}; there are {NOTEBOOKS}")
    return importlib.import_module(f"tracegrad.exercises.sheet{key}").SHEET


def __getattr__(name: str) -> Any:
    if name.startswith("notebook") and name.removeprefix("notebook") in NOTEBOOKS:
        return sheet(name.removeprefix("notebook"))
    raise AttributeError(f"module 'tracegrad.exercises' has no attribute {name!r}")
