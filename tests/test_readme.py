"""The README's Python examples run as written and print what they claim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text
    assert "HIPS autograd" in text


def _needs_torch(block: str) -> bool:
    return "import torch" in block


def test_readme_examples_run(capsys):
    blocks = [b for b in _python_blocks() if not _needs_torch(b)]
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # our own README, not user input
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "-4.0 -4.0 3.0 -4.0"
    assert "-4." in printed[1]
    assert "3." in printed[1]
    assert "✗ Exercise 1.1: not yet. ∂f/∂x has the wrong sign." in printed


def test_readme_examples_with_pytorch_run():
    pytest.importorskip("torch")
    blocks = [b for b in _python_blocks() if _needs_torch(b)]
    assert blocks
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # our own README, not user input
