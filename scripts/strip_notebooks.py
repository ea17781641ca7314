"""Remove outputs and execution counts from the notebooks, as they are kept in git.

python scripts/strip_notebooks.py                  # strip notebooks/*.ipynb in place
python scripts/strip_notebooks.py --check          # exit 1 if any notebook holds outputs
python scripts/strip_notebooks.py PATH.ipynb ...   # only these notebooks (with or without --check)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def has_outputs(nb: nbformat.NotebookNode) -> bool:
    """True if any code cell has outputs or an execution count."""
    return any(
        c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)
        for c in nb.cells
    )


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without outputs, execution counts or per-cell run metadata."""
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
        c.metadata.pop("execution", None)
    return nb


def main(argv: list[str]) -> int:
    """Strip the notebooks named in ``argv`` (all of notebooks/ when none is), or with
    --check report those that need it."""
    flags = [a for a in argv if a.startswith("-")]
    if unknown := [f for f in flags if f != "--check"]:
        print(f"strip_notebooks: unknown option {unknown[0]} (only --check)", file=sys.stderr)
        return 2
    named = [Path(a) for a in argv if not a.startswith("-")]
    if missing := [p for p in named if p.suffix != ".ipynb" or not p.is_file()]:
        print(f"strip_notebooks: {missing[0]} is not a notebook file", file=sys.stderr)
        return 2
    dirty = []
    for path in named or sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        if not has_outputs(nb):
            continue
        dirty.append(path.name)
        if "--check" not in argv:
            nbformat.write(strip(nb), path)
    if dirty:
        verb = "hold outputs" if "--check" in argv else "stripped"
        print(f"{verb}: {', '.join(dirty)}")
    return 1 if dirty and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
