"""Pictures of the recorded graph. For now: a text view of values, gradients and edges."""

from viz.text import edge_table

__all__ = ["edge_table"]
