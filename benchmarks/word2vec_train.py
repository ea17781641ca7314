"""Workload ``word2vec_train``: one epoch of word2vec training on a whole corpus, against gensim.

Skip-gram, 5 negatives, window 5, min_count 5, vectors of 100, sample 1e-3, one worker, seed 0:
the same settings for both engines. The corpus is the World English Bible part shipped with
``nn.data.corpora.load_bible_sentences()`` when that exists, else a synthetic Zipf corpus
(`synthetic_sentences`). Setup builds the vocabulary (untimed); a step is one epoch from
the current vectors, turning tokens into ids included (gensim does that in its loop too).

- ``tracegrad``: ``nn.Word2Vec`` with ``fit(sentences, epochs=1)`` (the Numba kernel).
- ``gensim``: ``gensim.models.Word2Vec`` with ``train(sentences, epochs=1)`` (Cython + BLAS).

A step returns (raw words in the corpus, words kept after subsampling): the first agrees
exactly, the second within a few percent (each engine draws its own random numbers).
Words per second are in the notes. ``python -m benchmarks.word2vec_train`` also trains both
for 5 epochs and prints analogy accuracy on the questions of `ANALOGIES` found in vocabulary.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.harness import Prepared, StepResult
from nn.data.analogies import ANALOGIES

DESCRIPTION = "word2vec skip-gram NS: one epoch, window 5, dim 100, 5 negatives, 1 worker"
ENGINES = ("tracegrad", "gensim")
REPEATS = dict.fromkeys(ENGINES, 3)
WARMUP = dict.fromkeys(ENGINES, 1)
TOLERANCE = {"grad_probe": 0.05}

SETTINGS = dict(vector_size=100, window=5, min_count=5, sg=1, negative=5, sample=1e-3, seed=0)


#: (a, b, c, d): a is to b as c is to d; only questions with all four words in vocab are used
def synthetic_sentences(n_sentences: int = 60_000, vocab: int = 10_000, seed: int = 0):
    """Sentences of 5-30 words drawn from a Zipf law over ``vocab`` words ``w0, w1, …``."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, vocab + 1)
    lengths = rng.integers(5, 31, n_sentences)
    ids = rng.choice(vocab, lengths.sum(), p=p / p.sum())
    words = np.array([f"w{i}" for i in range(vocab)])[ids].tolist()
    out, start = [], 0
    for n in lengths:
        out.append(words[start : start + n])
        start += n
    return out


def corpus() -> tuple[list[list[str]], str]:
    """The sentences and the corpus name."""
    try:
        from nn.data.corpora import load_bible_sentences
    except ImportError:
        return synthetic_sentences(), "synthetic Zipf (60k sentences, vocab 10k)"
    return load_bible_sentences(), "World English Bible"


def _tracegrad(sentences, seed: int = 0):
    from nn.word2vec import Word2Vec

    s = dict(SETTINGS, seed=seed)
    model = Word2Vec.train(sentences, epochs=0, **s)  # vocabulary and initial vectors only
    fit = dict(window=s["window"], sample=s["sample"], seed=s["seed"])
    return lambda epochs: model.fit(sentences, epochs=epochs, **fit).words_trained, model


def _gensim(sentences, seed: int = 0):
    from gensim.models import Word2Vec

    model = Word2Vec(workers=1, hs=0, **dict(SETTINGS, seed=seed))
    model.build_vocab(sentences)

    def run(epochs: int) -> int:
        kept, _ = model.train(sentences, total_examples=model.corpus_count, epochs=epochs)
        return kept

    return run, model


def setup(engine: str) -> Prepared:
    """Return the timed step for ``engine`` (one of ``ENGINES``)."""
    builders = {"tracegrad": _tracegrad, "gensim": _gensim}
    if engine not in builders:
        raise ValueError(f"word2vec_train: unknown engine {engine!r}")
    sentences, name = corpus()
    raw = sum(len(s) for s in sentences)
    run, _ = builders[engine](sentences)
    prepared = Prepared(lambda: (0.0, 0.0), notes=[])

    def step() -> StepResult:
        start = time.perf_counter()
        kept = run(1)
        seconds = time.perf_counter() - start
        prepared.notes[:] = [
            f"word2vec_train / {engine}: {name}, {raw:,} words: {raw / seconds:,.0f} words/s"
        ]
        return float(raw), float(kept)

    prepared.step = step
    return prepared


def analogy_accuracy(
    engine: str, sentences, epochs: int = 5, seed: int = 0
) -> tuple[float, int, float]:
    """Train ``epochs`` epochs; return (analogy accuracy, questions used, words/s)."""
    builders = {"tracegrad": _tracegrad, "gensim": _gensim}
    run, model = builders[engine](sentences, seed)
    start = time.perf_counter()
    run(epochs)
    rate = sum(len(s) for s in sentences) * epochs / (time.perf_counter() - start)
    if engine == "tracegrad":
        acc, n = model.evaluate_analogies(ANALOGIES)
        return acc, n, rate
    wv = model.wv
    used = [q for q in ANALOGIES if all(w in wv.key_to_index for w in q)]
    hits = [
        wv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0] == d for a, b, c, d in used
    ]
    return (float(np.mean(hits)) if used else 0.0), len(used), rate


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.word2vec_train [--full] [--seeds N]``: analogy accuracy and
    words/s of both engines on the same text and settings, per seed and on average."""
    import argparse
    import statistics

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--full", action="store_true", help="the whole WEB (fetch bible)")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.full:
        from nn.data.corpora import load_bible_full_sentences

        sentences, name = load_bible_full_sentences(), "World English Bible (whole)"
    else:
        sentences, name = corpus()
    print(f"corpus: {name}, {sum(len(s) for s in sentences):,} words; settings {SETTINGS}")
    results: dict[str, list[tuple[float, int, float]]] = {e: [] for e in ENGINES}
    for seed in range(args.seeds):
        for engine in ENGINES:
            acc, n, rate = analogy_accuracy(engine, sentences, seed=seed)
            results[engine].append((acc, n, rate))
            print(
                f"seed {seed} {engine:>10}: analogy accuracy {acc:.3f} on {n} questions, "
                f"{rate:,.0f} words/s"
            )
    for engine, rows in results.items():
        acc = statistics.mean(r[0] for r in rows)
        rate = statistics.median(r[2] for r in rows)
        print(f"mean {engine:>10}: analogy accuracy {acc:.3f}, median {rate:,.0f} words/s")


if __name__ == "__main__":
    main()
