"""viz.wrap: the longest chain of a graph cut into columns."""

from __future__ import annotations

import itertools

from viz.wrap import columns, longest_path


def test_longest_path_follows_the_longest_chain_not_the_first_branch() -> None:
    units = ["a", "b", "c", "d", "e"]
    edges = [("a", "e"), ("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")]
    assert longest_path(units, edges) == ["a", "b", "c", "d", "e"]
    assert longest_path([], []) == []


def test_a_chain_is_cut_into_equal_columns_and_side_inputs_go_with_what_they_feed() -> None:
    chain = [f"s{i}" for i in range(30)]
    edges = [(u, v) for u, v in itertools.pairwise(chain)] + [("w", "s20"), ("s5", "out")]
    cols = columns([*chain, "w", "out"], edges, 3)
    assert cols is not None
    assert cols.heads == ["s0", "s10", "s20"]
    assert [cols.column[f"s{i}"] for i in (0, 9, 10, 19, 20, 29)] == [0, 0, 1, 1, 2, 2]
    assert cols.column["w"] == 2  # a weight goes with the step it feeds
    assert cols.column["out"] == 0  # a side output with the step it reads
    assert cols.cut("s9", "s10")
    assert not cols.cut("s8", "s9")


def test_a_short_chain_is_not_cut() -> None:
    chain = [f"s{i}" for i in range(6)]
    assert columns(chain, list(itertools.pairwise(chain)), 2) is None
    assert columns(chain, list(itertools.pairwise(chain)), 1) is None
