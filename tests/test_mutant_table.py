"""The mutation table (scripts/mutant_table.py, run by `make mutants`) still matches the code:
every mutant's snippet occurs exactly once in its file, so a rename cannot silently retire
a mutant."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import mutants  # noqa: E402
from mutant_table import MUTANTS  # noqa: E402


def test_every_mutant_snippet_occurs_once_in_its_file():
    assert len(MUTANTS) > 100
    assert mutants.stale(list(MUTANTS), ROOT) == []
