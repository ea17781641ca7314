"""The models ``tracegrad`` trains, built from a plain description: ``{"class": "MLP",
"kwargs": {"sizes": [64, 64, 10], "activation": "relu"}}``. The recipes build their model
from the description they also write into ``run.json``, so inference rebuilds exactly the
model that was trained (only these classes; nothing is imported by name)."""

from __future__ import annotations

from typing import Any

import nn

CLASSES: dict[str, type[nn.Module]] = {
    "MLP": nn.MLP,
    "LeNet5": nn.LeNet5,
    "Autoencoder": nn.Autoencoder,
    "Seq2Seq": nn.Seq2Seq,
    "CharLSTM": nn.CharLSTM,
}


def spec(cls: str, **kwargs: Any) -> dict[str, Any]:
    """The description of ``cls(**kwargs)`` (JSON-able)."""
    if cls not in CLASSES:
        raise ValueError(f"unknown model class {cls!r}; known: {sorted(CLASSES)}")
    return {"class": cls, "kwargs": kwargs}


def build(description: Any) -> nn.Module:
    """The model a `spec` describes, freshly initialised; ValueError for anything else."""
    if not isinstance(description, dict) or not isinstance(description.get("kwargs"), dict):
        raise ValueError(f"not a model description: {description!r}")
    cls = CLASSES.get(description.get("class"))  # type: ignore[arg-type]
    if cls is None:
        raise ValueError(
            f"unknown model class {description.get('class')!r}; known: {sorted(CLASSES)}"
        )
    try:
        return cls(**description["kwargs"])
    except (TypeError, ValueError) as err:
        raise ValueError(f"cannot build {cls.__name__}: {err}") from None
