"""Pictures of the recorded graph: annotated gradient graphs (DOT → SVG/PNG), a
step-through backprop player (one self-contained HTML file), and matplotlib plots.

viz only reads the public graph API (``op``, ``parents``, ``scope``, ``name``, ``data``,
``grad``, ``vjp``, ``backward_of``, ``backward_role``, ``autograd.topological_order``); it
never changes a graph it draws.

The backward pass drawn: gradients computed with ``create_graph=True`` are graphs too.
``viz.draw_backward(f)`` draws ``f`` with the recorded computation of its gradients — the
forward pass above, the backward pass below running right to left, each backward node
labelled with the forward op it is the backward of ("∂ of mul (f)", "Σ grads into x") —
and ``draw_graph``/``backprop_steps`` on such a gradient draw and step through it (its
backward is then the second-order one)::

    from viz.circuits import add_mul_circuit
    c = add_mul_circuit()                                   # f = (x + y)·z
    viz.draw_backward(c["f"]).save("add_mul_backward.svg")  # ∂f/∂x = -4, ∂f/∂z = 3 drawn
    (gx,) = autograd.grad(c["f"], [c["x"]], create_graph=True)
    viz.backprop_steps(gx).save_html("second_order.html")  # the backward of the backward
"""

from __future__ import annotations

import importlib
from typing import Any

from viz.backward import draw_backward
from viz.explode import explode_op
from viz.graph import Graph, draw_graph
from viz.live import Live, live
from viz.steps import Steps, backprop_steps
from viz.style import check_fmt
from viz.text import edge_table

# The plots need matplotlib, which is slow to import and writes a config/cache directory on
# first use: imported on first access, so drawing graphs never pays for it.
_PLOTS = {
    "plot_attention": "viz.plots",
    "plot_curves": "viz.plots",
    "plot_embeddings": "viz.plots",
    "plot_feature_maps": "viz.plots",
    "plot_filters": "viz.plots",
    "plot_reconstructions": "viz.plots",
    "project_2d": "viz.plots",
}


def __getattr__(name: str) -> Any:
    if name in _PLOTS:
        value = getattr(importlib.import_module(_PLOTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'viz' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Graph",
    "Live",
    "Steps",
    "backprop_steps",
    "check_fmt",
    "draw_backward",
    "draw_graph",
    "edge_table",
    "explode_op",
    "live",
    "plot_attention",
    "plot_curves",
    "plot_embeddings",
    "plot_feature_maps",
    "plot_filters",
    "plot_reconstructions",
    "project_2d",
]
