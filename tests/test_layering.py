"""The wings import one way (ARCHITECTURE.md), checked by reading every import statement.

tracegrad → nn, viz; nn → autograd; viz → autograd. viz never imports nn; nn never imports viz
or a kernel module (it reaches kernels through ops); autograd imports neither; kernels see
only numpy arrays (no Tensor); nothing in the library imports the application package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "viz", "tracegrad")

# package (or subpackage) -> the first-party packages it must never import
FORBIDDEN = {
    "autograd": ("nn", "viz", "tracegrad"),
    "autograd.kernels": ("autograd.tensor", "autograd.function", "autograd.ops", "nn", "viz"),
    "nn": ("viz", "tracegrad", "autograd.kernels"),
    "viz": ("nn", "tracegrad"),
}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append((name, path))
    return found


def _imports(path: Path, module: str) -> set[str]:
    """Every module an import statement in ``path`` names (function-level ones included)."""
    names = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


MODULES = _modules()


def test_the_wings_exist():
    names = {name for name, _ in MODULES}
    for package in PACKAGES:
        assert package in names, f"{package}/__init__.py is missing"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m for m, _ in MODULES])
def test_imports_follow_the_arrows(module, path):
    rules = [(scope, banned) for scope, banned in FORBIDDEN.items() if _within(module, scope)]
    wrong = sorted(
        f"{module} imports {name} ({scope} must not import {prefix})"
        for name in _imports(path, module)
        for scope, banned in rules
        for prefix in banned
        if _within(name, prefix)
    )
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from nn.data import load_digits\n    import viz.plots\n")
    assert {"nn.data", "nn.data.load_digits", "viz.plots"} <= _imports(source, "autograd.m")
