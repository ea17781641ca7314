"""``viz.check_fmt``: one validator for the number format every picture and table uses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import viz
from autograd import Tensor
from viz.circuits import add_mul_circuit
from viz.scalar_dot import ScalarDot
from viz.snapshot import snapshot
from viz.style import number
from viz.tensor_dot import TensorDot

GOOD = ["", ".4g", ".3f", ".2e", "+.3f", " .2f", "#.3g", "08.3f", ",.2f", "_.1f", ".1%", "10.4G"]
GOOD += [".40f", "40.2f", "E", "-F", "g"]
BAD = [
    "png",  # a file format, not a number format
    "10000000",  # a width that would allocate megabytes per number
    "41.2f",  # width above the bound
    ".41f",  # precision above the bound
    ".1000000f",
    "%s",  # printf style
    "%.2f",
    "{0.__class__}",  # str.format field syntax
    "{:.2f}",
    "d",  # integer types do not take floats
    "x",
    "s",
    ">10.2f",  # fill/align: not needed for numbers on a picture
    "*^10.2f",
    ".2f\n",
    "..2f",
]


@pytest.mark.parametrize("fmt", GOOD)
def test_check_fmt_returns_a_valid_float_spec_unchanged(fmt):
    assert viz.check_fmt(fmt) is fmt
    assert isinstance(format(-1234.5678, fmt), str)


@pytest.mark.parametrize("fmt", BAD)
def test_check_fmt_names_the_bad_format_and_shows_examples(fmt):
    with pytest.raises(ValueError, match=r"number format") as info:
        viz.check_fmt(fmt)
    message = str(info.value)
    assert repr(fmt) in message
    assert "'.4g'" in message
    assert "'.3f'" in message


@pytest.mark.parametrize("fmt", [None, 4, b".4g", 4.0])
def test_check_fmt_refuses_non_strings_with_the_same_error(fmt):
    with pytest.raises(ValueError, match=r"number format .*'\.4g'"):
        viz.check_fmt(fmt)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_check_fmt_accepts_only_specs_that_format_floats_compactly(fmt):
    try:
        viz.check_fmt(fmt)
    except ValueError:
        return
    for v in (0.0, -1.5, 1e300, -1e-300, 123456.789):
        assert len(format(v, fmt)) <= 400  # 'f' of 1e300 has 301 digits, the bound adds ≤ 40


def _scalar():
    c = add_mul_circuit()
    c["f"].backward()
    return c["f"]


def _tensor():
    x = Tensor(np.ones((2, 2)), requires_grad=True, name="x")
    y = (x * 2).sum()
    y.backward()
    return y


ENTRIES = {
    "draw_graph scalar": lambda fmt: viz.draw_graph(_scalar(), fmt=fmt),
    "draw_graph tensor": lambda fmt: viz.draw_graph(_tensor(), fmt=fmt),
    "draw_graph explode": lambda fmt: viz.draw_graph(_tensor(), fmt=fmt, explode=True),
    "backprop_steps": lambda fmt: viz.backprop_steps(_scalar(), fmt=fmt),
    "edge_table": lambda fmt: viz.edge_table(_scalar(), fmt),
    "ScalarDot": lambda fmt: ScalarDot(snapshot([_scalar()]), fmt=fmt),
    "TensorDot": lambda fmt: TensorDot(snapshot([_tensor()]), fmt=fmt),
    "style.number": lambda fmt: number(1.0, fmt),
}


@pytest.mark.parametrize("entry", sorted(ENTRIES))
@pytest.mark.parametrize("fmt", ["png", "10000000", "%s", "{0.__class__}"])
def test_every_entry_that_takes_fmt_refuses_a_bad_one_with_the_same_message(entry, fmt):
    with pytest.raises(ValueError, match=r"number format") as info:
        ENTRIES[entry](fmt)
    assert repr(fmt) in str(info.value)


def test_builders_check_fmt_before_drawing_anything():
    # the DOT builders refuse at construction, not at the first number they print
    snap = snapshot([_scalar()])
    with pytest.raises(ValueError, match="number format"):
        ScalarDot(snap, fmt="%d")
