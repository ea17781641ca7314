"""Printed arithmetic adds up: on every edge of random circuits, in every place that prints
``[local] × [upstream] = sent`` (the text table, the picture's wire labels, the player's
captions), the shown factors multiply to the shown result at its precision, and a fan-in
sum on a node adds up the same way (viz/numbers.py)."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import viz
from autograd import Tensor
from viz.numbers import MAX_DIGITS, product_text, sum_text
from viz.scalar_dot import ScalarDot
from viz.snapshot import snapshot
from viz.steps import _moments
from viz.text import edge_table

PRODUCT = re.compile(r"\[([^\]]+)\] × \[([^\]]+)\] ([=≈]) ([^\s;]+)")
SUM = re.compile(r"grad (\S+(?: [+−] \S+)+) ([=≈]) (\S+)")
FMTS = [".4g", ".2f", ".3f", ".2g", ".3e", ".1f", "+.3g", ".4"]


def _digits(text: str) -> int:
    return len(Decimal(text).as_tuple().digits)


def _rounds_to(exact: Decimal, shown: str) -> bool:
    d = Decimal(shown)
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    return abs(exact - d) <= Decimal(5).scaleb(exponent - 1)


def _check_products(text: str) -> int:
    count = 0
    for a, b, eq, c in PRODUCT.findall(text):
        if "?" in (a + b + c) or "·" in a or "nan" in a + b + c or "inf" in a + b + c:
            continue
        count += 1
        exact = float(a) * float(b)
        if eq == "=":
            assert _rounds_to(Decimal(a) * Decimal(b), c), f"[{a}] × [{b}] = {c} ({exact})"
        else:  # only when even the most digits could not make it add up
            assert max(_digits(a), _digits(b), _digits(c)) >= MAX_DIGITS - 1
    return count


def _check_sums(text: str) -> None:
    for terms, eq, total in SUM.findall(text):
        pieces = terms.split(" ")
        value = Decimal(pieces[0])
        for sign, term in zip(pieces[1::2], pieces[2::2]):
            assert not term.startswith("-"), f"a negative term reads + -: {terms}"
            value = value + Decimal(term) if sign == "+" else value - Decimal(term)
        if eq == "=":
            assert _rounds_to(value, total), f"{terms} = {total}"


@st.composite
def circuits(draw: st.DrawFn) -> Tensor:
    """A random scalar circuit: leaves, then ops on earlier nodes (fan-out included)."""
    values = st.floats(-9, 9, allow_nan=False).filter(lambda v: abs(v) > 1e-3)
    n_leaves = draw(st.integers(1, 4))
    nodes = [Tensor(draw(values), requires_grad=True, name=f"x{i}") for i in range(n_leaves)]
    for _ in range(draw(st.integers(1, 8))):
        a = draw(st.sampled_from(nodes))
        b = draw(st.sampled_from(nodes))
        op = draw(st.sampled_from(["add", "sub", "mul", "div", "tanh", "sigmoid", "exp"]))
        if op == "add":
            out = a + b
        elif op == "sub":
            out = a - b
        elif op == "mul":
            out = a * b
        elif op == "div":
            out = a / b if abs(float(b.data)) > 1e-2 else a * b
        elif op == "exp":
            out = a.exp() if abs(float(a.data)) < 20 else a.tanh()
        else:
            out = getattr(a, op)()
        nodes.append(out)
    root = nodes[-1]
    for t in nodes[:-1]:  # gather every node, so fan-in sums appear
        if t.requires_grad and draw(st.booleans()):
            root = root + t * draw(values)
    return root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits(), st.sampled_from(FMTS))
def test_every_printed_line_adds_up(root, fmt):
    root.backward()
    with np.errstate(all="ignore"):
        table = edge_table(root, fmt)
        snap = snapshot([root])
    checked = _check_products(table)
    dot = ScalarDot(snap, fmt=fmt)
    labels = "\n".join(dot.edge_text(e) for e in snap.edges)
    assert _check_products(labels) == checked
    _check_sums("\n".join(dot.grad_text(n) for n in snap.nodes))
    captions = "\n".join(m.caption for m in _moments(snap, fmt))
    _check_products(captions)


@pytest.mark.parametrize(
    ("args", "fmt", "shown"),
    [
        ((2.0, 0.19661193, 0.39322386), ".2f", "[2.00] × [0.197] = 0.39"),
        ((-1.0, 0.19661193, -0.19661193), ".2f", "[-1.00] × [0.20] = -0.20"),
        ((1.0, -4.0, -4.0), ".4g", "[1] × [-4] = -4"),
        ((3.0, 1.0, 3.0), ".4g", "[3] × [1] = 3"),
        ((1 / 3, 0.3, 0.1), ".2g", "[0.33] × [0.3] = 0.1"),
        ((2.0, 0.19661193, 0.39322386), ".2g", "[2] × [0.197] = 0.39"),
        ((189.154, -0.0331197, 189.154 * -0.0331197), ".6g", "[189.154] × [-0.0331197] = -6.26472"),
        ((-34.2918, 5223.54, -34.2918 * 5223.54), ".2f", "[-34.2918] × [5223.54] = -179124.59"),
    ],
)
def test_digits_are_raised_only_as_far_as_needed(args, fmt, shown):
    assert product_text(*args, fmt) == shown


def test_a_negative_term_is_subtracted():
    assert sum_text([3.0, -0.023, 1.0], 3.977, ".4g") == "3 − 0.023 + 1 = 3.977"
    assert sum_text([-0.5, 0.25], -0.25, ".2f") == "-0.50 + 0.25 = -0.25"


def test_a_fan_in_sum_on_the_picture_adds_up():
    x = Tensor(0.3, requires_grad=True, name="x")
    f = x * x * x + x * -0.023
    f.backward()
    dot = viz.draw_graph(f).dot
    assert "− 0.023" in dot
    assert "+ -" not in dot


def test_an_exact_tie_is_not_left_to_a_rounding_rule():
    # 0.50 × 0.25 = 0.125: "0.12" and "0.13" are both a rounding of it, so it is shown whole
    assert product_text(0.5, 0.25, 0.125, ".2f") == "[0.50] × [0.25] = 0.125"
    assert sum_text([0.125, 0.125], 0.25, ".2f") == "0.125 + 0.125 = 0.25"


def test_raised_fixed_digits_keep_no_trailing_zeros():
    shown = product_text(-34.29183, 5223.5412, -34.29183 * 5223.5412, ".2f")
    assert shown == "[-34.29183] × [5223.5412] = -179124.79"
