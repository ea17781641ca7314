"""Quick ``tracegrad train`` runs for the tests of what surrounds training (resume, predict,
sample): tiny sequence models on a few hundred examples and no pictures, patched in with a
``pytest.MonkeyPatch``. What the recipes learn at full size is tested in tests/nn."""

from __future__ import annotations

import dataclasses

import pytest

import tracegrad.charlm_recipe as charlm_recipe
import tracegrad.image_recipes as image_recipes
import tracegrad.run_files as run_files
import tracegrad.seq2seq_recipes as seq2seq_recipes
import tracegrad.sequence_recipes as sequence_recipes
from nn.data import dates


class Pictures:
    """Stands in for the plots; ``stop_after = k`` raises KeyboardInterrupt at epoch k's
    curves, after its checkpoint and resume file are written, as Ctrl-C would there."""

    def __init__(self) -> None:
        self.stop_after: int | None = None

    def curves(self, history, **kwargs) -> None:
        if len(history["train loss"]) == self.stop_after:
            self.stop_after = None
            raise KeyboardInterrupt

    def nothing(self, *args, **kwargs) -> None:
        pass


def quick(mp: pytest.MonkeyPatch) -> Pictures:
    """Patch the recipes through ``mp``: no pictures, a char-LSTM of 8/16 units, a date
    Seq2Seq of 16/32 units on 400 generated dates. Returns the picture stand-in."""
    pictures = Pictures()
    mp.setattr(run_files, "plot_curves", pictures.curves)
    mp.setattr(seq2seq_recipes, "plot_attention", pictures.nothing)
    mp.setattr(image_recipes, "plot_reconstructions", pictures.nothing)
    mp.setattr(sequence_recipes, "plot_embeddings", pictures.nothing)
    mp.setattr(charlm_recipe, "EMBED", 8)
    mp.setattr(charlm_recipe, "HIDDEN", 16)
    recipes = seq2seq_recipes.SEQ2SEQ_RECIPES
    mp.setitem(
        recipes, "seq2seq-dates", dataclasses.replace(recipes["seq2seq-dates"], size=(16, 32))
    )
    mp.setitem(
        seq2seq_recipes.SEQ2SEQ_DATA,
        "seq2seq-dates",
        lambda seed: dates.split_dates(400, 40, seed=seed),
    )
    return pictures
