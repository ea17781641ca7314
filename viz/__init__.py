"""Pictures of the recorded graph: annotated gradient graphs (DOT → SVG/PNG), a
step-through backprop player (one self-contained HTML file), and matplotlib plots.

viz only reads the public graph API (``op``, ``parents``, ``scope``, ``name``, ``data``,
``grad``, ``vjp``, ``autograd.topological_order``); it never changes a graph it draws.
"""

from viz.explode import explode_op
from viz.graph import Graph, draw_graph
from viz.plots import (
    plot_attention,
    plot_curves,
    plot_embeddings,
    plot_feature_maps,
    plot_filters,
    plot_reconstructions,
    project_2d,
)
from viz.steps import Steps, backprop_steps
from viz.style import check_fmt
from viz.text import edge_table

__all__ = [
    "Graph",
    "Steps",
    "backprop_steps",
    "check_fmt",
    "draw_graph",
    "edge_table",
    "explode_op",
    "plot_attention",
    "plot_curves",
    "plot_embeddings",
    "plot_feature_maps",
    "plot_filters",
    "plot_reconstructions",
    "project_2d",
]
