"""Importing the library stays light: matplotlib (slow, and it writes a config directory on
first use) loads only when a plot is asked for."""

from __future__ import annotations

import subprocess
import sys

import pytest

import viz

CHECK = """
import sys
import autograd, nn, viz
from viz import draw_graph, backprop_steps
print('matplotlib' in sys.modules)
viz.plot_curves
print('matplotlib' in sys.modules)
"""


def test_matplotlib_loads_only_when_a_plot_is_used():
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]


def test_unknown_viz_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'plot_nothing'"):
        viz.plot_nothing  # noqa: B018
    assert "plot_curves" in dir(viz)
