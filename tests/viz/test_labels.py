"""Whatever text a user gives a graph (tensor names, scopes, op names of their own
Functions, titles) reaches the picture readable and never breaks rendering."""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd
import viz
from autograd import Tensor
from autograd.function import Function
from tests.viz.svgtext import parse, texts
from viz.style import MAX_TEXT, esc, printable

NASTY = {
    "nul": "a\x00b",
    "ansi": "\x1b[31mred",
    "newline": "a\nb",
    "tab": "a\tb",
    "markup": "<&>\"'",
    "form feed": "a\x0cb",
    "delete": "a\x7fb",
    "c1": "a\x85b",
    "surrogate": "a\ud800b",
    "noncharacter": "a\uffffb",
    "brackets": "a]b}{",
    "backslash": "a\\b",
}


def _scalar(name: str) -> Tensor:
    x = Tensor(2.0, requires_grad=True, name=name)
    y = x * 3
    y.name = name
    y.backward()
    return y


def _tensor(name: str) -> Tensor:
    x = Tensor(np.ones((2, 2)), requires_grad=True, name=name)
    with autograd.name_scope(name):
        y = (x * 2).sum()
    y.name = name
    y.backward()
    return y


def _shown(svg: str) -> str:
    return " ".join(texts(svg))


@pytest.mark.parametrize("name", NASTY.values(), ids=NASTY.keys())
def test_printable_leaves_no_control_character_and_keeps_the_text_recognisable(name):
    shown = printable(name)
    assert all(ch.isprintable() for ch in shown), repr(shown)
    assert shown.startswith("a") or shown.startswith("\\x1b") or shown.startswith("<")
    shown.encode("utf-8")  # no lone surrogates left


def test_printable_spells_control_characters_as_escapes():
    assert printable("a\x00b") == "a\\x00b"
    assert printable("a\nb\tc") == "a\\nb\\tc"
    assert printable("\x1b[31m") == "\\x1b[31m"
    assert printable("plain σ × text") == "plain σ × text"


def test_printable_shortens_huge_text_in_the_middle():
    shown = printable("a" * 10_000 + "z")
    assert len(shown) == MAX_TEXT
    assert shown.startswith("aaa")
    assert shown.endswith("z")
    assert "…" in shown


def test_esc_of_markup_is_escaped_once():
    assert esc("<&>") == "&lt;&amp;&gt;"


@pytest.mark.parametrize("name", NASTY.values(), ids=NASTY.keys())
def test_scalar_graph_with_any_name_renders_and_shows_it(name):
    svg = viz.draw_graph(_scalar(name)).svg()
    parse(svg)
    assert printable(name) in _shown(svg)


@pytest.mark.parametrize("name", NASTY.values(), ids=NASTY.keys())
def test_tensor_graph_with_any_name_and_scope_renders(name):
    svg = viz.draw_graph(_tensor(name)).svg()
    parse(svg)
    assert printable(name) in _shown(svg)


@pytest.mark.parametrize("name", NASTY.values(), ids=NASTY.keys())
def test_step_player_with_any_name_and_title_is_clean_html(name, tmp_path):
    steps = viz.backprop_steps(_scalar(name), title=name)
    page = steps.save_html(tmp_path / "steps.html").read_text(encoding="utf-8")
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in page)
    assert html.escape(printable(name)) in page  # in the <title> and <h3>
    for frame in steps.frames:
        ET.fromstring(frame.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


@pytest.mark.parametrize("name", NASTY.values(), ids=NASTY.keys())
def test_edge_table_prints_names_without_control_characters(name):
    table = viz.edge_table(_scalar(name))
    assert "\x1b" not in table
    assert "\x00" not in table
    assert printable(name) in table
    table.encode("utf-8")


class Squash(Function, register=False):
    """A user's op whose name holds control characters."""

    name = "squash\x1b[0m\x00"

    @staticmethod
    def forward(ctx, a):
        return a * 0.5

    @staticmethod
    def backward(ctx, grad):
        return grad * 0.5


def test_user_function_op_name_with_control_characters_renders():
    x = Tensor(1.0, requires_grad=True, name="x")
    y = Squash.apply(x)
    y.backward()
    svg = viz.draw_graph(y).svg()
    assert printable(Squash.name) in _shown(svg)
    steps = viz.backprop_steps(y)
    assert any(printable(Squash.name) in c for c in steps.captions)
    big = Squash.apply(Tensor(np.ones(3), requires_grad=True)).sum()
    big.backward()
    parse(viz.draw_graph(big).svg())
