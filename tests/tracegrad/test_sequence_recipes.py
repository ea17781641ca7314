"""``tracegrad train`` for the sequence models, on a few hundred examples (quick runs that
check every output is written; the models' learning is tested in tests/nn)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import tracegrad.sequence_recipes as sequence_recipes
from tracegrad.sequence_recipes import train_sequence_model

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("seq2seq-dates", {"held-out exact match", "samples"}),
        ("seq2seq-poems", {"held-out token accuracy", "samples"}),
        ("lstm-poems", {"held-out perplexity", "samples"}),
        ("word2vec", {"analogy accuracy", "most similar", "words/s"}),
    ],
)
def test_quick_run_writes_metrics_checkpoint_and_pictures(tmp_path, name, expected):
    out = tmp_path / name
    metrics = train_sequence_model(name, out, epochs=1, limit=300, progress=False)
    assert expected <= set(metrics)
    written = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert written["model"] == name
    assert (out / "model.npz").stat().st_size > 0
    if name.startswith("seq2seq"):
        assert (out / "attention_0.png").read_bytes()[:4] == b"\x89PNG"
        assert 0.0 <= metrics["held-out exact match"] <= 1.0
    if name == "lstm-poems":
        assert metrics["held-out perplexity"] > 1.0
    if name == "word2vec":
        assert (out / "projection.png").read_bytes()[:4] == b"\x89PNG"


def test_without_attention_there_is_no_heatmap(tmp_path):
    metrics = train_sequence_model(
        "seq2seq-dates", tmp_path, epochs=1, limit=200, attention=False, progress=False
    )
    assert metrics["attention"] is False
    assert not list(tmp_path.glob("attention_*.png"))


def test_unknown_sequence_model_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown sequence model 'gpt'"):
        train_sequence_model("gpt", tmp_path, epochs=1)


def test_word2vec_writes_what_the_readme_says_and_colours_every_theme_its_title_names(
    tmp_path, monkeypatch
):
    drawn = []
    real = sequence_recipes.plot_embeddings

    def keep(*args, **kwargs):
        drawn.append((kwargs["title"], real(*args, **kwargs)))

    monkeypatch.setattr(sequence_recipes, "plot_embeddings", keep)
    train_sequence_model("word2vec", tmp_path, epochs=1, limit=300, progress=False)

    # the README's sentence: "`tracegrad train word2vec` writes ... so no `curves.png`."
    readme = " ".join(README.read_text(encoding="utf-8").split())
    said = readme.split("`tracegrad train word2vec` writes", 1)[1].split("`curves.png`.", 1)[0]
    promised, absent = said.split(" so no ", 1)
    assert absent == ""  # the sentence ends on the file it does not write: curves.png
    files = set(re.findall(r"`([\w.]+\.(?:png|json|npz|txt))`", promised))
    assert files == {"model.npz", "metrics.json", "projection.png"}
    written = {p.name for p in tmp_path.iterdir()}
    assert written == files | {"run.json"}  # run.json: every run's (tracegrad predict reads it)

    ((title, fig),) = drawn
    themes = title.split(": ", 1)[1].split(", ")
    assert set(themes) <= set(sequence_recipes.THEMES)
    assert len(themes) >= 3
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == themes
    colours = {tuple(c.get_facecolor()[0]) for c in ax.collections if c.get_label() in themes}
    assert len(colours) == len(themes)
