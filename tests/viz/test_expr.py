"""Expressions typed by users become tracegrad graphs; anything off the whitelist is refused."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import viz.expr
from autograd import Tensor, topological_order
from viz.expr import ExpressionError, parse_assignments, parse_expression

NEURON = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}


def leaves(root: Tensor) -> dict[str, Tensor]:
    return {t.name: t for t in topological_order(root) if t.requires_grad and not t.parents}


def test_parse_expression_add_mul_values_and_grads():
    f = parse_expression("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    assert f.item() == -12.0
    assert f.name is None
    f.backward()
    v = leaves(f)
    assert sorted(v) == ["x", "y", "z"]
    assert v["x"].grad == -4.0
    assert v["y"].grad == -4.0
    assert v["z"].grad == 3.0


def test_parse_expression_leaves_are_float64():
    f = parse_expression("x*2 + 1", {"x": 3})
    assert f.dtype == np.float64
    assert leaves(f)["x"].dtype == np.float64
    assert f.item() == 7.0


@pytest.mark.parametrize(
    "text",
    ["1/(1+exp(-(w0*x0+w1*x1+w2)))", "sigmoid(w0*x0+w1*x1+w2)"],
)
def test_parse_expression_sigmoid_neuron(text):
    f = parse_expression(text, NEURON)
    assert f.item() == pytest.approx(0.7311, abs=1e-4)
    f.backward()
    v = leaves(f)
    assert float(v["w0"].grad) == pytest.approx(-0.1966, abs=1e-4)
    assert float(v["x0"].grad) == pytest.approx(0.3932, abs=1e-4)
    assert float(v["w1"].grad) == pytest.approx(-0.3932, abs=1e-4)
    assert float(v["x1"].grad) == pytest.approx(-0.5898, abs=1e-4)
    assert float(v["w2"].grad) == pytest.approx(0.1966, abs=1e-4)


def test_parse_expression_repeated_variable_is_one_leaf_with_summed_grad():
    f = parse_expression("x*x", {"x": 3})
    assert f.parents[0] is f.parents[1]
    f.backward()
    assert list(leaves(f)) == ["x"]
    assert leaves(f)["x"].grad == 6.0


def test_parse_expression_unused_variable_is_fine():
    f = parse_expression("x + 1", {"x": 1, "unused": 5})
    assert list(leaves(f)) == ["x"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-x", -2.0),
        ("+x", 2.0),
        ("x - 3", -1.0),
        ("x ** 3", 8.0),
        ("2 ** x", 4.0),
        ("x ** -2", 0.25),
        ("log(x)", float(np.log(2.0))),
        ("tanh(x)", float(np.tanh(2.0))),
        ("relu(-x)", 0.0),
        ("exp(x)", float(np.exp(2.0))),
        ("2 ** 3 ** 2", 512.0),
        ("x ** 64", 2.0**64),
        ("(x\n + 1)", 3.0),
    ],
)
def test_parse_expression_allowed_forms(text, expected):
    assert parse_expression(text, {"x": 2}).item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("(x+", "syntax error"),
        ("x = 1", "syntax error"),
        ("", "empty"),
        ("x + q", r"unknown variable q at column 5; known variables: x, y"),
        ("sin(x)", "unknown function sin"),
        ("exp", "exp at column 1 is a function"),
        ("x.__class__", "attribute access not allowed: x.__class__ at column 1"),
        ("x.exp()", r"call of x\.exp at column 1 is not allowed"),
        ("x[0]", "subscripts not allowed"),
        ("(lambda: 1)()", "call of lambda"),
        ("lambda: 1", "lambdas not allowed"),
        ("[x for x in y]", "comprehensions not allowed"),
        ("sum(x for x in y)", "unknown function sum"),
        ("exp(x for x in y)", "comprehensions not allowed"),
        ("__import__('os')", "unknown function __import__"),
        ("exp(x, y)", "exp at column 1 takes exactly one argument, got 2"),
        ("exp()", "takes exactly one argument, got 0"),
        ("exp(x=1)", "keyword arguments are not allowed"),
        ("exp(*x)", "starred arguments are not allowed"),
        ("x + 'a'", "strings are not allowed: 'a' at column 5"),
        ("f'{x}'", "strings not allowed"),
        ("x + True", "booleans are not allowed: True"),
        ("x + 1j", "complex numbers are not allowed"),
        ("x + None", "constant None"),
        ("x + 1e999", "number 1e999 at column 5 is too large"),
        ("x < y", "comparisons not allowed"),
        ("x and y", r"boolean operators \(and/or\) not allowed"),
        ("x if y else 1", "conditional expressions not allowed"),
        ("(z := x)", r"assignment expressions \(:=\) not allowed"),
        ("x // y", "operator // at column 1 is not supported"),
        ("x % y", "operator % at column 1 is not supported"),
        ("x @ y", "operator @"),
        ("~x", "unary operator ~"),
        ("not x", "unary operator not"),
        ("(x, y)", "tuples not allowed"),
        (
            "2**10000",
            r"exponent 10000 at column 4 is too large \(\|exponent\| must be at most 64\)",
        ),
        ("x**1e6", "exponent 1e6 at column 4 is too large"),
        ("x**-65", "exponent -65 at column 4 is too large"),
        ("9**9**9", r"exponent 9\*\*9 at column 4 evaluates to 3.8742e\+08, too large"),
        ("2**(10*10)", "evaluates to 100, too large"),
        ("x**40 * y**40", "not a finite number"),
        ("x / 0", r"x / 0 at column 1 evaluates to inf, not a finite number"),
        ("log(-x)", "evaluates to nan"),
        ("x" + "+x" * 300, "too long: 601 characters"),
        ("-" * 150 + "x", "nested too deeply at column 101: depth over 100"),
        ("(" * 300 + "x" + ")" * 300, "too long"),
        ("(" * 240 + "x" + ")" * 240, "syntax error|nested too deeply"),
    ],
)
def test_parse_expression_rejects(text, match):
    with pytest.raises(ExpressionError, match=match):
        parse_expression(text, {"x": 1e10, "y": 1e10})


def test_parse_expression_rejects_too_many_nodes():
    text = "+".join(f"exp(x{i % 10})" for i in range(300))
    values = {f"x{i}": 0.0 for i in range(10)}
    assert parse_expression(text, values, max_length=10_000, max_depth=400).item() == 300.0
    with pytest.raises(ExpressionError, match="too large: more than 500 nodes"):
        parse_expression(text, values, max_length=10_000, max_depth=400, max_nodes=500)


def test_parse_expression_rejects_default_node_cap():
    text = "+".join(["x"] * 1500)
    with pytest.raises(ExpressionError, match="more than 2000 nodes"):
        parse_expression(text, {"x": 1}, max_length=10_000, max_depth=10_000)


def test_parse_expression_pathological_nesting_is_an_expression_error():
    with pytest.raises(ExpressionError):
        parse_expression("(" * 100_000, {}, max_length=10**6)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("-" * 100_000 + "x", {"x": 1}, max_length=10**6)


@pytest.mark.parametrize(
    ("value", "match"), [(float("nan"), "value of x must be finite"), ("a", "must be a number")]
)
def test_parse_expression_rejects_bad_values(value, match):
    with pytest.raises(ExpressionError, match=match):
        parse_expression("x + 1", {"x": value})


def test_parse_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)


def test_expr_module_never_evaluates_user_code():
    source = Path(viz.expr.__file__).read_text(encoding="utf-8")
    assert not re.search(r"\b(eval|exec|compile|__import__)\s*\(", source)
    names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    assert not names & {"eval", "exec", "compile", "__import__"}


def test_parse_assignments_reads_cli_items():
    assert parse_assignments(["x=-2", "y=5", "z = -4", "w0=1e-3"]) == {
        "x": -2.0,
        "y": 5.0,
        "z": -4.0,
        "w0": 0.001,
    }
    assert parse_assignments([]) == {}


@pytest.mark.parametrize(
    ("item", "match"),
    [
        ("x", r"bad assignment 'x': expected name=value"),
        ("=3", "is not a valid name"),
        ("1x=3", r"'1x' is not a valid name"),
        ("if=3", r"'if' is not a valid name"),
        ("x.y=3", "is not a valid name"),
        ("x=abc", r"bad assignment 'x=abc': 'abc' is not a number"),
        ("x=", "is not a number"),
        ("x=inf", "must be finite"),
        ("x=nan", "must be finite"),
    ],
)
def test_parse_assignments_rejects(item, match):
    with pytest.raises(ExpressionError, match=match):
        parse_assignments([item])


def test_parse_assignments_rejects_duplicates():
    with pytest.raises(ExpressionError, match="x is given twice"):
        parse_assignments(["x=1", "x=2"])


@pytest.mark.parametrize("text", [" x + y", "\tx + y\n", "  (x + y)  "])
def test_surrounding_whitespace_is_ignored(text):
    f = parse_expression(text, {"x": 1.5, "y": 2.0})
    assert f.item() == 3.5


def _intermediate_names(root: Tensor) -> list[str | None]:
    return [t.name for t in topological_order(root) if t.op and t is not root]


def test_intermediate_nodes_are_named_after_their_sub_expression():
    f = parse_expression("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    assert _intermediate_names(f) == ["x+y"]
    assert f.name is None  # the root: its wire is "out"
    f = parse_expression("sigmoid(w0*x0 + w1*x1 + w2)", NEURON)
    names = _intermediate_names(f)
    assert {"w0·x0", "w1·x1", "w0·x0+w1·x1"} <= set(names)
    assert None in names  # w0·x0+w1·x1+w2 is longer than MAX_NAME: the op's symbol instead
    f = parse_expression("exp(-x)**2 + 1", {"x": 1})
    assert _intermediate_names(f) == ["-x", "exp(-x)", "exp(-x)^2"]


def test_names_are_short_and_leaves_keep_theirs():
    f = parse_expression("+x * (x + 2.5)", {"x": 1})
    assert leaves(f)["x"].name == "x"
    assert _intermediate_names(f) == ["x+2.5"]
    f = parse_expression("tanh(long_name_a * long_name_b)", {"long_name_a": 1, "long_name_b": 2})
    assert _intermediate_names(f) == [None]
    assert all(len(n) <= viz.expr.MAX_NAME for n in _intermediate_names(f) if n)


def test_the_graph_command_draws_the_names(tmp_path, capsys):
    from tracegrad.cli import main

    out = tmp_path / "f.svg"
    assert main(["graph", "(x+y)*z", "x=-2", "y=5", "z=-4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "x+y =" in printed
    assert "← to x+y: [-4] × [1] = -4" in printed
    assert "add#" not in printed
    assert "x+y = +" in out.read_text(encoding="utf-8")
