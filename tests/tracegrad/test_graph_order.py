"""``tracegrad graph EXPR ... --order N [--wrt NAME]``: the recorded graph of the (N-1)-th
derivative, backpropagated so its edges carry the N-th; errors in one line (status 2)."""

from __future__ import annotations

import re

import pytest

from tests.viz.svgtext import texts
from tracegrad.cli import main
from viz.style import BACKWARD


def _svg_texts(path, colour=None):
    return texts(path.read_text(encoding="utf-8"), colour)


def test_order_2_draws_the_first_derivative_annotated_with_the_second(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "x**3", "x=2", "--order", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "f = x**3 = 8 at x=2" in printed
    assert "df/dx = 12  (the graph drawn" in printed  # 3x² at 2
    assert "d²f/dx² = 12  (its gradient" in printed  # 6x at 2
    shown, red = _svg_texts(out), _svg_texts(out, BACKWARD)
    assert "x: [4] × [3] = 12" in red
    assert "grad 12" in red
    assert "∂ of pow" in shown
    assert "df/dx" in shown
    assert "backward pass (recorded: create_graph=True)" in shown


def test_order_3_and_4(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "x**3", "x=2", "--order", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "d²f/dx² = 12" in printed
    assert "d³f/dx³ = 6" in printed
    assert "x: [1] × [6] = 6" in _svg_texts(out, BACKWARD)
    assert main(["graph", "x**3", "x=2", "--order", "4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "d³f/dx³ = 6" in printed
    assert "d⁴f/dx⁴ = 0" in printed


def test_several_variables_differentiate_by_the_one_named(tmp_path, capsys):
    out = tmp_path / "g.svg"
    argv = ["graph", "sigmoid(w*x)", "w=2", "x=-1", "--order", "2", "--wrt", "w"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # df/dw = x·σ'(wx), d²f/dw² = x²·σ'(wx)(1 - 2σ(wx)) at w=2, x=-1
    assert "df/dw = -0.105 " in printed
    assert "d²f/dw² = 0.07996 " in printed
    assert any(t.startswith("∂ of sigmoid") for t in _svg_texts(out))
    # a derivative that no longer depends on the variable: its gradient is 0
    argv = ["graph", "(x+y)*z", "x=-2", "y=5", "z=-4", "--order", "2", "--wrt", "z"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "df/dz = 3 " in printed
    assert "d²f/dz² = 0  (no z in it)" in printed


def test_order_2_as_a_step_through_player(tmp_path, capsys):
    out = tmp_path / "g.html"
    assert main(["graph", "x**3", "x=2", "--order", "2", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") >= 5
    assert "x: [4] × [3] = 12" in page
    assert "d²f/dx² = 12" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "argument", "message"),
    [
        (["(x+y)*z", "x=-2", "y=5", "z=-4", "--order", "2"], "--wrt", "several variables"),
        (["x*y", "x=1", "y=2", "--order", "2", "--wrt", "w"], "--wrt", "not a variable"),
        (["x*y", "x=1", "y=2", "--wrt", "x"], "--wrt", "only with --order 2"),
        (["x", "x=1", "--order", "0"], "--order", ">= 1"),
        (["x", "x=1", "--order", "7"], "--order", "at most 6"),
        (["x", "x=1", "--order", "two"], "--order", "whole number"),
        (["(x+y)*z", "x=-2", "y=5", "z=-4", "--order", "3", "--wrt", "x"], "--order", "--order 2"),
        (["x", "x=1", "--order", "3"], "--order", "0 everywhere"),
    ],
)
def test_bad_orders_are_one_line_errors(tmp_path, capsys, argv, argument, message):
    out = tmp_path / "g.svg"
    assert main(["graph", *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert err.startswith(f"tracegrad graph: error: argument {argument}: "), err
    assert message in err
    assert not out.exists()


def test_a_derivative_too_big_to_step_through_is_refused_before_drawing(tmp_path, capsys):
    out = tmp_path / "g.html"
    argv = ["graph", "sigmoid(w*x)*tanh(w+x)", "w=2", "x=-1", "--order", "6", "--wrt", "x"]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.search(
        r"argument --order: the graph of d⁵f/dx⁵ has \d+ nodes, more than the 150", err
    )
    assert not out.exists()


def test_demo_draws_both_circuits_with_their_backward_pass(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--no-train"]) == 0
    for stem, grads in (("add_mul", ("∂f/∂x", "-4")), ("sigmoid_neuron", ("∂f/∂x0", "0.39"))):
        shown = _svg_texts(tmp_path / f"{stem}_backward.svg")
        assert "backward pass (recorded: create_graph=True)" in shown
        assert all(g in shown for g in grads), stem
    assert f"wrote {tmp_path / 'add_mul_backward.svg'}" in capsys.readouterr().out
