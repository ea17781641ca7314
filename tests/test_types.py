"""The library type-checks, and its types reach the code that uses it.

`mypy` (a test dependency: ``[dev]``) checks the packages configured in pyproject.toml's
``[tool.mypy]``; a snippet outside the repository, which finds the packages as installed ones
(on ``PYTHONPATH``), sees their annotations only because each ships a ``py.typed`` marker
(PEP 561): without it mypy skips an installed package and every name in it is ``Any``.

Cold, the two mypy runs take about 30 s on two cores; mypy's cache (``.mypy_cache`` in the
repository, ignored by git) makes a rerun take about a second.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "viz", "tracegrad")
CACHE = ROOT / ".mypy_cache"

# Each "# reveal: T" line must make mypy reveal type T, each "# error: code" line must be an
# error with that code, and no other line may be reported.
SNIPPET = """\
import numpy as np

import autograd
import autograd.functional as F
import nn
import viz
from autograd import Tensor

x = Tensor([1.0, 2.0], requires_grad=True)
t: Tensor = Tensor([1.0]) + 1
reveal_type(t)  # reveal: autograd.tensor.Tensor
reveal_type(x * 2 + np.ones(2))  # reveal: autograd.tensor.Tensor
reveal_type(x.sum(axis=0).relu().T)  # reveal: autograd.tensor.Tensor
reveal_type(x.requires_grad)  # reveal: bool
reveal_type(F.softmax(x))  # reveal: autograd.tensor.Tensor
reveal_type(autograd.stack([x, x]))  # reveal: autograd.tensor.Tensor
reveal_type(autograd.gradcheck(lambda a: a * a, x))  # reveal: bool
reveal_type(nn.Linear(2, 3).weight)  # reveal: nn.module.Parameter
reveal_type(nn.optim.SGD(nn.Linear(2, 3).parameters(), lr=0.1))  # reveal: nn.optim.SGD
reveal_type(viz.draw_graph(x.sum()))  # reveal: viz.graph.Graph

x.sum(axis="x")  # error: arg-type
nn.Linear("3", 4)  # error: arg-type
Tensor([1.0]).reshape("2")  # error: arg-type
viz.draw_graph(x, fmt=4)  # error: arg-type
F.conv2d(x, x, stride="2")  # error: arg-type
x.no_such_method()  # error: attr-defined
"""


def _mypy(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    if importlib.util.find_spec("mypy") is None:
        pytest.fail("mypy is not installed: it is a test dependency (pip install -e '.[dev]')")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def test_the_library_type_checks():
    # the packages, strictness and exclusions are pyproject.toml's [tool.mypy]
    code, report = _mypy(["--cache-dir", str(CACHE)], ROOT)
    assert code == 0, f"mypy found type errors:\n{report}"


def test_each_package_ships_a_py_typed_marker():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    for package in PACKAGES:
        assert (ROOT / package / "py.typed").is_file(), f"{package}/py.typed is missing"
        assert "py.typed" in package_data.get(package, []), (
            f"pyproject.toml: [tool.setuptools.package-data] does not ship {package}/py.typed"
        )


def _expected(snippet: str) -> set[tuple[int, str, str]]:
    expected = set()
    for number, line in enumerate(snippet.splitlines(), start=1):
        mark = re.search(r"# (reveal|error): (.+)$", line)
        if mark:
            expected.add((number, *mark.groups()))
    return expected


def _reported(report: str, name: str) -> set[tuple[int, str, str]]:
    found = set()
    for line in report.splitlines():
        reveal = re.match(rf"{name}:(\d+): note: Revealed type is \"(.+)\"$", line)
        error = re.match(rf"{name}:(\d+): error: .*\[([a-z-]+)\]$", line)
        if reveal:
            found.add((int(reveal[1]), "reveal", reveal[2]))
        elif error:
            found.add((int(error[1]), "error", error[2]))
        elif re.match(rf"{name}:\d+: error", line):  # an error without a code
            found.add((0, "error", line))
    return found


def test_the_public_types_reach_a_user_of_the_installed_packages(tmp_path):
    (tmp_path / "snippet.py").write_text(SNIPPET, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text("[mypy]\n", encoding="utf-8")  # no other config
    # outside the repository, the packages are found on PYTHONPATH: mypy treats them as
    # installed, and reads their annotations only if they ship py.typed
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    env["PYTHONPATH"] = str(ROOT)
    args = ["--config-file", "mypy.ini", "--cache-dir", str(CACHE / "installed")]
    _, report = _mypy([*args, "snippet.py"], tmp_path, env)
    assert "py.typed" not in report, report  # "installed, but missing ... py.typed marker"
    assert _reported(report, "snippet.py") == _expected(SNIPPET), report
