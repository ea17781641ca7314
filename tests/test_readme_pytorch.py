"""The README's table "From PyTorch to tracegrad" stays true: every name in its tracegrad
column exists, and every PyTorch name it marks missing (—) has no tracegrad counterpart yet
(when one is added, this fails until the table says so)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import autograd
import autograd.functional as F
import nn
from autograd import Tensor

README = Path(__file__).resolve().parent.parent / "README.md"
NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def _rows() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## From PyTorch to tracegrad", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append((cells[0], cells[1]))
    return rows


def _spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def _namespace() -> dict[str, object]:
    model = nn.Linear(2, 2)
    return {
        "autograd": autograd,
        "nn": nn,
        "F": F,
        "optim": nn.optim,
        "t": Tensor([[1.0, 2.0]], requires_grad=True),
        "m": model,
        "model": model,
    }


def _resolve(dotted: str, namespace: dict[str, object]) -> object:
    head, *rest = dotted.split(".")
    value = namespace[head]
    for part in rest:
        value = getattr(value, part)
    return value


PRESENT = [s for _, mine in _rows() if mine != "—" for s in _spans(mine)]
MISSING = [s for theirs, mine in _rows() if mine == "—" for s in _spans(theirs)]


def test_the_table_has_both_kinds_of_rows():
    assert len(PRESENT) >= 15
    assert len(MISSING) >= 15


@pytest.mark.parametrize("span", PRESENT)
def test_each_tracegrad_name_exists(span):
    match = NAME.match(span)
    assert match, span
    _resolve(match.group(), _namespace())


@pytest.mark.parametrize("span", MISSING)
def test_each_name_marked_missing_is_missing(span):
    translated = span
    for theirs, ours in (("torch.nn.", "nn."), ("torch.", "autograd."), ("optim.", "nn.optim.")):
        if translated.startswith(theirs):
            translated = ours + translated.removeprefix(theirs)
            break
    with pytest.raises(AttributeError):
        eval(translated, _namespace())  # names from our own README, not user input
