"""``live``: a scalar graph redrawn as its inputs move, for Jupyter.

``viz.live("(x+y)*z", x=-2, y=5, z=-4)`` (an expression parsed by `viz.expr`, as
``tracegrad graph`` does) or ``viz.live(fn, x=-2, ...)`` (a function of a few named scalars:
its parameter names are the inputs) shows one slider per input and the annotated graph —
values, gradients, ``[local] × [upstream]`` on every wire — computed again (forward and
backward on fresh float64 Tensors named after the inputs) each time a slider moves. A toggle
shows the step-through player (`backprop_steps`) at the current values instead.

``Live.update(x=1)`` recomputes from Python, ``Live.graph`` is the current `Graph`,
``Live.steps()`` the current `Steps`. The sliders need ipywidgets (the extra
``tracegrad[notebook]``), imported only when the widget is shown; without it ``update``,
``graph`` and ``steps`` still work and showing the widget says what to install.
"""

from __future__ import annotations

import ast
import html
import importlib
import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from autograd import Tensor
from viz.expr import FUNCTIONS, ExpressionError, parse_expression
from viz.graph import Graph, draw_graph
from viz.steps import Steps, backprop_steps

INSTALL = "pip install 'tracegrad[notebook]'"
STEP = 0.01
OUTPUT = "f"  # the name drawn at the end of an expression's output wire
_VIEWS = ("graph", "step through")


def _half_width(value: float) -> float:
    """How far a slider reaches either side of its starting value."""
    return max(5.0, 2.0 * abs(value))


def _number(name: str, raw: object) -> float:
    """``raw`` as a finite float, else a ValueError/TypeError naming the input."""
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        raise TypeError(f"viz.live: the value of {name} must be a number, got {raw!r}")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"viz.live: the value of {name} must be finite, got {value}")
    return value


def _expression_names(text: str) -> list[str]:
    """The variables of an expression `parse_expression` accepted, in order of appearance."""
    tree = ast.parse(text.strip(), mode="eval")
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called]
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in found))


def _check_expression(text: str, values: Mapping[str, float]) -> None:
    """Parse ``text`` at ``values``; a variable without a value is named as such."""
    try:
        parse_expression(text, values)
    except ExpressionError as err:
        try:
            names = _expression_names(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            names = []
        missing = [n for n in names if n not in values and n not in FUNCTIONS]
        if missing:
            try:  # the rest of the expression is fine: only values are missing
                parse_expression(text, {**values, **dict.fromkeys(missing, 1.0)})
            except ExpressionError:
                pass
            else:
                raise ExpressionError(
                    f"viz.live: {text!r} uses {', '.join(missing)} but no value was given for "
                    f"it: add a starting value, e.g. viz.live({text!r}, ..., {missing[0]}=1.0)"
                ) from None
        raise ExpressionError(f"viz.live: {err}") from None


class Live:
    """One expression or function, its current input values, and the drawings at them.

    Build it with `live`. ``values`` maps each input to its current value, ``output`` is
    the current root Tensor (backpropagated), ``graph`` its `Graph`; ``steps()`` the
    step-through at the current values; ``update(**values)`` changes some inputs and
    recomputes (the sliders follow). ``widget()`` is the ipywidgets box (sliders, a
    graph/step-through toggle, the picture).
    """

    def __init__(
        self,
        source: str | Callable[..., Tensor],
        values: Mapping[str, object],
        *,
        fmt: str = ".4g",
    ) -> None:
        self.source = source
        self.fmt = fmt
        name = getattr(source, "__name__", OUTPUT)
        self.title = source if isinstance(source, str) else name.replace("<lambda>", OUTPUT)
        if isinstance(source, str):
            # parse once at the given values: its errors name a missing or bad input
            _check_expression(source, {k: _number(k, v) for k, v in values.items()})
            self.names = _expression_names(source)
            if not self.names:
                raise ValueError(f"viz.live: {source!r} uses no variable: there is nothing to move")
            defaults: dict[str, float] = {}
        elif callable(source):
            self.names, defaults = self._parameters(source)
        else:
            raise TypeError(
                "viz.live: expected an expression string or a function of named scalars, "
                f"got {type(source).__name__}"
            )
        self._check_names(values)
        start = dict(defaults)
        start.update({k: _number(k, v) for k, v in values.items()})
        if missing := [n for n in self.names if n not in start]:
            raise ValueError(
                f"viz.live: no value for {', '.join(missing)}: give each input a starting "
                f"value, e.g. viz.live(..., {missing[0]}=1.0)"
            )
        self.values: dict[str, float] = {n: start[n] for n in self.names}
        self.output: Tensor = self._compute(self.values)
        self.graph: Graph = self._draw(self.output)
        self.error: str | None = None  # why the last slider move could not be drawn
        self._widgets: dict[str, Any] | None = None
        self._syncing = False

    # --- inputs ---------------------------------------------------------------------------

    @staticmethod
    def _parameters(fn: Callable[..., Tensor]) -> tuple[list[str], dict[str, float]]:
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError):
            raise TypeError(f"viz.live: cannot read the parameters of {fn!r}") from None
        names: list[str] = []
        defaults: dict[str, float] = {}
        for p in signature.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.kind == p.POSITIONAL_ONLY:
                raise TypeError(
                    f"viz.live: the function's parameter {p} cannot be an input: use plain "
                    "named parameters, e.g. def f(x, y, z): return (x + y) * z"
                )
            names.append(p.name)
            if p.default is not p.empty:
                defaults[p.name] = _number(p.name, p.default)
        if not names:
            raise ValueError("viz.live: the function has no parameters: there is nothing to move")
        return names, defaults

    def _check_names(self, values: Mapping[str, object]) -> None:
        for name in values:
            if name not in self.names:
                what = "expression" if isinstance(self.source, str) else "function"
                raise ValueError(
                    f"viz.live: unknown input {name}: the {what} {self.title!r} has inputs "
                    f"{', '.join(self.names)}"
                )

    # --- computing and drawing ------------------------------------------------------------

    def _compute(self, values: Mapping[str, float]) -> Tensor:
        """Forward and backward on fresh float64 leaves named after the inputs."""
        if isinstance(self.source, str):
            try:
                out = parse_expression(self.source, values)
            except ExpressionError as err:
                raise ExpressionError(f"viz.live: {err}") from None
        else:
            leaves = {
                n: Tensor(np.array(v, dtype=np.float64), requires_grad=True, name=n)
                for n, v in values.items()
            }
            out = self.source(**leaves)
            if not isinstance(out, Tensor) or out.size != 1:
                got = f"a Tensor of shape {out.shape}" if isinstance(out, Tensor) else repr(out)
                raise TypeError(
                    f"viz.live: {self.title} must return a one-element Tensor computed from "
                    f"its inputs, got {got}"
                )
        if not out.requires_grad:
            raise ValueError(
                f"viz.live: {self.title!r} does not depend on its inputs: no gradient to draw"
            )
        if not out.name:  # a fresh root: drawn as the slides name it
            out.name = OUTPUT
        with np.errstate(all="ignore"):
            out.backward()
        return out

    def _draw(self, out: Tensor) -> Graph:
        return draw_graph(out, fmt=self.fmt)

    def update(self, **values: object) -> Live:
        """Set some inputs (e.g. ``update(x=1)``), recompute and redraw; returns ``self``.

        An unknown name or a value that is not a finite number raises, naming the input,
        and changes nothing.
        """
        self._check_names(values)
        new = dict(self.values)
        new.update({k: _number(k, v) for k, v in values.items()})
        out = self._compute(new)
        self.values, self.output, self.graph = new, out, self._draw(out)
        self.error = None
        self._sync_sliders()
        self._refresh()
        return self

    def steps(self) -> Steps:
        """The step-through player at the current values."""
        return backprop_steps(self.output, fmt=self.fmt, title=self._caption())

    def _caption(self) -> str:
        at = ", ".join(f"{n}={v:{self.fmt}}" for n, v in self.values.items())
        return f"{self.title} at {at}"

    # --- the widget -----------------------------------------------------------------------

    def widget(self) -> Any:
        """The ipywidgets box: a slider per input, the graph/step-through toggle, the
        picture. Raises ImportError saying what to install when ipywidgets is missing."""
        if self._widgets is None:
            self._widgets = self._build()
        return self._widgets["box"]

    def _build(self) -> dict[str, Any]:
        try:
            w = importlib.import_module("ipywidgets")
        except ImportError:
            raise ImportError(
                f"viz.live needs ipywidgets for its sliders: {INSTALL} (or pip install "
                "ipywidgets); update(), graph and steps() work without it"
            ) from None
        sliders = {}
        for name, value in self.values.items():
            reach = _half_width(value)
            slider = w.FloatSlider(
                value=value,
                min=value - reach,
                max=value + reach,
                step=STEP,
                description=name,
                continuous_update=True,
                readout_format=".2f",
            )
            slider.observe(self._on_slide, names="value")
            sliders[name] = slider
        view = w.ToggleButtons(options=list(_VIEWS), value=_VIEWS[0])
        view.observe(lambda _change: self._refresh(), names="value")
        out = w.Output()
        box = w.VBox([*sliders.values(), view, out])
        widgets = {"box": box, "sliders": sliders, "view": view, "out": out}
        self._widgets = widgets
        self._refresh()
        return widgets

    def _on_slide(self, _change: Any) -> None:
        if self._syncing or self._widgets is None:
            return
        values = {n: float(s.value) for n, s in self._widgets["sliders"].items()}
        try:
            out = self._compute(values)
        except Exception as err:  # a callback's exception would vanish into the kernel log
            self.values, self.error = values, f"{type(err).__name__}: {err}"
        else:
            self.values, self.output, self.graph = values, out, self._draw(out)
            self.error = None
        self._refresh()

    def _sync_sliders(self) -> None:
        """Move the sliders to ``values``, widening a range a value falls outside."""
        if self._widgets is None:
            return
        self._syncing = True
        try:
            for name, slider in self._widgets["sliders"].items():
                value = self.values[name]
                if value < slider.min:
                    slider.min = value - _half_width(value)
                if value > slider.max:
                    slider.max = value + _half_width(value)
                slider.value = value
        finally:
            self._syncing = False

    def _refresh(self) -> None:
        """Put the current picture (or the step-through, or the error) in the output area."""
        if self._widgets is None:
            return
        data: dict[str, str]
        if self.error is not None:
            message = f"cannot draw at {self._caption()}: {self.error}"
            data = {"text/plain": message, "text/html": f"<pre>{html.escape(message)}</pre>"}
        elif self._widgets["view"].value == _VIEWS[1]:
            steps = self.steps()
            data = {"text/plain": repr(steps), "text/html": steps._repr_html_()}
        else:
            data = {"text/plain": repr(self.graph), "image/svg+xml": self.graph._repr_svg_()}
        self._widgets["out"].outputs = (
            {"output_type": "display_data", "data": data, "metadata": {}},
        )

    # --- Jupyter --------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """The current graph as a static picture (pages that cannot run widgets)."""
        return f"<div><p>{html.escape(self._caption())}</p>{self.graph._repr_svg_()}</div>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        try:
            box = self.widget()
        except ImportError as err:
            print(err)
            display(self.graph)
            return
        bundle = dict(box._repr_mimebundle_())
        bundle["text/html"] = self._repr_html_()  # shown where widgets cannot run
        display(bundle, raw=True)

    def __repr__(self) -> str:
        return f"<viz.Live: {self._caption()}>"


def live(source: str | Callable[..., Tensor], /, **values: object) -> Live:
    """Sliders for the named inputs of ``source`` and its annotated graph, redrawn as they
    move (in Jupyter; ipywidgets comes with ``tracegrad[notebook]``).

    ``source`` is an expression (``"(x+y)*z"``: numbers, variables, ``+ - * / **`` and
    ``exp log tanh sigmoid relu``, parsed by `viz.expr`, never run as Python) or a function
    whose parameters are the inputs (``lambda x, y, z: (x + y) * z``; it gets float64 scalar
    Tensors and returns a one-element Tensor). ``values`` are the starting values, one per
    input (a function's defaults count). Each slider spans the value ± max(5, 2·|value|)
    in steps of 0.01. ``update(**values)`` recomputes from code, ``graph`` is the current
    `Graph`, ``steps()`` the step-through player at the current values::

        g = viz.live("(x+y)*z", x=-2, y=5, z=-4)   # f = -12, x's gradient -4
        g.update(x=1)                              # f = -24, z's gradient 6
    """
    return Live(source, values)


__all__ = ["INSTALL", "Live", "live"]
