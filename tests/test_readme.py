"""The README's Python examples run as written and print what they claim."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text
    assert "make test" in text
    assert "HIPS autograd" in text


def test_readme_examples_run(capsys):
    blocks = _python_blocks()
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # our own README, not user input
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "-4.0 -4.0 3.0 -4.0"
    assert "-4." in printed[1]
    assert "3." in printed[1]
