"""Held-out splits and quick-run limits for the text recipes (lists of poems, verse pairs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from nn.data import train_test_split


def split_items(items: list[Any], test_fraction: float, seed: int) -> tuple[list, list]:
    """``items`` shuffled by ``seed`` into (train, held-out) lists, round(n · test_fraction)
    held out, by `nn.data.train_test_split` over the indices.

    The held-out items are the tail of the seeded permutation, the split every published
    result of these recipes was measured on; `train_test_split` puts its test part at the
    head, so it is asked for the complement (its "test" part is our training part)."""
    (tail,), (head,) = train_test_split(
        np.arange(len(items)), test_fraction=1 - test_fraction, seed=seed
    )
    return [items[i] for i in head], [items[i] for i in tail]


def limit_items(train: list, test: list, limit: int | None) -> tuple[list, list]:
    """At most ``limit`` training items and a tenth as many (at least 10) held-out ones:
    quick runs for tests and smoke checks; None keeps everything."""
    if limit is None:
        return train, test
    return train[:limit], test[: max(10, limit // 10)]
