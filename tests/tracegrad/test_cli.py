"""``tracegrad graph`` and ``tracegrad demo``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tracegrad.cli import main


def test_graph_draws_the_expression_to_svg(tmp_path, capsys):
    out = tmp_path / "f.svg"
    assert main(["graph", "(x+y)*z", "x=-2", "y=5", "z=-4", "--out", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    assert "x: [1] × [&#45;4] = &#45;4" in svg or "x: [1] × [-4] = -4" in svg
    assert "← to z: [3] × [1] = 3" in capsys.readouterr().out


def test_graph_html_gives_the_step_through_player(tmp_path):
    out = tmp_path / "f.html"
    assert main(["graph", "sigmoid(w*x)", "w=2", "x=-1", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") >= 4
    assert "tg-player" in page


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("__import__('os')", "__import__"),
        ("x.__class__", "attribute"),
        ("(lambda: 1)()", "lambda"),
        ("2**100000", "too large"),
        ("9**9**9", "too large"),
        ("open('f')", "open"),
        ("[x for x in y]", "comprehension"),
    ],
)
def test_graph_rejects_anything_outside_the_whitelist(tmp_path, capsys, expr, message):
    assert main(["graph", expr, "x=1", "y=2", "--out", str(tmp_path / "f.svg")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tracegrad graph:")
    assert message in err
    assert "\n" not in err  # one line
    assert not (tmp_path / "f.svg").exists()


def test_rejection_from_the_console_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "tracegrad", "graph", "__import__('os').system('echo hi')"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "hi" not in proc.stdout
    assert proc.stderr.count("\n") == 1


def test_graph_rejects_a_bad_assignment_and_suffix(tmp_path, capsys):
    assert main(["graph", "x", "x=abc", "--out", str(tmp_path / "f.svg")]) == 2
    assert "x=abc" in capsys.readouterr().err
    assert main(["graph", "x", "x=1", "--out", str(tmp_path / "f.jpg")]) == 2
    assert ".svg" in capsys.readouterr().err


def test_demo_writes_pictures_and_players(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--no-train"]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "add_mul.svg",
        "add_mul_steps.html",
        "sigmoid_neuron.svg",
        "sigmoid_neuron_steps.html",
        "circuits.txt",
    } <= names
    svg = (tmp_path / "sigmoid_neuron.svg").read_text(encoding="utf-8")
    assert "x0: [2.00] × [0.197] = 0.39" in svg.replace("&#45;", "-")
    assert "wrote" in capsys.readouterr().out


def test_the_readme_pictures_are_what_the_demo_draws_today(tmp_path):
    docs = Path(__file__).resolve().parents[2] / "docs"
    assert main(["demo", "--out", str(tmp_path), "--no-train"]) == 0
    for name in ("sigmoid_neuron.svg", "add_mul_backward.svg"):
        drawn = (tmp_path / name).read_text(encoding="utf-8")
        assert drawn == (docs / name).read_text(encoding="utf-8"), (
            f"docs/{name} is stale: copy it from `tracegrad demo --no-train`"
        )


def test_demo_prints_and_writes_both_circuits(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--no-train"]) == 0
    printed = capsys.readouterr().out
    written = (tmp_path / "circuits.txt").read_text(encoding="utf-8")
    assert "← to q: [-4] × [1] = -4" in written
    assert "← to x0: [2.00] × [0.197] = 0.39" in written
    assert written.strip() in printed


def test_demo_trains_an_mlp_and_a_lenet_and_plots_them(tmp_path, monkeypatch, capsys):
    import tracegrad.demo

    monkeypatch.setattr(
        tracegrad.demo,
        "DEMO_RUNS",
        (("mlp", "digits", 2, "mlp_digits"), ("lenet", "mnist5k", 1, "lenet")),
    )
    assert main(["demo", "--out", str(tmp_path)]) == 0
    for name in (
        "mlp_digits/curves.png",
        "lenet/curves.png",
        "lenet/filters.png",
        "lenet/feature_maps.png",
        "lenet/lenet.npz",
        "lenet5_graph.svg",
    ):
        assert (tmp_path / name).stat().st_size > 1000, name
    assert "held-out accuracy" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["%s", "{0.__class__}", ".1000000f", ">10", "d"])
def test_graph_refuses_a_bad_fmt_in_one_line_before_drawing(tmp_path, capsys, fmt):
    out = tmp_path / "f.svg"
    assert main(["graph", "x*y", "x=2", "y=3", "--fmt", fmt, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tracegrad graph: error: argument --fmt: ")
    assert err.count("\n") == 1
    assert not out.exists()


def test_graph_draws_with_a_valid_fmt(tmp_path, capsys):
    out = tmp_path / "f.svg"
    assert main(["graph", "x*y", "x=2", "y=3", "--fmt", "+.2e", "--out", str(out)]) == 0
    assert "+6.00e+00" in out.read_text(encoding="utf-8")


def test_version_comes_from_the_installed_distribution(capsys):
    from importlib import metadata

    import autograd

    assert autograd.__version__ == metadata.version("tracegrad")
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"tracegrad {autograd.__version__}"
