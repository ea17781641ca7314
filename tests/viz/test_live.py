"""viz.live: sliders for the inputs of an expression or a function, the annotated graph
redrawn as they move. Driven from Python: set a slider's value, read the rendered SVG."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import viz
from autograd import Tensor
from tests.viz.svgtext import texts
from viz.expr import ExpressionError
from viz.live import INSTALL, Live
from viz.style import BACKWARD, FORWARD

ipywidgets = pytest.importorskip("ipywidgets")


def _shown(svg: str) -> tuple[list[str], list[str]]:
    return texts(svg, FORWARD), texts(svg, BACKWARD)


def _output_svg(g: Live) -> str:
    (shown,) = g.widget().children[-1].outputs
    return str(shown["data"]["image/svg+xml"])


def test_the_graph_at_the_starting_values_shows_the_slide_numbers():
    g = viz.live("(x+y)*z", x=-2, y=5, z=-4)
    green, red = _shown(g.graph.svg())
    assert "-12" in green
    assert "3" in green
    assert "x: [1] × [-4] = -4" in red
    assert "z: [3] × [1] = 3" in red
    assert g.values == {"x": -2.0, "y": 5.0, "z": -4.0}
    assert g.output.item() == -12.0


def test_moving_a_slider_redraws_the_graph_with_new_values_and_gradients():
    g = viz.live("(x+y)*z", x=-2, y=5, z=-4)
    box = g.widget()
    sliders = {s.description: s for s in box.children if isinstance(s, ipywidgets.FloatSlider)}
    assert list(sliders) == ["x", "y", "z"]
    assert (sliders["x"].min, sliders["x"].max, sliders["x"].step) == (-7.0, 3.0, 0.01)
    assert (sliders["y"].min, sliders["y"].max) == (-5.0, 15.0)  # 5 ± max(5, 2·5)
    sliders["x"].value = 1.0
    assert g.values["x"] == 1.0
    green, red = _shown(g.graph.svg())
    assert "-24" in green
    assert "6" in green
    assert "z: [6] × [1] = 6" in red
    assert "grad 6" in red
    green, red = _shown(_output_svg(g))  # what the widget shows
    assert "-24" in green
    assert "z: [6] × [1] = 6" in red


def test_update_recomputes_and_moves_the_sliders():
    g = viz.live("(x+y)*z", x=-2, y=5, z=-4)
    box = g.widget()
    assert g.update(x=1) is g
    assert g.output.item() == -24.0
    green, red = _shown(g.graph.svg())
    assert "-24" in green
    assert "z: [6] × [1] = 6" in red
    x = box.children[0]
    assert x.value == 1.0
    g.update(x=100)  # past the slider's end: the range grows
    assert x.value == 100.0
    assert x.max >= 100.0
    assert g.output.item() == pytest.approx(-420.0)
    assert "-420" in _shown(_output_svg(g))[0]


def test_every_run_uses_fresh_float64_leaves_named_after_the_inputs():
    g = viz.live("x*x + y", x=3, y=1)
    first = g.output
    g.update(y=2)
    assert g.output is not first
    leaves = {t.name: t for t in first.parents[0].parents} | {"y": g.output.parents[1]}
    assert leaves["x"].dtype == np.float64
    assert leaves["x"].grad == 6.0
    assert g.output.name == "f"


def test_the_function_form_takes_its_parameter_names_and_defaults():
    def neuron(w, x, b=0.5):
        return (w * x + b).sigmoid()

    g = viz.live(neuron, w=2, x=-1)
    assert g.names == ["w", "x", "b"]
    assert g.values["b"] == 0.5
    assert g.output.dtype == np.float64
    assert g.output.item() == pytest.approx(1 / (1 + np.exp(1.5)))
    box = g.widget()
    assert [s.description for s in box.children[:3]] == ["w", "x", "b"]
    box.children[1].value = 0.0  # x = 0: w's gradient is x = 0
    assert g.output.item() == pytest.approx(1 / (1 + np.exp(-0.5)))
    red = texts(g.graph.svg(), BACKWARD)  # σ'(0.5) = 0.235 flows into w·x
    assert "w: [0] × [0.235] = 0" in red
    assert "x: [2] × [0.235] = 0.47" in red


def test_a_lambda_of_the_slides_circuit():
    g = viz.live(lambda x, y, z: (x + y) * z, x=-2, y=5, z=-4)
    assert g.output.item() == -12.0
    g.update(x=1)
    assert "z: [6] × [1] = 6" in texts(g.graph.svg(), BACKWARD)


def test_steps_are_the_step_through_at_the_current_values():
    g = viz.live("(x+y)*z", x=-2, y=5, z=-4)
    g.update(x=1)
    steps = g.steps()
    assert isinstance(steps, viz.Steps)
    assert "x = 1" in steps.captions[0]
    box = g.widget()
    view = next(c for c in box.children if isinstance(c, ipywidgets.ToggleButtons))
    view.value = "step through"
    (shown,) = box.children[-1].outputs
    assert "step-through player" in shown["data"]["text/html"]
    view.value = "graph"
    assert "image/svg+xml" in box.children[-1].outputs[0]["data"]


@pytest.mark.parametrize(
    ("source", "values", "error", "match"),
    [
        ("(x+y)*z", {"x": -2, "y": 5, "z": -4, "w": 1}, ValueError, "unknown input w"),
        ("(x+y)*z", {"x": -2, "y": "five", "z": -4}, TypeError, "value of y must be a number"),
        ("(x+y)*z", {"x": -2, "y": 5}, ExpressionError, "uses z but no value"),
        ("(x+y)*z", {"x": True, "y": 5, "z": 1}, TypeError, "value of x"),
        ("(x+y)*z", {"x": float("nan"), "y": 5, "z": 1}, ValueError, "value of x must be finite"),
        ("log(x)", {"x": -1}, ExpressionError, "not a finite number"),
        ("os.system(x)", {"x": 1}, ExpressionError, "not allowed"),
        ("2*3", {}, ValueError, "uses no variable"),
        (lambda x, y: x * y, {"x": 1}, ValueError, "no value for y"),
        (lambda x, y: x * y, {"x": 1, "y": 2, "q": 3}, ValueError, "unknown input q"),
        (lambda *xs: xs[0], {"x": 1}, TypeError, "cannot be an input"),
        (lambda x: 3.0, {"x": 1}, TypeError, "must return a one-element Tensor"),
        (lambda x: Tensor([1.0, 2.0]) * x, {"x": 1}, TypeError, "one-element"),
        (42, {"x": 1}, TypeError, "expression string or a function"),
    ],
)
def test_bad_inputs_are_refused_naming_the_input(source, values, error, match):
    with pytest.raises(error, match=match):
        viz.live(source, **values)


def test_a_bad_update_changes_nothing():
    g = viz.live("(x+y)*z", x=-2, y=5, z=-4)
    with pytest.raises(ValueError, match="unknown input q"):
        g.update(q=1)
    with pytest.raises(TypeError, match="value of x must be a number"):
        g.update(x="1")
    with pytest.raises(ExpressionError):
        viz.live("log(x)", x=1).update(x=0)
    assert g.values == {"x": -2.0, "y": 5.0, "z": -4.0}
    assert g.output.item() == -12.0


def test_a_slider_moved_where_the_expression_is_undefined_shows_why():
    g = viz.live("log(x)", x=1)
    x = g.widget().children[0]
    x.value = -1.0
    (shown,) = g.widget().children[-1].outputs
    assert "cannot draw at log(x) at x=-1" in shown["data"]["text/plain"]
    assert g.error is not None
    x.value = 2.0
    assert g.error is None
    assert "0.6931" in texts(_output_svg(g), FORWARD)


def test_a_function_that_raises_at_a_slider_position_shows_its_error():
    def picky(x):
        if x.item() > 3:
            raise RuntimeError("x is too large for this lesson")
        return x * x

    g = viz.live(picky, x=1)
    x = g.widget().children[0]
    x.value = 4.0
    (shown,) = g.widget().children[-1].outputs
    assert "RuntimeError: x is too large for this lesson" in shown["data"]["text/plain"]
    x.value = 2.0
    assert g.error is None
    assert "x: [2] × [1] = 2" in texts(_output_svg(g), BACKWARD)


def test_without_ipywidgets_the_widget_names_the_extra_and_the_rest_works(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    g = viz.live("(x+y)*z", x=-2, y=5, z=-4)
    with pytest.raises(ImportError, match=r"pip install 'tracegrad\[notebook\]'"):
        g.widget()
    assert INSTALL == "pip install 'tracegrad[notebook]'"
    g._ipython_display_()  # prints the message, then shows the static graph
    assert INSTALL in capsys.readouterr().out
    g.update(x=1)
    assert "z: [6] × [1] = 6" in texts(g.graph.svg(), BACKWARD)
    assert "<svg" in g._repr_html_()
    assert len(g.steps()) > 0


def test_in_jupyter_the_widget_comes_with_a_static_picture(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    g = viz.live("(x+y)*z", x=-2, y=5, z=-4)
    g._ipython_display_()
    (bundle,) = shown
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "<svg" in bundle["text/html"]
    assert "(x+y)*z at x=-2, y=5, z=-4" in bundle["text/html"]


def test_importing_viz_does_not_import_ipywidgets():
    code = "import sys, viz; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
