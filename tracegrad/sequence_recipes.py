"""``tracegrad train`` for the sequence models: a char-LSTM writing Tang lines
(`tracegrad.charlm_recipe`), Seq2Seq on dates, poems and KJV → modern English
(`tracegrad.seq2seq_recipes`), and word2vec on the World English Bible (here).

Each run writes into its folder ``run.json``, the checkpoint and ``metrics.json``. The
char-LSTM and Seq2Seq runs checkpoint once per epoch (``model.npz``, atomic, with
``resume.npz`` beside it) and write ``curves.png`` and ``samples.txt``; the Seq2Seq runs also
an attention heatmap per example (``attention_*.png``). word2vec writes ``model.npz`` once, at
the end, and ``projection.png`` (a 2-D projection of its vectors, a colour per theme): its
Numba loop records no loss, so it has no curves.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from nn.data import corpora
from nn.word2vec import Word2Vec
from tracegrad.args import check_settings
from tracegrad.charlm_recipe import lstm_poems
from tracegrad.recipes import MODELS, SEQ2SEQ_RECIPES, SEQUENCE_MODELS
from tracegrad.run_files import write_json, write_run_info, write_text
from tracegrad.seq2seq_recipes import seq2seq_run
from viz.plots import plot_embeddings

# -- word2vec --------------------------------------------------------------------------------
PROBE_WORDS = ("king", "water", "love", "god", "son", "land")
# themes for the 2-D picture: words of one theme should land near each other
THEMES = {
    "family": "father mother son daughter brother sister wife husband",
    "rulers": "king kings prince princes queen chief captain",
    "nature": "water river sea rain tree field earth mountain",
    "animals": "sheep cattle goats camels donkeys oxen rams lambs",
    "numbers": "two three four five seven ten hundred thousand",
}


def projection_title(groups: dict[str, list[str]]) -> str:
    """The projection's title: it names the themes drawn, each in its own colour."""
    return f"word2vec on the World English Bible (PCA): {', '.join(groups)}"


def word2vec(
    out: Path,
    *,
    epochs: int,
    seed: int,
    progress: bool,
    limit: int | None = None,
    lr: float = 0.025,
) -> dict:
    """Skip-gram with negative sampling on the bundled Bible part; neighbours, analogies,
    and a 2-D PCA projection of common words. ``lr`` is SGD's starting alpha (gensim's)."""
    from nn.data.analogies import ANALOGIES

    sentences = corpora.load_bible_sentences()[:limit]
    start = time.perf_counter()
    model = Word2Vec.train(
        sentences,
        vector_size=100,
        window=5,
        min_count=5,
        sg=1,
        negative=5,
        epochs=epochs,
        alpha=lr,
        seed=seed,
    )
    seconds = time.perf_counter() - start
    model.save(out / "model.npz")
    write_run_info(out, "word2vec", "model.npz")
    neighbours = {
        w: [(n, round(c, 3)) for n, c in model.most_similar(w, topn=8)]
        for w in PROBE_WORDS
        if w in model.vocab
    }
    accuracy, used = model.evaluate_analogies(ANALOGIES)
    groups = {t: [w for w in ws.split() if w in model.vocab] for t, ws in THEMES.items()}
    groups = {t: ws for t, ws in groups.items() if ws}  # a short run may miss a theme
    words = [w for ws in groups.values() for w in ws]
    if words:
        plot_embeddings(
            np.stack([model.vector(w) for w in words]),
            words,
            title=projection_title(groups),
            groups=groups,
            path=out / "projection.png",
        )
    words_total = sum(len(s) for s in sentences) * epochs
    return {
        "most similar": neighbours,
        "analogy accuracy": accuracy,
        "analogies used": used,
        "words/s": round(words_total / seconds),
        "seconds": round(seconds, 1),
        "vocab": len(model.vocab),
    }


# -- the entry point -------------------------------------------------------------------------
def _check(name: str, attention: bool, settings: dict, resume: bool) -> None:
    """ValueError for an unknown model, a setting it does not take (`check_settings`), or a
    resume it cannot do."""
    if name not in SEQUENCE_MODELS:
        raise ValueError(f"unknown sequence model {name!r}; choose from {SEQUENCE_MODELS}")
    check_settings(**settings)
    if resume and MODELS[name].resume:
        raise ValueError(f"cannot resume: {MODELS[name].resume}")
    if name == "word2vec" and settings["batch_size"] is not None:
        raise ValueError("word2vec trains pair by pair: batch_size does not apply")
    if not attention and name not in SEQ2SEQ_RECIPES:
        raise ValueError(f"attention=False applies to the seq2seq models, not {name}")


def train_sequence_model(
    name: str,
    out: Path,
    *,
    epochs: int | None = None,
    lr: float | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    attention: bool = True,
    progress: bool = True,
    limit: int | None = None,
    resume: bool = False,
) -> dict:
    """Run ``tracegrad train NAME`` for a sequence model; returns and writes the metrics.

    ``epochs``, ``lr`` and ``batch_size`` left as None take the run's defaults; given, they
    are used as they are (epochs and batch_size >= 1, lr finite > 0, else ValueError).
    word2vec trains pair by pair (``lr`` is its starting alpha; a ``batch_size`` is refused),
    and only the seq2seq runs take ``attention=False``.
    ``limit`` caps the training examples (sentences for word2vec) for a quick run.
    ``resume``: continue the run saved in ``out`` from its last complete epoch up to
    ``epochs`` (`tracegrad.run_state`), with the arguments it started with; word2vec cannot."""
    _check(name, attention, dict(epochs=epochs, lr=lr, batch_size=batch_size, seed=seed), resume)
    out.mkdir(parents=True, exist_ok=True)
    epochs = MODELS[name].epochs if epochs is None else epochs
    given = {k: v for k, v in {"lr": lr, "batch_size": batch_size}.items() if v is not None}
    run = dict(epochs=epochs, seed=seed, progress=progress, limit=limit, **given)
    start = time.perf_counter()
    if name == "lstm-poems":
        metrics = lstm_poems(out, resume=resume, **run)
    elif name == "word2vec":
        metrics = word2vec(out, **run)
    else:
        metrics = seq2seq_run(name, out, attention=attention, resume=resume, **run)
    metrics.update(model=name, epochs=epochs, seconds=round(time.perf_counter() - start, 1))
    metrics.update(given)
    samples = metrics.get("samples")
    if samples:
        write_text(out / "samples.txt", "\n".join(samples) + "\n")
    write_json(out / "metrics.json", metrics)
    return metrics
